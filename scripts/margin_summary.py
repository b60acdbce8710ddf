"""Margin exponents against d, and the markdown/LaTeX table of population margins and exponents."""

from lowrot.jobs import job
from lowrot.pipeline.analysis import margin_summary

sm = job(globals())
margin_summary(sm.input.population, sm.output.exponents, sm.output.markdown, sm.output.latex)
