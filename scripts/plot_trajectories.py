"""Draw one figure of lowrot.plots.FIGURES from the trajectory table."""

import pandas as pd

from lowrot.jobs import job
from lowrot.plots import FIGURES, save

sm = job(globals())
traj = pd.read_csv(sm.input.table)
fig = FIGURES[sm.wildcards.figure](traj[traj["sweep"] == sm.params.figures["training_sweep"]])
save(fig, list(sm.output.figures), dpi=sm.params.figures["dpi"])
