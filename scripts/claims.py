"""The claims table (CSV, markdown, LaTeX) from the aggregated tables."""

import pandas as pd

from lowrot.claims import claims_latex, claims_markdown, claims_table
from lowrot.io import write_table, write_text
from lowrot.jobs import job

sm = job(globals())
tables = {name: pd.read_csv(path) for name, path in sm.input.items()}
df = claims_table(tables, dict(sm.params.analysis))
write_table(df, sm.output.csv)
write_text(claims_markdown(df), sm.output.markdown)
write_text(claims_latex(df), sm.output.latex)
