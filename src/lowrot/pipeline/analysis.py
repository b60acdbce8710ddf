"""The analysis stage: regime summaries (n*, exponents, widths, run counts), margin exponents with
their markdown/LaTeX table, and the claims table with verdicts. Every output is written atomically."""

from __future__ import annotations

import pandas as pd

from ..claims import claims_latex, claims_markdown, claims_table
from ..io import read_table, write_table, write_text
from ..summaries import margin_exponents, margin_report, regime_tables


def regime_summaries(trajectories, training, analysis: dict, outputs: dict) -> None:
    """The regime tables (lowrot.summaries.regime_tables), each to ``outputs[its name]``."""
    tables = regime_tables(pd.read_csv(trajectories), pd.read_csv(training), dict(analysis))
    for name, path in outputs.items():
        write_table(tables[name], path)


def margin_summary(population, exponents, markdown, latex) -> None:
    """Fitted exponents of the parity population margins against d, and the values and exponents as
    markdown and LaTeX tables."""
    pop = pd.read_csv(population)
    fits = margin_exponents(pop)
    write_table(fits, exponents)
    md, tex = margin_report(pop, fits)
    write_text(md, markdown)
    write_text(tex, latex)


def claims(tables: dict, analysis: dict, csv, markdown, latex) -> None:
    """The claims table from the aggregated tables (table name -> path) as CSV, markdown and LaTeX."""
    df = claims_table({name: read_table(path) for name, path in tables.items()}, dict(analysis))
    write_table(df, csv)
    write_text(claims_markdown(df), markdown)
    write_text(claims_latex(df), latex)
