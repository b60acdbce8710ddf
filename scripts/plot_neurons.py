"""Scatter of the inner weights on coordinates 0 and 1, at initialization and at the end (largest n, first seed)."""

import numpy as np

from lowrot.jobs import job
from lowrot.plots import neuron_scatter, save

sm = job(globals())
with np.load(sm.input.weights) as f:
    weights = {k: f[k] for k in f.files}
i = int(np.argmax(weights["n"]))
m = weights["a"].shape[1]
fig = neuron_scatter(weights, i, f"2-sparse parity, d = {weights['V'].shape[2]}, width m = {m}, n = {weights['n'][i]}, seed {weights['seeds'][i]}")
save(fig, list(sm.output.figures), dpi=sm.params.figures["dpi"])
