"""Benchmark of the LP margin over m frozen directions (a script, not a test): prints tables, asserts nothing.

Problem: the full cube {±1/√d}^d (d = 10: 1024 points), 2-sparse parity labels on coordinates {0, 1},
directions u_j = v_j/|v_j| with v_j the inner weights of ``lowrot.model.init_network(seed, m, d)``.

1. ``frozen_lp_margin`` (column generation with exact pricing, tol = FROZEN_LP_TOL = 1e-3, what the DAG
   asks for) at m in {1024, 4096, 16384}:
   time, status, certified bracket and its relative width, HiGHS solves, final working-set size.
   Target: m = 16384 in <= 300 s with relative width <= 1e-3.
2. ``lp_margin_fixed_directions`` (one dense HiGHS LP over all m directions) at m = 1024, 2048, 4096, ...,
   each in a child process limited to --highs-limit seconds (default 600); it stops at the first m that
   runs past the limit or fails (memory). Each finished m is set next to ``frozen_lp_margin`` at the same
   m: the time ratio and whether the two brackets intersect. The last line gives the ratio at the largest
   m both finished.

Usage: python benchmarks/bench_frozen_lp.py [--d 10] [--seed 0] [--highs-limit 600] [--highs-max-m M]
       [--skip-highs]
BLAS threads: set OMP_NUM_THREADS (and OPENBLAS_NUM_THREADS / MKL_NUM_THREADS) in the environment; the
HiGHS child inherits it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time


from lowrot.data import hypercube, parity_labels
from lowrot.margins import lp_margin_fixed_directions
from lowrot.margins.frozen_lp import FROZEN_LP_TOL, frozen_lp_margin
from lowrot.model import init_network

TARGET_M, TARGET_S, TARGET_WIDTH = 16384, 300.0, FROZEN_LP_TOL


def problem(d: int, m: int, seed: int):
    X = hypercube(d)
    _, V = init_network(seed, m, d)
    return X, parity_labels(X, (0, 1)), V.numpy()


def table(widths):
    """A row printer: fixed-width, right-aligned columns."""

    def row(*cells):
        print(" ".join(f"{c:>{w}}" for c, w in zip(cells, widths)), flush=True)

    return row


def run_frozen(d, m, seed):
    X, y, U = problem(d, m, seed)
    t0 = time.perf_counter()
    r = frozen_lp_margin(X, y, U, tol=FROZEN_LP_TOL)
    return r, time.perf_counter() - t0


def highs_child(d, m, seed):
    """Child-process entry: one dense HiGHS solve, printed as a JSON line."""
    X, y, U = problem(d, m, seed)
    t0 = time.perf_counter()
    r = lp_margin_fixed_directions(X, y, U)
    print(json.dumps({"s": time.perf_counter() - t0, "status": r.status, "lower": r.lower, "upper": r.upper}))


def run_highs(d, m, seed, limit):
    cmd = [sys.executable, os.path.abspath(__file__), "--highs-child", str(m), "--d", str(d), "--seed", str(seed)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return {"fail": f"ran past {limit:.0f} s"}
    if out.returncode != 0:
        return {"fail": f"exit {out.returncode}: {(out.stderr.strip().splitlines() or [''])[-1][:80]}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--d", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--highs-limit", type=float, default=600.0, help="seconds per dense HiGHS solve")
    ap.add_argument("--highs-max-m", type=int, default=1 << 20, help="largest m tried with dense HiGHS")
    ap.add_argument("--skip-highs", action="store_true", help="section 1 only")
    ap.add_argument("--highs-child", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.highs_child is not None:
        highs_child(args.d, args.highs_child, args.seed)
        return
    d, seed = args.d, args.seed
    print(f"{os.cpu_count()} CPUs, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, load average {os.getloadavg()[0]:.2f}; full cube d = {d} ({2**d} points), 2-parity, init_network seed {seed}")

    print(f"\n== 1. frozen_lp_margin (column generation, exact pricing, tol = {FROZEN_LP_TOL:g}) ==")
    row = table([6, 8, 10, 12, 12, 9, 6, 7])
    row("m", "s", "status", "lower", "upper", "rel.width", "solves", "columns")
    frozen = {}
    for m in (1024, 4096, 16384):
        r, dt = run_frozen(d, m, seed)
        frozen[m] = (r, dt)
        row(m, f"{dt:.2f}", r.status, f"{r.lower:.9f}", f"{r.upper:.9f}", f"{r.relative_width:.1e}", r.rounds, r.columns)
    if d == 10:
        r, dt = frozen[TARGET_M]
        met = dt <= TARGET_S and r.relative_width <= TARGET_WIDTH and r.status == "optimal"
        print(f"    target m = {TARGET_M}: <= {TARGET_S:.0f} s and relative width <= {TARGET_WIDTH:g}: {dt:.2f} s, {r.relative_width:.1e} -> {'met' if met else 'NOT met'}")
    if args.skip_highs:
        return

    print(f"\n== 2. dense HiGHS (lp_margin_fixed_directions) vs frozen_lp_margin, {args.highs_limit:.0f} s per HiGHS solve ==")
    row = table([6, 9, 12, 12, 9, 8, 9, 8])
    row("m", "highs s", "h.lower", "h.upper", "h.status", "ours s", "overlap", "ratio")
    m, last = 1024, None
    while m <= args.highs_max_m:
        h = run_highs(d, m, seed, args.highs_limit)
        if "fail" in h:
            row(m, "-", "-", "-", h["fail"], "", "", "")
            break
        r, dt = frozen[m] if m in frozen else run_frozen(d, m, seed)
        overlap = max(r.lower, h["lower"]) <= min(r.upper, h["upper"])
        row(m, f"{h['s']:.2f}", f"{h['lower']:.9f}", f"{h['upper']:.9f}", h["status"], f"{dt:.2f}", str(overlap), f"{h['s'] / dt:.1f}x")
        last = (m, h["s"], dt)
        m *= 2
    if last:
        print(f"    largest m dense HiGHS finished: {last[0]} in {last[1]:.1f} s; frozen_lp_margin {last[2]:.2f} s; ratio {last[1] / last[2]:.1f}x")


if __name__ == "__main__":
    main()
