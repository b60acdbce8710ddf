"""Throughput of the batched GF trainer (a benchmark, not a test: it prints a table of rates and ratios).

(a) Batching: B = 32 small networks (d = 8, m = 64, n = 256, the trainer's float64) trained as one
    batch by ``BatchedGF.run`` versus the same 32 networks trained one at a time (32 trainers with
    B = 1) by the same code. Measurement snapshots are switched off (``_record`` is a no-op), so what
    is timed is one iteration of the loop: ``fused_step_direction``, ``log_risk``, the finiteness and
    milestone checks and the update, from one call of ``fused_step_direction`` to the next.
    Target: batched >= 3x the loop (in network-steps per second).
(b) Arithmetic efficiency: one step at B = 8, n = 4096, d = 64, m = 512 in float32, as GFLOP/s next
    to the machine's float32 matmul rate (torch.mm of 2048 x 2048 matrices, same thread count, best
    of several, measured before and after the step timings; the larger is used).
    Flops counted per step: 4 B n m d (forward X V^T and backward mask^T (c X), 2 B n m d each)
    + 2 B n m (outputs relu(Z) a) + B n d (rows scaled by c) + 4 B m d (the update); elementwise
    work (relu, mask, sigmoid) gets no credit. Target: >= 40% of the matmul rate. For comparison:
    the same loss and gradient by plain autograd (float32, unchunked).

Timings: warm-ups, then the best (smallest) of k repetitions, with the median next to it. Other
processes on the machine slow everything down, multi-threaded tensor ops most (a parallel region
waits for its slowest thread), so the share of the CPUs busy with other work is printed first.

Usage:  python benchmarks/bench_train.py [--quick] [--threads 2] [--reps K]
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import platform
import time

import numpy as np
import torch

from lowrot import train as lt
from lowrot.train import BatchedGF, GFSettings


# ---------------------------------------------------------------------------- helpers
def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def busy_share(seconds: float = 0.5) -> float:
    """Fraction of all CPUs busy (with other processes: this one sleeps) over ``seconds``; NaN if unknown."""

    def sample():
        with open("/proc/stat") as fh:
            v = [int(x) for x in fh.readline().split()[1:]]
        return sum(v), v[3] + v[4]  # total, idle + iowait

    try:
        t1, i1 = sample()
        time.sleep(seconds)
        t2, i2 = sample()
    except (OSError, ValueError, IndexError):
        return math.nan
    return 1.0 - (i2 - i1) / max(t2 - t1, 1)


def timings(fn, reps: int, warmup: int = 2) -> tuple[float, float]:
    """(best, median) wall time of ``fn`` over ``reps`` calls after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return min(ts), float(np.median(ts))


