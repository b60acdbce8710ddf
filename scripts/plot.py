"""Draw one figure of lowrot.plots.FIGURES from its aggregated tables."""

from pathlib import Path

import pandas as pd

from lowrot.catalog import FIGURE_TABLES
from lowrot.jobs import job
from lowrot.plots import FIGURES, save

sm = job(globals())
tables = {name: pd.read_csv(sm.input[name]) for name in FIGURE_TABLES[sm.wildcards.figure]}
fig = FIGURES[sm.wildcards.figure](tables, sm.params.config)
save(fig, [Path(p) for p in sm.output.figures], dpi=sm.params.config["figures"]["dpi"])
