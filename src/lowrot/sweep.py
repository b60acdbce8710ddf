"""From config subtrees to training jobs: which networks a job trains, and running one job.

A training job of a sweep trains, for one dataset instance and one width m, a batch of networks:
every (seed, n) of ``seeds`` x ``sample_sizes``, split into parts of at most ``networks_per_batch``
networks, with the sweep's learner (gf, sgd or norot; see lowrot.train). Network (seed, n) trains on the first n points of that seed's pool (pools are nested,
so larger n adds points), with the initialization of :func:`lowrot.model.init_network` (seed, m, d).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import __version__
from .config import subtree_hash

# torch (through .train) is imported inside the functions that train, so that the Snakefile can use
# the grid helpers here without paying torch's import time at every parse.


def dataset_instances(spec: dict, dims=None) -> dict[str, dict]:
    """{instance name: instance spec} for one dataset family (parity: one per d; nc: per (k, d); npz: one).

    ``dims`` restricts the family to those dimensions (a sweep's ``dims`` key).
    """
    base = {k: v for k, v in spec.items() if k not in ("dims", "groups")}
    keep = spec.get("dims", []) if dims is None else [d for d in spec.get("dims", []) if d in dims]
    if spec["kind"] == "parity":
        return {f"d{d}": {**base, "d": d} for d in keep}
    if spec["kind"] == "nc":
        return {f"k{k}_d{d}": {**base, "d": d, "k": k, "rho": spec["radius"]} for k in spec["groups"] for d in keep}
    return {"data": dict(base)}


def network_grid(seeds, sample_sizes) -> list[tuple[int, int]]:
    """All (seed, n) pairs, in a fixed order (seed-major)."""
    return [(int(s), int(n)) for s in seeds for n in sample_sizes]


def num_parts(seeds, sample_sizes, networks_per_batch: int) -> int:
    return math.ceil(len(network_grid(seeds, sample_sizes)) / networks_per_batch)


def part_networks(seeds, sample_sizes, networks_per_batch: int, part: int) -> list[tuple[int, int]]:
    grid = network_grid(seeds, sample_sizes)
    return grid[part * networks_per_batch : (part + 1) * networks_per_batch]


def support_basis(ds) -> np.ndarray | None:
    """Orthonormal basis (d, |S|) of the parity support directions in input space, or None."""
    if "support" not in ds.meta:
        return None
    d = ds.d
    basis = np.eye(d)[:, ds.meta["support"]]
    rot = ds.meta.get("rotation_matrix")
    return basis if rot is None else np.asarray(rot) @ basis


def run_train_job(ds, networks, m: int, train: dict, *, device: str, state_path=None, label="train"):
    """Train the given (seed, n) networks of width m on dataset ``ds`` (a lowrot.data.Dataset;
    ``train`` includes the learner).

    Returns (rows, weights): a tidy DataFrame (one row per network x recorded event) and a dict of
    arrays with the initial and final weights (a0, V0, a, V; leading axis = network).
    """
    from .train import GFSettings, train_gf

    settings = GFSettings(**{k: v for k, v in train.items() if k != "networks_per_batch"}, device=device)
    seed_index = {int(s): i for i, s in enumerate(ds.seeds)}
    X_list, y_list = zip(*(ds.train_set(seed_index[s], n) for s, n in networks))
    key = subtree_hash({"train": train, "networks": networks, "m": m, "data": ds.hash, "device": device})
    rows, weights = train_gf(
        list(X_list),
        list(y_list),
        [s for s, _ in networks],
        m,
        settings,
        X_test=ds.X_test,
        y_test=ds.y_test,
        test_exact=ds.test_kind == "full_cube",
        support_basis=support_basis(ds),
        centres=ds.meta.get("centres"),
        state_path=state_path,
        key=key,
        label=label,
    )
    rows.insert(0, "learner", settings.learner)
    if settings.learner == "norot":
        rows = rows.merge(frozen_lp_columns(networks, X_list, y_list, weights["V0"]), on=["seed", "n"], how="left")
    rows.insert(1, "d", ds.d)
    rows["data_hash"] = ds.hash
    rows["config_hash"] = subtree_hash(train)
    rows["test_kind"] = ds.test_kind
    rows["support_size"] = len(ds.meta.get("support", []))
    rows["groups"] = ds.spec.get("k", 0)  # neural-collapse groups k (0 for other data)
    rows["lowrot_version"] = __version__
    return rows, weights


def frozen_lp_columns(networks, X_list, y_list, V0) -> pd.DataFrame:
    """Per no-rotation network: the LP margin over its own frozen directions on its training set
    (the value its normalized margin should approach, SPEC §6 G1), with the LP's status."""
    from .errors import DataError
    from .margins.global_margin import lp_margin_fixed_directions

    out = []
    for (seed, n), X, y, V in zip(networks, X_list, y_list, V0):
        try:
            r = lp_margin_fixed_directions(X, y, V)
            out.append({"seed": seed, "n": n, "frozen_lp_value": r.value, "frozen_lp_upper": r.upper, "frozen_lp_status": r.status})
        except DataError as exc:  # e.g. one class only among the first n points
            out.append({"seed": seed, "n": n, "frozen_lp_value": math.nan, "frozen_lp_upper": math.nan, "frozen_lp_status": f"invalid_data: {exc}"})
    return pd.DataFrame(out)


def sort_rows(df: pd.DataFrame) -> pd.DataFrame:
    """A canonical row order, so that equal results give equal bytes."""
    keys = [c for c in ("learner", "dataset", "instance", "d", "m", "n", "seed", "step", "event") if c in df.columns]
    return df.sort_values(keys, kind="mergesort").reset_index(drop=True)
