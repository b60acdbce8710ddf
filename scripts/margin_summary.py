"""Margin exponents against d, and the markdown/LaTeX table of population margins and exponents."""

import pandas as pd

from lowrot.io import write_table, write_text
from lowrot.jobs import job
from lowrot.summaries import margin_exponents, margin_report

sm = job(globals())
pop = pd.read_csv(sm.input.population)
fits = margin_exponents(pop)
write_table(fits, sm.output.exponents)
markdown, latex = margin_report(pop, fits)
write_text(markdown, sm.output.markdown)
write_text(latex, sm.output.latex)
