"""The claims table (CSV, markdown, LaTeX) from the aggregated tables."""

from lowrot.jobs import job
from lowrot.pipeline.analysis import claims

sm = job(globals())
claims(dict(sm.input.items()), sm.params.analysis, sm.output.csv, sm.output.markdown, sm.output.latex)
