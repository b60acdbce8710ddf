"""One margin job of one dataset file: population, training-set or frozen-direction margins."""

from lowrot.jobs import job
from lowrot.pipeline.margins import dataset_margins

sm = job(globals())
dataset_margins(sm.params.kind, sm.input.data, sm.wildcards.dataset, sm.wildcards.instance, sm.params.margins, sm.output.table)
