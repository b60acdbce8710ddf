"""Scatter of the inner weights on coordinates 0 and 1, at initialization and at the end (largest n, first seed)."""

import numpy as np

from lowrot.jobs import job
from lowrot.plots import describe_dataset, neuron_scatter, save

sm = job(globals())
cfg = sm.params.config
with np.load(sm.input.weights) as f:
    weights = {k: f[k] for k in f.files}
i = int(np.argmax(weights["n"]))
m = weights["a"].shape[1]
sweep = cfg["sweeps"][sm.params.sweep]
title = (f"{describe_dataset(sweep['dataset'], cfg)}; sweep {sm.params.sweep} ({sweep['learner']}), d = {weights['V'].shape[2]}, "
         f"width m = {m}, n = {weights['n'][i]}, seed {weights['seeds'][i]} (one network); end of run")
fig = neuron_scatter(weights, i, title)
save(fig, list(sm.output.figures), dpi=sm.params.figures["dpi"])
