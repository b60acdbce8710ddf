"""Build one dataset file: one seed's training pool and the instance's test set (lowrot.pipeline.data)."""

import logging

from lowrot.jobs import job
from lowrot.pipeline.data import write_dataset

sm = job(globals())
logging.info(write_dataset(sm.params.spec, int(sm.wildcards.seed), sm.params.master_seed, sm.output.data))
