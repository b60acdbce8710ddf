"""One margin job of one dataset instance: population, training-set or frozen-direction margins."""

from lowrot.data import Dataset
from lowrot.io import write_table
from lowrot.jobs import job
from lowrot.margin_jobs import MARGIN_JOBS

sm = job(globals())
ds = Dataset.load(sm.input.data)
rows = MARGIN_JOBS[sm.params.kind](ds, dict(sm.params.margins))
rows.insert(0, "dataset", sm.wildcards.dataset)
rows.insert(1, "instance", sm.wildcards.instance)
rows["data_hash"] = ds.hash
write_table(rows, sm.output.table)
