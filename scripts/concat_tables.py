"""Concatenate per-job tables into one tidy table in canonical row order."""

from lowrot.io import write_table
from lowrot.jobs import job
from lowrot.tables import concat_tables

sm = job(globals())
write_table(concat_tables(list(sm.input.tables)), sm.output.table)
