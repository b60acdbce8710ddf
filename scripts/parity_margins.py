"""Population margins of 2-sparse parity at one dimension d (no dataset: the cube itself)."""

from lowrot.jobs import job
from lowrot.pipeline.margins import parity_margins

sm = job(globals())
parity_margins(int(sm.wildcards.d), sm.params.margins, sm.output.table)
