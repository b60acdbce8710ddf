"""Train one batch of networks (one sweep, dataset instance, width and part of the (seed, n) grid)."""

from pathlib import Path

import numpy as np

from lowrot.data import Dataset
from lowrot.io import atomic_path, write_table
from lowrot.jobs import job
from lowrot.sweep import part_networks, run_train_job

sm = job(globals())
w = sm.wildcards
ds = Dataset.load(sm.input.data)
nets = part_networks(sm.params.seeds, sm.params.sample_sizes, sm.params.train["networks_per_batch"], int(w.part))
label = f"{w.sweep} {w.dataset}/{w.instance} m={w.m} part {w.part}"
rows, weights = run_train_job(ds, nets, int(w.m), dict(sm.params.train), device=sm.params.device, state_path=sm.params.state, label=label)
rows.insert(0, "sweep", w.sweep)
rows.insert(2, "dataset", w.dataset)
rows.insert(3, "instance", w.instance)
with atomic_path(sm.output.weights) as tmp:
    with open(tmp, "wb") as fh:
        np.savez(fh, seeds=[s for s, _ in nets], n=[n for _, n in nets], **weights)
write_table(rows, sm.output.table)
Path(sm.params.state).unlink(missing_ok=True)  # outputs are complete: the resume state is spent
