"""Concatenate per-job tables into one tidy table in canonical row order."""

from lowrot.jobs import job
from lowrot.pipeline.tables import concat

sm = job(globals())
concat(sm.input.tables, sm.output.table)
