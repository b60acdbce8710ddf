"""Throughput of the scaling study's training mix (a benchmark, not a test: it prints a table of rates and ratios).

The study (config/scaling.yaml) trains many small networks; this replays its actual mix of training
batches. A batch is the networks of one (table file, ``batch`` column) pair: the networks trained
together as one ``BatchedGF`` (lowrot.pipeline.train.train_networks). The mix comes from, in order:

1. ``--tables DIR``: the training tables of a run (DIR/train/**/*.csv or DIR/**/*.csv). A search
   sweep's ``coarse.csv`` is skipped where its ``search.csv`` exists (search.csv holds every coarse row
   plus the refinement rows). Per network: its steps (largest ``step`` of its rows: the ``final``
   row, or the ``diverged`` one) and ``train_flops`` (lowrot.pipeline.search.network_flops).
2. without --tables: <results_dir>/train of the config, if it exists;
3. ``--synthetic`` (also the fallback when no table exists): the PLANNED mix, built from the config's
   sweeps under stated assumptions (where each search stops, and that every GF / no-rotation network
   runs max_steps steps: an upper bound, loss-normalized runs may stop earlier at max_time).

Replay: full training would take as long as the study, so each measured batch runs K steps (after a
warm-up) on synthetic 2-parity data of the batch's shapes (d, m, every network's n, padding as in the
study), with the study's train settings (dtype, chunk_rows, learner, batch size; measurement snapshots
off, constant step so that no network stops inside the burst: same tensor work per step). Seconds per
step are timed as a batch (B networks in one BatchedGF) and as a loop (each network alone, B = 1, same
code; networks with the same shape share one timing). What is timed is one iteration of
``BatchedGF.run``, from one call of ``fused_step_direction`` to the next (benchmarks/bench_train.py).

Aggregation (flop-weighted over the mix):
    effective GFLOP/s (batched) = sum_batches flops / sum_batches max_i(steps_i) * sec_per_step_batched
    effective GFLOP/s (loop)    = sum_batches flops / sum_batches sum_i steps_i * sec_per_step_alone_i
(a batch runs until its last network finishes; a finished network is still computed). Batches are
measured in this order within a time budget: a few small ones per learner, those holding the top 90%
of the flops (largest first), then the rest; batches with the same shapes share one measurement. The
seconds per step of batches left unmeasured come from a fit t = c0 + c1 B + flops/R (non-negative
least squares per learner and mode, relative error) of the measured ones; the output says how much
of the estimated time is modeled.

Targets (CPU, from the issue): effective GFLOP/s >= 25% of the float32 torch.mm rate (2048 x 2048,
same thread count, best of several, measured before and after; the larger is used), and batched >= 5x
the loop. The float64 mm rate is printed for reference (the study trains in float64).

Usage:  python benchmarks/bench_study_mix.py [--tables DIR | --synthetic] [--quick] [--threads 1] [--budget S]
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_train import burst, busy_share, cpu_model  # noqa: E402  (the same timed loop iteration)

from lowrot.config import validate_config  # noqa: E402
from lowrot.pipeline.grid import dataset_instances, search_settings, train_settings  # noqa: E402
from lowrot.pipeline.search import coarse_sizes, network_flops  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------- the mix
@dataclass
class Batch:
    """The networks of one tensor program of the study."""

    file: str
    name: str
    sweep: str
    learner: str
    d: int
    m: int
    batch_size: int
    seeds: np.ndarray
    ns: np.ndarray
    steps: np.ndarray  # steps each network took (its own training)
    flops: np.ndarray  # training flops of each network

    @property
    def B(self) -> int:
        return len(self.ns)

    @property
    def total_flops(self) -> float:
        return float(np.sum(self.flops))

    @property
    def real_steps(self) -> int:
        """Iterations of the batched program: it runs until its last network finishes."""
        return int(np.max(self.steps))

    @property
    def key(self) -> tuple:
        """Batches with the same key have the same tensor shapes (one timing serves them all)."""
        return (self.learner, self.d, self.m, self.batch_size, tuple(sorted(int(n) for n in self.ns)))

    def net_key(self, i: int) -> tuple:
        return (self.learner, self.d, self.m, self.batch_size, int(self.ns[i]))

    def padded_step_flops(self) -> float:
        """Flops of one step of the batched program, padding rows included (what it computes)."""
        return float(self.B * network_flops(self.learner, int(np.max(self.ns)), self.m, self.d, 1, self.batch_size))


def _batch_size(cfg, sweep: str) -> int:
    return int(train_settings(cfg, sweep).get("batch_size", 1)) if cfg and sweep in cfg["sweeps"] else 1


def table_files(root: Path) -> list[Path]:
    """The training tables under ``root`` (root/train if it exists), without coarse.csv files that
    their search.csv contains."""
    base = root / "train" if (root / "train").is_dir() else root
    files = sorted(p for p in base.rglob("*.csv"))
    return [p for p in files if not (p.name == "coarse.csv" and (p.parent / "search.csv").exists())]


def batches_from_frame(df, file: str, cfg=None) -> list[Batch]:
    """One Batch per value of ``batch`` in a training table (pandas DataFrame of one file)."""
    df = df.copy()
    if "batch" not in df:
        df["batch"] = "chunk0"  # tables from before the column: one program per file
    out = []
    for name, g in df.groupby("batch", sort=True):
        learner, sweep = str(g["learner"].iloc[0]), str(g["sweep"].iloc[0]) if "sweep" in g else ""
        d, m = int(g["d"].iloc[0]), int(g["m"].iloc[0])
        bs = _batch_size(cfg, sweep)
        net = g.groupby(["seed", "n"], sort=True)
        steps = net["step"].max()
        seeds = steps.index.get_level_values("seed").to_numpy()
        ns = steps.index.get_level_values("n").to_numpy()
        flops = np.array(net["train_flops"].max(), dtype=float) if "train_flops" in g else np.full(len(ns), np.nan)
        missing = ~np.isfinite(flops)  # diverged networks have no final row, hence no train_flops
        if missing.any():
            flops[missing] = network_flops(learner, ns[missing], m, d, steps.to_numpy()[missing], bs)
        out.append(Batch(file, str(name), sweep, learner, d, m, bs, seeds, ns, steps.to_numpy(), flops))
    return out


def batches_from_tables(root: Path, cfg=None) -> tuple[list[Batch], int]:
    import pandas as pd

    want = {"sweep", "learner", "d", "m", "n", "seed", "event", "step", "batch", "train_flops"}
    files = table_files(root)
    out = []
    for p in files:
        df = pd.read_csv(p, usecols=lambda c: c in want)
        if df.empty or "learner" not in df:
            continue
        out += batches_from_frame(df, str(p.relative_to(root)), cfg)
    return out, len(files)


# Where a synthetic search is assumed to stop (its last coarse n is the first grid size >= this).
SYNTHETIC_STOP = {
    "gf": ("16 d", lambda d, k: 16 * d),
    "norot": ("16 d", lambda d, k: 16 * d),
    "sgd": ("64 d", lambda d, k: 64 * d),
    "nc": ("8 k (neural-collapse data, k groups)", lambda d, k: 8 * k),
}


def synthetic_mix(cfg, steps: int | None = None) -> list[Batch]:
    """The planned mix of ``cfg`` under the assumptions of SYNTHETIC_STOP: each search sweep's coarse
    rounds (all seeds at one n per round) up to the first grid size >= the assumed stop, one
    refinement batch (every seed at the geometric midpoints of the last coarse pairs, one per
    epsilon), fixed-grid sweeps one batch per (seed file, chunk). Steps: max_steps (or ``steps``)
    for GF / no-rotation, passes * ceil(n / batch_size) capped by max_steps for SGD."""
    seeds = [int(s) for s in cfg["seeds"]]
    npb = int(cfg["execution"]["networks_per_batch"])
    eps = sorted(cfg["analysis"]["epsilons"], reverse=True)
    out = []
    for sweep, sw in cfg["sweeps"].items():
        tr = train_settings(cfg, sweep)
        learner, bs = tr["learner"], int(tr.get("batch_size", 1))
        spec = cfg["datasets"][sw["dataset"]]
        rule = SYNTHETIC_STOP["nc" if spec["kind"] == "nc" else learner][1]

        def nsteps(ns):
            ns = np.asarray(ns)
            if learner == "sgd":
                return np.minimum(int(tr["max_steps"]), int(tr.get("passes", 1)) * -(-ns // bs))
            return np.full(len(ns), int(steps if steps is not None else tr["max_steps"]))

        def add(file, name, nets, d, m):
            sd = np.array([s for s, _ in nets])
            ns = np.array([n for _, n in nets])
            st = nsteps(ns)
            out.append(Batch(file, name, sweep, learner, d, m, bs, sd, ns, st, network_flops(learner, ns, m, d, st, bs)))

        for inst, ispec in dataset_instances(spec, sw.get("dims")).items():
            d = int(ispec["d"])
            for m in sw["widths"]:
                base = f"train/{sweep}/{sw['dataset']}/{inst}/m{m}"
                if "search" in sw:
                    se = search_settings(cfg, sweep)
                    grid = coarse_sizes(int(se["start"]), float(se["ratio"]), int(se["max_n"]))
                    stop = rule(d, int(ispec.get("groups", 0)))
                    last = next((i for i, n in enumerate(grid) if n >= stop), len(grid) - 1)
                    coarse = grid[: last + 1]
                    for r, n in enumerate(coarse):
                        for i in range(0, len(seeds), npb):
                            add(f"{base}/search.csv", f"coarse{r}/chunk{i // npb}", [(s, n) for s in seeds[i : i + npb]], d, m)
                    mids = sorted({int(round(math.sqrt(coarse[-2 - j] * coarse[-1 - j]))) for j in range(len(eps)) if len(coarse) >= j + 2})
                    nets = [(s, n) for s in seeds for n in mids if n not in coarse]
                    for i in range(0, len(nets), npb):
                        add(f"{base}/search.csv", f"refine/chunk{i // npb}", nets[i : i + npb], d, m)
                else:
                    for s in seeds:
                        nets = [(s, int(n)) for n in sw["sample_sizes"]]
                        for i in range(0, len(nets), npb):
                            add(f"{base}/seed{s}.csv", f"chunk{i // npb}", nets[i : i + npb], d, m)
    return out


# ---------------------------------------------------------------------------- aggregation (pure)
def batch_times(batch: Batch, sec_batched: float, sec_alone) -> tuple[float, float]:
    """(seconds of the batch's training as one program, as a loop of single networks)."""
    return batch.real_steps * sec_batched, float(np.sum(batch.steps * np.asarray(sec_alone, dtype=float)))


def aggregate(batches, sec_batched, sec_alone, group=lambda b: "all") -> dict:
    """{group: dict(flops, time_batched, time_loop, gflops_batched, gflops_loop, ratio, batches)}:
    flop-weighted effective rates over the batches of each group; sec_batched[i] is batch i's seconds
    per step as one program, sec_alone[i] the per-network seconds per step alone."""
    out: dict = {}
    for b, tb, ta in zip(batches, sec_batched, sec_alone):
        g = out.setdefault(group(b), {"flops": 0.0, "time_batched": 0.0, "time_loop": 0.0, "batches": 0})
        t1, t2 = batch_times(b, tb, ta)
        g["flops"] += b.total_flops
        g["time_batched"] += t1
        g["time_loop"] += t2
        g["batches"] += 1
    for g in out.values():
        g["gflops_batched"] = g["flops"] / g["time_batched"] / 1e9 if g["time_batched"] > 0 else math.nan
        g["gflops_loop"] = g["flops"] / g["time_loop"] / 1e9 if g["time_loop"] > 0 else math.nan
        g["ratio"] = g["time_loop"] / g["time_batched"] if g["time_batched"] > 0 else math.nan
    return out


def measure_order(batches, share: float = 0.9, small_per_learner: int = 2) -> list[int]:
    """Indices of ``batches`` in the order to measure: per learner the smallest and (for 2) the median
    batch by flops, then those holding the top ``share`` of the flops (largest first), then the rest
    (largest first). Each index once."""
    flops = np.array([b.total_flops for b in batches])
    order = list(np.argsort(-flops, kind="stable"))
    total = flops.sum()
    top, acc = [], 0.0
    for i in order:
        if acc >= share * total:
            break
        top.append(int(i))
        acc += flops[i]
    small = []
    for lr in sorted({b.learner for b in batches}):
        idx = sorted((i for i, b in enumerate(batches) if b.learner == lr), key=lambda i: (flops[i], i))
        picks = [idx[0], idx[len(idx) // 2]][:small_per_learner]
        small += [i for i in picks if i not in small]
    seen, out = set(), []
    for i in small + top + [int(i) for i in order]:
        if i not in seen:
            seen.add(i)
            out.append(i)
    return out


class CostModel:
    """Seconds per step t = c0 + c1 B + flops / R, fitted by non-negative least squares on relative
    error, per learner (falls back to all learners with fewer than 3 points of its own)."""

    def __init__(self):
        self.pts: dict = {}

    def add(self, learner, B, flops, t):
        self.pts.setdefault(learner, []).append((B, flops, t))

    def predict(self, learner, B, flops) -> float:
        from scipy.optimize import nnls

        pts = self.pts.get(learner, [])
        if len(pts) < 3:
            pts = [p for v in self.pts.values() for p in v]
        if len(pts) < 2:
            return 7e-4 + 1e-4 * B + flops / 5e9  # prior (a 2-core Xeon, float64, one thread)
        A = np.array([[1.0, b, f] for b, f, _ in pts])
        t = np.array([p[2] for p in pts])
        c, _ = nnls(A / t[:, None], np.ones(len(t)))
        return float(c @ [1.0, B, flops]) or float(np.median(t))


# ---------------------------------------------------------------------------- timing
def make_data(n: int, d: int, seed: int):
    """2-parity points on {+-1/sqrt d}^d (lowrot.data), as the study's parity datasets."""
    from lowrot.data import parity_labels, sample_parity

    X = sample_parity(n, d, np.random.default_rng([seed, n, d]))
    return X, parity_labels(X, [0, 1])


def replay_settings(cfg, sweep: str, learner: str, overrides=None):
    """The sweep's train settings (dtype, learner, batch size; execution chunk_rows), made to run any
    number of steps: constant step, no checkpoint or milestone, SGD passes unbounded. ``overrides``:
    GFSettings fields to change (--dtype, --chunk-rows: what-if runs)."""
    from lowrot.train import GFSettings

    tr = train_settings(cfg, sweep) if sweep in cfg["sweeps"] else {**cfg["train"], "learner": learner}
    st = GFSettings(**tr, device="cpu", chunk_rows=cfg["execution"]["chunk_rows"])
    if overrides:
        st = dataclasses.replace(st, **overrides)
    return dataclasses.replace(st, max_steps=0, max_time=1e30, checkpoints=1, first_checkpoint=1e30, risk_milestone=1e-300, loss_normalized=False, passes=10**9)


def _no_record(*args, **kwargs):
    return None


def sec_per_step(settings, Xs, ys, seeds, m, steps: int, warmup: int = 3) -> float:
    """Median seconds per iteration of BatchedGF.run over ``steps`` iterations after ``warmup``."""
    from lowrot.train import BatchedGF

    gf = BatchedGF(Xs, ys, seeds, m, settings)
    gf._record = _no_record
    burst(gf, warmup)
    return float(np.median(burst(gf, steps + 1)))


def matmul_rate(dtype, size: int = 2048, reps: int = 5) -> float:
    import torch

    A = torch.randn(size, size, dtype=dtype)
    Bm = torch.randn(size, size, dtype=dtype)
    C = torch.empty(size, size, dtype=dtype)
    torch.mm(A, Bm, out=C)
    best = math.inf
    for _ in range(reps):
        t0 = time.perf_counter()
        torch.mm(A, Bm, out=C)
        best = min(best, time.perf_counter() - t0)
    return 2.0 * size**3 / best / 1e9


def measure(batches, cfg, args) -> tuple[list, list, np.ndarray]:
    """Seconds per step of every batch (batched, per network alone) and which were measured."""
    kmin, kmax, target = (10, 30, 0.15) if args.quick else (30, 100, 0.5)
    rounds = 1 if args.quick else 2
    t_end = time.perf_counter() + args.budget
    models = {"batched": CostModel(), "alone": CostModel()}
    by_key: dict = {}  # batch key -> seconds per step batched
    alone: dict = {}  # network key -> seconds per step alone
    measured = np.zeros(len(batches), dtype=bool)
    settings_cache: dict = {}
    for i in measure_order(batches):
        b = batches[i]
        if b.key in by_key:
            measured[i] = True
            continue
        left = t_end - time.perf_counter()
        if left <= 0:
            break
        est_b = models["batched"].predict(b.learner, b.B, b.padded_step_flops())
        new = sorted({b.net_key(j) for j in range(b.B)} - set(alone))
        est_a = sum(models["alone"].predict(b.learner, 1, network_flops(b.learner, k[4], b.m, b.d, 1, b.batch_size)) for k in new)
        per_step = rounds * (est_b + est_a)
        K = int(np.clip(target / max(est_b, 1e-6), kmin, kmax))
        K = max(3, min(K, int(0.15 * args.budget / max(per_step, 1e-9)) - 3))  # one batch: <= 15% of the budget
        if (K + 3) * per_step > left:
            continue  # too long for what is left: modeled below
        key = (b.sweep, b.learner)
        if key not in settings_cache:
            settings_cache[key] = replay_settings(cfg, b.sweep, b.learner, args.overrides)
        st = settings_cache[key]
        data = [make_data(int(n), b.d, int(s)) for s, n in zip(b.seeds, b.ns)]
        Xs, ys = [x for x, _ in data], [y for _, y in data]
        first = {k: j for j, k in reversed(list(enumerate(b.net_key(j) for j in range(b.B))))}
        tb, ta = [], {k: [] for k in new}
        for _ in range(rounds):  # interleaved: both see the same machine
            tb.append(sec_per_step(st, Xs, ys, list(map(int, b.seeds)), b.m, K))
            for k in new:
                j = first[k]
                ta[k].append(sec_per_step(st, [Xs[j]], [ys[j]], [int(b.seeds[j])], b.m, K))
        by_key[b.key] = min(tb)
        models["batched"].add(b.learner, b.B, b.padded_step_flops(), by_key[b.key])
        for k in new:
            alone[k] = min(ta[k])
            models["alone"].add(b.learner, 1, network_flops(b.learner, k[4], b.m, b.d, 1, b.batch_size), alone[k])
        measured[i] = True
        if args.verbose:
            tl = sum(alone[b.net_key(j)] for j in range(b.B))
            print(f"  measured {b.file}:{b.name} B={b.B} d={b.d} m={b.m} n<={max(b.ns)}: {1e3 * by_key[b.key]:.3f} ms/step, loop {1e3 * tl:.3f} ms, K={K}", flush=True)
    sec_b, sec_a = [], []
    for b in batches:
        sb = by_key.get(b.key)
        if sb is None:
            sb = models["batched"].predict(b.learner, b.B, b.padded_step_flops())
        sa = [alone.get(b.net_key(j)) for j in range(b.B)]
        sa = [
            s if s is not None else models["alone"].predict(b.learner, 1, network_flops(b.learner, int(b.ns[j]), b.m, b.d, 1, b.batch_size))
            for j, s in enumerate(sa)
        ]
        sec_b.append(sb)
        sec_a.append(sa)
    return sec_b, sec_a, measured


# ---------------------------------------------------------------------------- output
def fmt_time(s: float) -> str:
    if s >= 3600:
        return f"{s / 3600:.2f} h"
    if s >= 60:
        return f"{s / 60:.1f} min"
    return f"{s:.1f} s"


def report(batches, sec_b, sec_a, measured, mm32, mm64, args):
    total = sum(b.total_flops for b in batches)
    groups = [("learner", lambda b: b.learner), ("sweep", lambda b: b.sweep)]
    rows = []
    for label, fn in groups:
        agg = aggregate(batches, sec_b, sec_a, fn)
        for name in sorted(agg, key=lambda k: -agg[k]["flops"]):
            rows.append((f"{label} {name}", agg[name]))
    overall = aggregate(batches, sec_b, sec_a)["all"]
    rows.append(("overall", overall))
    tb_meas = sum(batch_times(b, s, a)[0] for b, s, a, mk in zip(batches, sec_b, sec_a, measured) if mk)
    print(
        f"\nmeasured {int(measured.sum())} of {len(batches)} batches ({len({b.key for b, mk in zip(batches, measured) if mk})} distinct shapes), "
        f"holding {100 * sum(b.total_flops for b, mk in zip(batches, measured) if mk) / total:.1f}% of the flops and "
        f"{100 * tb_meas / overall['time_batched']:.1f}% of the estimated batched time; the rest: cost-model fit"
    )
    hdr = f"{'group':<22} {'batches':>7} {'flop share':>10} {'GFLOP/s batched':>15} {'GFLOP/s loop':>12} {'batched/loop':>12} {'time batched':>12} {'time loop':>10}"
    print("\n" + hdr)
    print("-" * len(hdr))
    for name, g in rows:
        print(
            f"{name:<22} {g['batches']:>7d} {100 * g['flops'] / total:>9.1f}% {g['gflops_batched']:>15.2f} {g['gflops_loop']:>12.2f} "
            f"{g['ratio']:>11.2f}x {fmt_time(g['time_batched']):>12} {fmt_time(g['time_loop']):>10}"
        )
    print(f"\nfloat32 torch.mm 2048^2: {mm32:.1f} GFLOP/s; float64: {mm64:.1f} GFLOP/s ({args.threads} thread(s), best of several, before and after)")
    share = overall["gflops_batched"] / mm32
    ok1, ok2 = share >= 0.25, overall["ratio"] >= 5.0
    print(f"target 1: effective GFLOP/s >= 25% of the float32 mm rate: {overall['gflops_batched']:.2f} = {100 * share:.1f}% -> {'met' if ok1 else 'NOT met'}")
    print(f"          (= {100 * overall['gflops_batched'] / mm64:.1f}% of the float64 mm rate)")
    print(f"target 2: batched >= 5x the per-network loop: {overall['ratio']:.2f}x -> {'met' if ok2 else 'NOT met'}")

    top = sorted(range(len(batches)), key=lambda i: -batch_times(batches[i], sec_b[i], sec_a[i])[0])[: args.show]
    if top:
        print(f"\nthe {len(top)} batches with the most estimated time (batched):")
        for i in top:
            b = batches[i]
            tb, tl = batch_times(b, sec_b[i], sec_a[i])
            rate = b.total_flops / tb / 1e9
            print(
                f"  {b.file}:{b.name:<16} {b.learner:<5} B={b.B:<3d} d={b.d:<3d} m={b.m:<5d} n={int(min(b.ns))}..{int(max(b.ns)):<5d} steps={b.real_steps:<6d} "
                f"{1e3 * sec_b[i]:8.3f} ms/step {rate:6.2f} GFLOP/s  loop/batched {tl / tb:5.2f}x  {fmt_time(tb):>9}{'' if measured[i] else '  (modeled)'}"
            )
    t = overall["time_batched"]
    print(
        f"\nestimated training time of the mix on this machine ({args.threads} thread(s) per job): {fmt_time(t)} serial, "
        f"about {fmt_time(t / 2)} as 2 parallel single-threaded jobs (the study's setting; jobs are not all independent, so a lower bound); "
        f"as a per-network loop: {fmt_time(overall['time_loop'])} serial. Not included: the checkpoint measurements (snapshots, test error), "
        "the no-rotation frozen LPs, and the data, margin and figure jobs."
    )
    return overall


def real_wall_time(root: Path) -> tuple[float, int]:
    """Sum of the wall seconds Snakemake recorded for the training jobs of a run (benchmarks/train/**/*.tsv)."""
    import pandas as pd

    files = list((root / "benchmarks" / "train").rglob("*.tsv")) if (root / "benchmarks" / "train").is_dir() else []
    total = 0.0
    for p in files:
        try:
            total += float(pd.read_csv(p, sep="\t")["s"].iloc[0])
        except (KeyError, IndexError, ValueError, OSError):
            pass
    return total, len(files)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default=str(REPO / "config" / "scaling.yaml"), help="the study's config (default config/scaling.yaml)")
    p.add_argument("--tables", default=None, help="a run's results directory (or its train/ directory); default: the config's results_dir")
    p.add_argument("--synthetic", action="store_true", help="replay the planned mix built from the config (see SYNTHETIC_STOP), not a run's tables")
    p.add_argument("--synthetic-steps", type=int, default=None, help="steps per GF / no-rotation network of the synthetic mix (default max_steps)")
    p.add_argument("--quick", action="store_true", help="<= 1 minute: fewer steps, one round, smaller budget")
    p.add_argument("--budget", type=float, default=None, help="seconds for the batch timings (default 240, quick 35)")
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1: the study runs single-threaded jobs)")
    p.add_argument("--dtype", choices=["float32", "float64"], default=None, help="what-if: train in this dtype (default: the config's)")
    p.add_argument("--chunk-rows", type=int, default=None, help="what-if: this chunk_rows (default: the config's execution.chunk_rows)")
    p.add_argument("--show", type=int, default=10, help="how many of the most expensive batches to list")
    p.add_argument("--verbose", action="store_true", help="print each measurement")
    args = p.parse_args()
    if args.budget is None:
        args.budget = 35.0 if args.quick else 240.0
    args.overrides = {k: v for k, v in (("dtype", args.dtype), ("chunk_rows", args.chunk_rows)) if v is not None}

    import torch
    import yaml

    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    cfg = validate_config(yaml.safe_load(open(args.config)))
    busy = busy_share()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), CPU: {cpu_model()} ({os.cpu_count()} logical CPUs)")
    print(f"CPUs busy with other processes at start: {100 * busy:.0f}%" + ("  WARNING: the machine is busy, timings are pessimistic" if busy > 0.1 else ""))

    root = Path(args.tables) if args.tables else REPO / cfg["results_dir"]
    batches, nfiles = [], 0
    if not args.synthetic:
        if root.is_dir():
            batches, nfiles = batches_from_tables(root, cfg)
        if not batches:
            if args.tables:
                sys.exit(f"no training tables under {root}")
            print(f"no training tables under {root}: falling back to the SYNTHETIC mix")
    if batches:
        print(f"mix: the REAL training tables of {root} ({nfiles} files, {len(batches)} batches, {sum(b.B for b in batches)} networks)")
    else:
        batches = synthetic_mix(cfg, args.synthetic_steps)
        stops = "; ".join(f"{k}: {v[0]}" for k, v in SYNTHETIC_STOP.items())
        steps = args.synthetic_steps or "max_steps"
        print(
            f"mix: SYNTHETIC, planned from {Path(args.config).name} ({len(batches)} batches, {sum(b.B for b in batches)} networks), not a run's tables. "
            f"Assumed: each search stops at the first coarse n >= ({stops}), all seeds together; one refinement batch at the midpoints "
            f"of the last coarse pairs; GF / no-rotation networks run {steps} steps (an upper bound), SGD one pass."
        )
    total = sum(b.total_flops for b in batches)
    dtype, chunk = args.dtype or cfg["train"]["dtype"], args.chunk_rows or cfg["execution"]["chunk_rows"]
    what_if = f"  WHAT-IF settings, not the study's: {args.overrides}" if args.overrides else ""
    print(f"training flops of the mix: {total / 1e9:,.0f} GFLOP; replay data: 2-parity of the same shapes; dtype {dtype}, chunk_rows {chunk}{what_if}")
    print("timings: median seconds per step over K steps after warm-up" + (", quick mode (one round)" if args.quick else ", best of 2 interleaved rounds"))

    mm32a, mm64a = matmul_rate(torch.float32), matmul_rate(torch.float64)
    sec_b, sec_a, measured = measure(batches, cfg, args)
    mm32, mm64 = max(mm32a, matmul_rate(torch.float32)), max(mm64a, matmul_rate(torch.float64))
    report(batches, sec_b, sec_a, measured, mm32, mm64, args)
    if not args.synthetic and root.is_dir():
        wall, nb = real_wall_time(root)
        if nb:
            print(f"the run's own record: {nb} training jobs took {fmt_time(wall)} of wall time in all (Snakemake benchmark files, measurements included)")
    print(f"\nCPUs busy with other processes at the end: {100 * busy_share():.0f}%; benchmark wall time {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
