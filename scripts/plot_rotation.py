"""Rotation histograms from the final weights of one training job per width (networks at the largest n pooled)."""

import numpy as np

from lowrot.jobs import job
from lowrot.plots import describe_dataset, rotation_histograms, save

sm = job(globals())
cfg = sm.params.config
weights, ns, seeds, dims = {}, set(), set(), set()
for path in sm.input.weights:
    with np.load(path) as f:
        keep = f["n"] == f["n"].max()
        weights[int(f["a"].shape[1])] = {k: f[k][keep] for k in ("a", "V", "V0")}
        ns.add(int(f["n"].max()))
        seeds.update(int(s) for s in f["seeds"][keep])
        dims.add(int(f["V"].shape[2]))
sweep = cfg["sweeps"][sm.params.sweep]
info = (f"{describe_dataset(sweep['dataset'], cfg)}; sweep {sm.params.sweep} ({sweep['learner']}), d = {sorted(dims)}, "
        f"n = {sorted(ns)}, seeds {sorted(seeds)} pooled per width; end of run")
save(rotation_histograms(weights, info), list(sm.output.figures), dpi=sm.params.figures["dpi"])
