"""Rotation histograms from the final weights of one training job per width."""

import numpy as np

from lowrot.jobs import job
from lowrot.plots import rotation_histograms, save

sm = job(globals())
weights = {}
for path in sm.input.weights:
    with np.load(path) as f:
        weights[int(f["a"].shape[1])] = {k: f[k] for k in ("a", "V", "V0")}
save(rotation_histograms(weights), list(sm.output.figures), dpi=sm.params.figures["dpi"])
