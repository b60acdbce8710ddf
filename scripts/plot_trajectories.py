"""Draw one figure of lowrot.plots.FIGURES from the trajectory table."""

import pandas as pd

from lowrot.jobs import job
from lowrot.plots import FIGURES, save

sm = job(globals())
fig = FIGURES[sm.wildcards.figure](pd.read_csv(sm.input.table))
save(fig, list(sm.output.figures), dpi=sm.params.figures["dpi"])
