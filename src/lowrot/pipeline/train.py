"""The training stage: one job trains, for one sweep, dataset instance, width m and network seed,
every sample size n of the sweep (network (seed, n) on the first n points of that seed's pool,
initialized by :func:`lowrot.model.init_network` (seed, m, d)) with the sweep's learner.

The ``execution`` keys decide only how: ``networks_per_batch`` caps how many networks share one
tensor program (a job trains its networks in chunks of at most that many, one after the other),
``device`` and ``chunk_rows`` where and in what blocks. They are not recorded in the tables.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__
from ..config import subtree_hash
from ..data import Dataset
from ..io import atomic_path, write_table
from ..sweep import frozen_lp_columns

# torch (through lowrot.train) is imported inside train_networks, so importing this module is cheap.


def chunks(networks: list, size: int) -> list[list]:
    """Consecutive chunks of at most ``size`` networks, in order."""
    return [networks[i : i + size] for i in range(0, len(networks), size)]


def train_networks(ds: Dataset, networks, m: int, train: dict, execution: dict, *, state_path=None, label="train"):
    """Train the (seed, n) ``networks`` of width m on ``ds`` with the ``train`` settings (learner
    included), ``networks_per_batch`` at a time. Chunk i resumes from ``<state_path>.chunk<i>``.

    Returns (rows, weights): a tidy DataFrame (one row per network x recorded event) and a dict of
    arrays with the initial and final weights (a0, V0, a, V; leading axis = network, in order).
    """
    from ..train import GFSettings, train_gf

    settings = GFSettings(**train, device=execution["device"], chunk_rows=execution["chunk_rows"])
    seed_index = {int(s): i for i, s in enumerate(ds.seeds)}
    all_rows, all_weights = [], []
    for i, part in enumerate(chunks(list(networks), int(execution["networks_per_batch"]))):
        X_list, y_list = zip(*(ds.train_set(seed_index[s], n) for s, n in part))
        state = None if state_path is None else Path(f"{state_path}.chunk{i}")
        key = subtree_hash({"train": train, "networks": part, "m": m, "data": ds.hash})
        rows, weights = train_gf(
            list(X_list),
            list(y_list),
            [s for s, _ in part],
            m,
            settings,
            X_test=ds.X_test,
            y_test=ds.y_test,
            test_exact=ds.test_kind == "full_cube",
            support_basis=ds.support_basis,
            centres=ds.centres,
            state_path=state,
            key=key,
            label=f"{label} chunk {i}",
        )
        if settings.learner == "norot":
            rows = rows.merge(frozen_lp_columns(part, X_list, y_list, weights["V0"]), on=["seed", "n"], how="left")
        all_rows.append(rows)
        all_weights.append(weights)
    rows = pd.concat(all_rows, ignore_index=True)
    rows.insert(0, "learner", settings.learner)
    rows.insert(1, "d", ds.d)
    rows["data_hash"] = ds.hash
    rows["config_hash"] = subtree_hash(train)
    rows["test_kind"] = ds.test_kind
    rows["support_size"] = len(ds.meta.get("support", []))
    rows["groups"] = ds.spec.get("groups", 0)  # neural-collapse groups k of the instance (0 for other data)
    rows["lowrot_version"] = __version__
    weights = {k: np.concatenate([w[k] for w in all_weights]) for k in all_weights[0]}
    return rows, weights


def train_job(data_path, *, sweep: str, dataset: str, instance: str, m: int, seed: int, sample_sizes, train: dict, execution: dict, state_path, table, weights_path) -> None:
    """One training job: train network seed ``seed`` at every n of ``sample_sizes``, write the
    weights and the table atomically (weights first, so a table never exists without its weights),
    then remove the spent resume states."""
    ds = Dataset.load(data_path)
    networks = [(int(seed), int(n)) for n in sample_sizes]
    label = f"{sweep} {dataset}/{instance} m={m} seed {seed}"
    rows, weights = train_networks(ds, networks, int(m), dict(train), dict(execution), state_path=state_path, label=label)
    rows.insert(0, "sweep", sweep)
    rows.insert(2, "dataset", dataset)
    rows.insert(3, "instance", instance)
    with atomic_path(weights_path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, seeds=[s for s, _ in networks], n=[n for _, n in networks], **weights)
    write_table(rows, table)
    for stale in Path(state_path).parent.glob(f"{Path(state_path).name}.chunk*"):
        stale.unlink(missing_ok=True)
