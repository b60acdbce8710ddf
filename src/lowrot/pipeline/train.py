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
from .search import coarse_sizes, network_flops, refine_sizes, still_searching

# torch (through lowrot.train) is imported inside train_networks, so importing this module is cheap.


def chunks(networks: list, size: int) -> list[list]:
    """Consecutive chunks of at most ``size`` networks, in order."""
    return [networks[i : i + size] for i in range(0, len(networks), size)]


def train_networks(ds, networks, m: int, train: dict, execution: dict, *, state_path=None, label="train", batch=""):
    """Train the (seed, n) ``networks`` of width m on ``ds`` (a Dataset holding their seeds, or
    {seed: Dataset}, one per seed, with a common test set) with the ``train`` settings (learner
    included), ``networks_per_batch`` at a time. Chunk i resumes from ``<state_path>.chunk<i>``.

    Returns (rows, weights): a tidy DataFrame (one row per network x recorded event; column ``batch``
    names the tensor program a network was trained in, ``train_flops`` its training flops by
    lowrot.pipeline.search.network_flops) and a dict of arrays with the initial and final weights
    (a0, V0, a, V; leading axis = network, in order).
    """
    from ..train import GFSettings, train_gf

    settings = GFSettings(**train, device=execution["device"], chunk_rows=execution["chunk_rows"])
    pools = ds if isinstance(ds, dict) else {int(s): ds for s in ds.seeds}
    ds = pools[int(networks[0][0])]  # test set, metadata: common to the seeds' files

    def train_set(seed, n):
        pool = pools[int(seed)]
        return pool.train_set(list(map(int, pool.seeds)).index(int(seed)), n)

    data_hash = subtree_hash(sorted((int(s), p.hash) for s, p in pools.items())) if len(pools) > 1 else ds.hash
    all_rows, all_weights = [], []
    for i, part in enumerate(chunks(list(networks), int(execution["networks_per_batch"]))):
        X_list, y_list = zip(*(train_set(s, n) for s, n in part))
        state = None if state_path is None else Path(f"{state_path}.chunk{i}")
        key = subtree_hash({"train": train, "networks": part, "m": m, "data": data_hash})
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
        rows["batch"] = f"{batch}chunk{i}"
        fin = rows[rows["event"] == "final"].set_index(["seed", "n"])["step"]
        flops = network_flops(settings.learner, fin.index.get_level_values("n"), m, ds.d, fin.to_numpy(), settings.batch_size)
        rows = rows.merge(pd.DataFrame({"seed": fin.index.get_level_values("seed"), "n": fin.index.get_level_values("n"), "train_flops": flops}), on=["seed", "n"], how="left")
        all_rows.append(rows)
        all_weights.append(weights)
    rows = pd.concat(all_rows, ignore_index=True)
    rows.insert(0, "learner", settings.learner)
    rows.insert(1, "d", ds.d)
    rows["data_hash"] = [pools[int(sd)].hash for sd in rows["seed"]]
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
    rows = _label(rows, sweep, dataset, instance)
    _write_outputs(rows, weights, networks, table, weights_path)
    for stale in Path(state_path).parent.glob(f"{Path(state_path).name}.chunk*"):
        stale.unlink(missing_ok=True)


def _write_outputs(rows: pd.DataFrame, weights: dict, networks, table, weights_path) -> None:
    """Weights first, then the table (a table never exists without its weights), both atomically."""
    with atomic_path(weights_path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, seeds=[s for s, _ in networks], n=[n for _, n in networks], **weights)
    write_table(rows, table)


def _label(rows: pd.DataFrame, sweep, dataset, instance) -> pd.DataFrame:
    rows.insert(0, "sweep", sweep)
    rows.insert(2, "dataset", dataset)
    rows.insert(3, "instance", instance)
    return rows


def _load_pools(data_paths) -> dict:
    pools = {}
    for path in data_paths:
        ds = Dataset.load(path)
        pools.update({int(s): ds for s in ds.seeds})
    return pools


def final_errors(rows: pd.DataFrame) -> dict:
    """{(seed, n): final test error} of a training table."""
    fin = rows[rows["event"] == "final"]
    return {(int(s), int(n)): float(e) for s, n, e in zip(fin["seed"], fin["n"], fin["test_error"])}


