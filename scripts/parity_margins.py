"""Population margins of 2-sparse parity at one dimension d (no dataset: the cube itself)."""

from lowrot.io import write_table
from lowrot.jobs import job
from lowrot.margin_jobs import parity_population_margins

sm = job(globals())
write_table(parity_population_margins(int(sm.wildcards.d), dict(sm.params.margins)), sm.output.table)
