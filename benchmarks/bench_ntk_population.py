"""Benchmark of the population γ_ntk of 2-sparse parity (a script, not a test): prints tables, asserts nothing.

1. Per d: method, number of directions M, cube points accounted for, γ_ntk, d·γ_ntk (which settles to
   1/2), the Monte-Carlo standard errors (directions; cube points: 0, Z(v) is exact), the coefficient
   of variation of ||Z(v)|| (so the M giving a target error of log γ_ntk is CV²/target²), and seconds.
   Each d uses its own seed (seed0 + d), so the errors of different d are independent.
2. Claim M1's statistic: the weighted least-squares slope of log γ_ntk on log d over d >= 12 (the
   pipeline's :func:`lowrot.stats.weighted_slope`, weights 1/(se/value)²), its standard error and 95%
   interval, and the χ² of the residuals (a power law fits within the Monte-Carlo errors when
   χ²/dof is about 1).
3. Enumeration against the meet-in-the-middle count on the same directions: largest |ΔZ| and the
   ratio of their times.

Usage: python benchmarks/bench_ntk_population.py [--dims 12 14 16 20 24 32] [--directions 4000]
       [--seed 0] [--compare-dims 10 12 14] [--threads N]
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np
import torch

from lowrot.margins.ntk import (
    gaussian_directions,
    ntk_margin_parity_cube,
    parity_gated_means,
)
from lowrot.stats import weighted_slope


def table(widths):
    def row(*cells):
        print("  ".join(str(c).rjust(w) for c, w in zip(cells, widths)))

    return row


def bench_dims(dims, num_directions, seed0):
    print(f"\n== population γ_ntk of 2-sparse parity (support {{0, 1}}), M = {num_directions} directions ==")
    row = table([3, 15, 6, 11, 11, 8, 10, 10, 6, 10, 7])
    row("d", "method", "M", "points", "γ_ntk", "d·γ_ntk", "se_dirs", "se_points", "CV", "se(log γ)", "s")
    out = []
    for d in dims:
        t0 = time.perf_counter()
        r = ntk_margin_parity_cube(d, (0, 1), num_directions=num_directions, seed=seed0 + d)
        sec = time.perf_counter() - t0
        cv = r.mc_stderr_directions * math.sqrt(r.num_directions) / r.value
        row(d, r.method, r.num_directions, r.points, f"{r.value:.7f}", f"{d * r.value:.4f}", f"{r.mc_stderr_directions:.2e}",
            f"{r.mc_stderr_points:.1e}", f"{cv:.3f}", f"{r.mc_stderr / r.value:.2e}", f"{sec:.2f}")
        out.append((d, r.value, r.mc_stderr, sec))
    return out


def bench_slope(rows, min_d=12):
    print("\n== claim M1: WLS slope of log γ_ntk on log d (target -1 ± 0.25) ==")
    sets = [[r for r in rows if min_d <= r[0] <= 24], [r for r in rows if r[0] >= min_d]]
    for sel in {tuple(s) for s in sets if len(s) >= 3}:
        d, v, se = (np.array([r[i] for r in sel], dtype=float) for i in range(3))
        iv = weighted_slope(d, v, se)
        lx, ly, w = np.log(d), np.log(v), (v / se) ** 2
        b = iv.estimate
        a = float((w * (ly - b * lx)).sum() / w.sum())
        chi2 = float((w * (ly - a - b * lx) ** 2).sum())
        print(
            f"d in {list(map(int, d))}: slope {b:.4f}, se {(iv.high - iv.low) / (2 * 1.959964):.4f}, "
            f"95% [{iv.low:.4f}, {iv.high:.4f}], residual χ² {chi2:.2f} on {len(d) - 2} dof, "
            f"total {sum(r[3] for r in sel):.1f} s"
        )


def bench_compare(dims, num_directions, seed0):
    print(f"\n== enumeration vs meet-in-the-middle on the same {num_directions} directions ==")
    row = table([3, 12, 12, 12, 8])
    row("d", "max|ΔZ|", "enumerate s", "fourier s", "ratio")
    for d in dims:
        V = gaussian_directions(d, num_directions, seed0 + d)
        t0 = time.perf_counter()
        Ze = parity_gated_means(V, (0, 1), method="enumerate")
        t1 = time.perf_counter()
        Zf = parity_gated_means(V, (0, 1), method="fourier")
        t2 = time.perf_counter()
        row(d, f"{np.abs(Ze - Zf).max():.1e}", f"{t1 - t0:.3f}", f"{t2 - t1:.3f}", f"{(t1 - t0) / (t2 - t1):.1f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", type=int, nargs="+", default=[12, 14, 16, 20, 24, 32])
    ap.add_argument("--directions", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=0, help="seed0: d uses seed0 + d")
    ap.add_argument("--compare-dims", type=int, nargs="*", default=[8, 10, 12, 14])
    ap.add_argument("--compare-directions", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (enumeration only)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"numpy {np.__version__}, torch {torch.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    rows = bench_dims(args.dims, args.directions, args.seed)
    bench_slope(rows)
    if args.compare_dims:
        bench_compare(args.compare_dims, args.compare_directions, args.seed)


if __name__ == "__main__":
    main()