def coarse_job(data_paths, *, sweep, dataset, instance, m: int, seeds, search: dict, train: dict, execution: dict, state_dir, table, weights_path) -> None:
    """Stage 1 of a search sweep (lowrot.pipeline.search): the coarse pass for every seed at once.

    Round r trains the seeds still searching at the r-th coarse n as one batch. Each finished round is
    saved under ``state_dir`` (atomically), so an interrupted job resumes at its first unfinished round."""
    import logging

    log = logging.getLogger("lowrot.search")
    pools = _load_pools(data_paths)
    sizes = coarse_sizes(int(search["start"]), float(search["ratio"]), int(search["max_n"]))
    errors = {int(s): [] for s in seeds}
    parts, weights, networks = [], [], []
    state_dir = Path(state_dir)
    plan = subtree_hash({"train": train, "search": search, "m": m, "seeds": sorted(errors), "data": sorted(p.hash for p in pools.values())})
    for r, n in enumerate(sizes):
        active = still_searching(errors, float(search["stop_error"]))
        if not active:
            break
        net = [(s, n) for s in active]
        done_csv, done_npz = state_dir / f"{plan}.round{r}.csv", state_dir / f"{plan}.round{r}.npz"
        if done_csv.exists() and done_npz.exists():
            rows = pd.read_csv(done_csv)
            with np.load(done_npz) as f:
                w = {k: f[k] for k in ("a0", "V0", "a", "V")}
            log.info("coarse round %d (n = %d): resumed from %s", r, n, done_csv)
        else:
            label = f"{sweep} {dataset}/{instance} m={m} coarse n={n} ({len(active)} seeds)"
            rows, w = train_networks(pools, net, int(m), dict(train), dict(execution), state_path=state_dir / f"{plan}.round{r}.pt", label=label, batch=f"coarse{r}/")
            with atomic_path(done_npz) as tmp:
                with open(tmp, "wb") as fh:
                    np.savez(fh, **w)
            write_table(rows, done_csv)
        errs = final_errors(rows)
        for s in active:
            errors[s].append(errs[(s, n)])
        log.info("coarse round %d (n = %d): final test errors %s", r, n, {s: round(errors[s][-1], 4) for s in active})
        parts.append(rows)
        weights.append(w)
        networks += net
    rows = _label(pd.concat(parts, ignore_index=True), sweep, dataset, instance)
    rows["stage"] = "coarse"
    _write_outputs(rows, {k: np.concatenate([w[k] for w in weights]) for k in weights[0]}, networks, table, weights_path)
    for stale in state_dir.glob(f"{plan}.round*"):
        stale.unlink(missing_ok=True)


def refine_job(data_paths, coarse_table, coarse_weights, *, sweep, dataset, instance, m: int, search: dict, epsilons, train: dict, execution: dict, state_path, table, weights_path) -> None:
    """Stage 2 of a search sweep: the geometric midpoints around each seed's coarse crossings of every
    epsilon (one batch for all seeds), written together with the coarse networks (one table and one
    weights file per (sweep, instance, width): what the rest of the DAG reads)."""
    pools = _load_pools(data_paths)
    coarse = pd.read_csv(coarse_table)
    errs = final_errors(coarse)
    with np.load(coarse_weights) as f:
        cw = {k: f[k] for k in ("a0", "V0", "a", "V")}
        c_net = list(zip(map(int, f["seeds"]), map(int, f["n"])))
    net = []
    for seed in sorted({s for s, _ in errs}):
        curve = sorted((n, e) for (s, n), e in errs.items() if s == seed)
        net += [(seed, n) for n in refine_sizes([n for n, _ in curve], [e for _, e in curve], epsilons, int(search["start"]))]
    parts, weights, networks = [coarse], [cw], list(c_net)
    if net:
        label = f"{sweep} {dataset}/{instance} m={m} refine ({len(net)} networks)"
        rows, w = train_networks(pools, net, int(m), dict(train), dict(execution), state_path=state_path, label=label, batch="refine/")
        rows = _label(rows, sweep, dataset, instance)
        rows["stage"] = "refine"
        parts.append(rows)
        weights.append(w)
        networks += net
    rows = pd.concat(parts, ignore_index=True).sort_values(["seed", "n"], kind="mergesort", ignore_index=True)
    order = sorted(range(len(networks)), key=lambda i: networks[i])
    w = {k: np.concatenate([x[k] for x in weights])[order] for k in cw}
    _write_outputs(rows, w, [networks[i] for i in order], table, weights_path)
    for stale in Path(state_path).parent.glob(f"{Path(state_path).name}.chunk*"):
        stale.unlink(missing_ok=True)
