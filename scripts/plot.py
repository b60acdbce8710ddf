"""Draw one figure of lowrot.plots.FIGURES from its aggregated tables."""

from pathlib import Path

import pandas as pd

from lowrot.catalog import FIGURE_TABLES
from lowrot.jobs import job
from lowrot.plots import FIGURES, save

sm = job(globals())
name = sm.wildcards.figure


def read(path) -> pd.DataFrame:
    """A table; an empty file (a summary with no rows, e.g. no fits at this scale) is an empty frame."""
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


tables = {t: read(sm.input[t]) for t in FIGURE_TABLES[name] if hasattr(sm.input, t)}  # an optional table may be absent
fig = FIGURES[name](tables, sm.params.config)
save(fig, [Path(p) for p in sm.output.figures], dpi=sm.params.config["figures"]["dpi"])