def make_data(seed: int, n: int, d: int):
    """Points on the unit sphere of R^d, labels of a fixed 2-sparse parity-like teacher (no ties)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = np.sign(X[:, 0] * X[:, 1])
    y[y == 0] = 1.0
    return X, y


def _no_record(*args, **kwargs):
    return None


def step_settings(dtype: str, chunk_rows: int | None = None) -> GFSettings:
    """Constant-step GF that reaches no checkpoint or milestone by itself (each burst sets max_steps)."""
    kw = dict(max_steps=0, max_time=1e30, checkpoints=1, first_checkpoint=1e30, risk_milestone=1e-300, dtype=dtype, loss_normalized=False)
    if chunk_rows is not None:
        kw["chunk_rows"] = chunk_rows
    return GFSettings(**kw)


def trainer(X_list, y_list, seeds, m, settings) -> BatchedGF:
    gf = BatchedGF(X_list, y_list, seeds, m, settings)
    gf._record = _no_record  # measurements off: time the loop iteration itself
    return gf


def burst(gf: BatchedGF, steps: int) -> np.ndarray:
    """Run ``steps`` more iterations of ``gf.run``; returns the wall time of each iteration, from one
    call of ``fused_step_direction`` to the next (the direction, the loop's checks and the update)."""
    stamps = []
    inner = lt.fused_step_direction

    def timed(*args):
        stamps.append(time.perf_counter())
        return inner(*args)

    gf.s = dataclasses.replace(gf.s, max_steps=gf.k + steps)
    gf.active[:] = True
    lt.fused_step_direction = timed
    try:
        gf.run(test=(None, None, False))
    finally:
        lt.fused_step_direction = inner
    return np.diff(stamps)


def matmul_rate(size: int, reps: int) -> float:
    A = torch.randn(size, size)
    Bm = torch.randn(size, size)
    C = torch.empty(size, size)
    best, _ = timings(lambda: torch.mm(A, Bm, out=C), reps)
    return 2.0 * size**3 / best / 1e9


def autograd_step(a, V, X, y, w):
    """Plain autograd reference of the same loss and gradient (unchunked)."""
    a = a.detach().requires_grad_(True)
    V = V.detach().requires_grad_(True)
    f = torch.bmm(torch.relu(torch.bmm(X, V.transpose(1, 2))), a.unsqueeze(2)).squeeze(2) / math.sqrt(a.shape[1])
    loss = (w * torch.nn.functional.softplus(-y * f)).sum()
    return torch.autograd.grad(loss, (a, V))


# ---------------------------------------------------------------------------- part (a)
def bench_batching(args, rows):
    B, d, m, n = 32, 8, 64, 256
    steps = 10 if args.quick else 30
    reps = 3 if args.quick else args.reps
    data = [make_data(1000 + b, n, d) for b in range(B)]
    Xs, ys = [x for x, _ in data], [y for _, y in data]
    st = step_settings(args.dtype)

    gf = trainer(Xs, ys, list(range(B)), m, st)
    alone = [trainer([Xs[b]], [ys[b]], [b], m, st) for b in range(B)]
    for g in [gf, *alone]:
        burst(g, 2)  # warm-up
    t_batch, t_alone = [], [[] for _ in range(B)]
    for _ in range(reps):  # interleaved, so that both see the same machine
        t_batch.extend(burst(gf, steps))
        for b, g in enumerate(alone):
            t_alone[b].extend(burst(g, steps))
    best_b, med_b = np.min(t_batch), np.median(t_batch)
    best_l = sum(np.min(t) for t in t_alone)  # one step of each of the 32 networks
    med_l = sum(np.median(t) for t in t_alone)
    diff = (gf.V - torch.cat([g.V for g in alone])).abs().max().item()
    rows.append(("(a) batched: one BatchedGF, B=32", f"{B / best_b:,.0f} net-steps/s", f"{1e3 * best_b:.3f} ms/step (median {1e3 * med_b:.3f})"))
    rows.append(("(a) loop: 32 BatchedGF, B=1 each", f"{B / best_l:,.0f} net-steps/s", f"{1e3 * best_l / B:.3f} ms/step per network (median {1e3 * med_l / B:.3f})"))
    rows.append(
        ("(a) batched / loop", f"{best_l / best_b:.2f}x", f"target >= 3x (medians: {med_l / med_b:.2f}x); {args.dtype}, max|V_batched - V_loop| = {diff:.1e}")
    )


# ---------------------------------------------------------------------------- part (b)
def bench_flops(args, rows):
    B, n, d, m = 8, 4096, 64, 512
    reps = 5 if args.quick else args.reps
    mm_size = 2048
    data = [make_data(2000 + b, n, d) for b in range(B)]
    Xs, ys = [x for x, _ in data], [y for _, y in data]
    st = step_settings("float32", args.chunk_rows)
    gf = trainer(Xs, ys, list(range(B)), m, st)
    a, V, X, y, w, shift = gf.a, gf.V, gf.X, gf.y, gf.w, gf.shift
    chunk = st.chunk_rows
    gflop = (4 * B * n * m * d + 2 * B * n * m + B * n * d + 4 * B * m * d) / 1e9

    mm1 = matmul_rate(mm_size, reps + 3)
    t_dir = timings(lambda: lt.fused_step_direction(a, V, X, y, w, shift, chunk), reps)
    burst(gf, 1)  # warm-up
    it = burst(gf, reps)
    t_run = (float(np.min(it)), float(np.median(it)))
    t_ag = timings(lambda: autograd_step(a, V, X, y, w), reps)
    mm2 = matmul_rate(mm_size, reps + 3)
    mm = max(mm1, mm2)

    rows.append((f"(b) float32 torch.mm {mm_size}^2", f"{mm:,.1f} GFLOP/s", f"best of 2 sweeps: {mm1:.1f}, {mm2:.1f}"))
    rows.append(("(b) flops counted per step", f"{gflop:.3f} GFLOP", "4Bnmd + 2Bnm + Bnd + 4Bmd"))
    for label, (best, med) in (
        (f"(b) fused_step_direction (chunk_rows={chunk})", t_dir),
        ("(b) BatchedGF.run iteration (direction+update)", t_run),
        ("(b) autograd baseline (unchunked)", t_ag),
    ):
        rate = gflop / best
        rows.append((label, f"{rate:,.1f} GFLOP/s", f"{100 * rate / mm:.0f}% of mm; {1e3 * best:.1f} ms/step (median {1e3 * med:.1f})"))
    rows.append(("(b) target", "", ">= 40% of the mm rate for the trainer step"))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fast smoke run (fewer steps and repetitions)")
    p.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2)")
    p.add_argument("--reps", type=int, default=7, help="repetitions per timing (the best is reported)")
    p.add_argument("--dtype", default="float64", choices=["float32", "float64"], help="dtype of part (a) (the trainer's default: float64)")
    p.add_argument("--chunk-rows", type=int, default=None, help="chunk_rows of part (b) (default: the GFSettings default)")
    p.add_argument("--only", choices=["a", "b"], default=None, help="run one part only")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    busy = busy_share()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU: {cpu_model()} ({os.cpu_count()} logical CPUs)")
    note = "  WARNING: the machine is busy, timings are pessimistic" if busy > 0.1 else ""
    print(f"CPUs busy with other processes at start: {100 * busy:.0f}%{note}")
    print("timings: best of k (median in brackets)" + (", quick mode" if args.quick else ""))
    rows: list[tuple[str, str, str]] = []
    if args.only in (None, "a"):
        bench_batching(args, rows)
    if args.only in (None, "b"):
        bench_flops(args, rows)
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    print()
    print(f"{'measure':<{w0}}  {'value':>{w1}}  detail")
    print("-" * (w0 + w1 + 60))
    for r in rows:
        print(f"{r[0]:<{w0}}  {r[1]:>{w1}}  {r[2]}")
    print(f"\nCPUs busy with other processes at the end: {100 * busy_share():.0f}%; benchmark wall time {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
