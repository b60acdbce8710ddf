"""The kernel-margin QP (γ_ntk,2): kernel_margin against cvxpy + Clarabel at d = 20 (a benchmark, not a test).

Problem: min qᵀHq over the simplex, H = yyᵀ ∘ K the label-signed NTK kernel matrix of n i.i.d. points of
the cube {±1/√d}^d with 2-sparse parity labels (as in section 1 of bench_margins.py; at d = 20 the
points are (almost) all distinct). For each n it prints:

- ours: kernel_margin(X, y, tol=1e-6), its time, its certified relative gap (qp_upper - qp_lower) /
  qp_upper (the bracket widened by its rounding bound) and how it got there (active-set rounds,
  projected-gradient iterations);
- cvxpy + Clarabel: minimize quad_form(q, psd_wrap(H)) subject to q >= 0, Σq = 1, with the tolerances
  of bench_margins.py that make it reach a 1e-6 gap, and its gap certified the same way (its q
  clipped to the simplex, gap qᵀHq - (2 min_i (Hq)_i - qᵀHq), relative to qᵀHq);
- agreement: |ours - Clarabel| / ours of the QP values, and whether Clarabel's value lies in our
  certified bracket [qp_lower, qp_upper] widened by Clarabel's own gap (both are feasible points,
  so each value is an upper bound on the optimum and each lower bound is a lower bound);
- the ratio of the times (Clarabel / ours, wall clock; both include building the kernel matrix) and
  whether the target ratio >= 10x is met.

Clarabel runs only where its predicted time is within --cvxpy-limit (default 600 s): the prediction
extrapolates the sizes already measured with the power law fitted to them (n³ from a single one);
otherwise the row says 'not run' and why. Each timed call is repeated --repeats times (both solvers
alike) and the best time is kept. Both use --threads threads (default 1): OpenMP, OpenBLAS and MKL
are limited before numpy and torch load, torch.set_num_threads and Clarabel's max_threads are set.
Wall-clock times on a shared machine include waits for the CPU; the CPU-time columns (process time)
show how much that was.

Usage: python benchmarks/bench_kernel_qp.py [--threads 1] [--sizes 1000 4000 16000] [--repeats 2]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1, help="threads for both solvers (default 1)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000, 16000], help="numbers of points n")
    ap.add_argument("--dim", type=int, default=20, help="dimension d (default 20)")
    ap.add_argument("--repeats", type=int, default=2, help="timed runs per solver and size; the best is kept")
    ap.add_argument("--cvxpy-limit", type=float, default=600.0, help="run cvxpy only where its predicted time is at most this many seconds")
    ap.add_argument("--target", type=float, default=10.0, help="the speed-up to check (default 10x)")
    ap.add_argument("--seed", type=int, default=0)
    return ap.parse_args()


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:  # before numpy, scipy and torch load their thread pools
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402

from lowrot.data import parity_labels, sample_parity  # noqa: E402
from lowrot.margins import kernel_margin, ntk_kernel  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_margins import certified_gap  # noqa: E402  (the same certificate for both solvers)
from bench_train import cpu_model  # noqa: E402


def timed(fn, repeats: int):
    """(result of the last call, best wall seconds, CPU seconds of that call)."""
    best = (math.inf, math.inf)
    out = None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        best = min(best, (time.perf_counter() - t0, time.process_time() - c0))
    return out, best[0], best[1]


def clarabel(X: np.ndarray, y: np.ndarray, threads: int) -> dict:
    """cvxpy + Clarabel as in bench_margins.py (kernel matrix included in the time)."""
    import cvxpy as cp

    H = (y[:, None] * y[None, :]) * ntk_kernel(X)
    q = cp.Variable(X.shape[0])
    prob = cp.Problem(cp.Minimize(cp.quad_form(q, cp.psd_wrap(H))), [q >= 0, cp.sum(q) == 1])
    # Clarabel's default tolerances (1e-8, absolute on a value ~1e-3) leave relative gaps up to ~5e-6
    # here; these settings make it reach the 1e-6 certified gap our solver is held to.
    prob.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-10, tol_feas=1e-12, max_threads=threads)
    f, gap = certified_gap(H, q.value)
    return {"value": f, "gap": gap, "status": prob.status, "iters": prob.solver_stats.num_iters}


def predict(measured: dict[int, float], n: int) -> tuple[float, str]:
    """Predicted seconds at n from the measured {n: seconds}, and how."""
    ns = sorted(measured)
    if len(ns) >= 2:
        a, b = ns[-2], ns[-1]
        p = math.log(measured[b] / measured[a]) / math.log(b / a)
        p = max(p, 1.0)
        return measured[b] * (n / b) ** p, f"n^{p:.1f} fitted to n = {a}, {b}"
    b = ns[-1]
    return measured[b] * (n / b) ** 3, f"n^3 from n = {b}"


def main():
    args = ARGS
    torch.set_num_threads(args.threads)
    import scipy

    try:
        import clarabel as _cl
        import cvxpy as _cp

        cvx_version = f"cvxpy {_cp.__version__}, clarabel {_cl.__version__}"
    except ImportError as exc:
        cvx_version = f"cvxpy/clarabel not importable ({exc})"
    print(f"CPU: {cpu_model()} ({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f})")
    print(f"threads: {args.threads} for both (torch {torch.get_num_threads()}, OpenBLAS/MKL/OpenMP {os.environ['OPENBLAS_NUM_THREADS']}, Clarabel max_threads {args.threads})")
    print(f"torch {torch.__version__}, numpy {np.__version__}, scipy {scipy.__version__}, {cvx_version}; python {platform.python_version()}")
    print(f"problem: d = {args.dim}, 2-sparse parity labels on i.i.d. cube points (seed {args.seed}); target ratio >= {args.target:g}x at relative QP gap <= 1e-6")
    print(f"times: best of {args.repeats} runs each, wall clock (CPU time in parentheses), kernel matrix included\n")

    head = f"{'n':>6} {'distinct':>8} {'ours s':>15} {'rounds':>6} {'iters':>5} {'our gap':>8} {'cvxpy s':>17} {'cvx gap':>8} {'rel diff':>8} {'in bracket':>10} {'ratio':>14}  target"
    print(head)
    measured: dict[int, float] = {}
    notes = []
    ours_t: dict[int, float] = {}
    for n in args.sizes:
        X = sample_parity(n, args.dim, np.random.default_rng(args.seed))
        y = parity_labels(X, (0, 1))
        reps = args.repeats if n <= 4000 else 1
        res, t_ours, c_ours = timed(lambda: kernel_margin(X, y, tol=1e-6), reps)
        ours_t[n] = t_ours
        our_gap = res.gap / res.qp_upper
        ours_cell = f"{t_ours:.2f} ({c_ours:.2f})"
        if res.status != "optimal":
            notes.append(f"n = {n}: our status is {res.status}")
        if measured:
            t_pred, how = predict(measured, n)
        else:
            t_pred, how = 0.0, ""
        if t_pred > args.cvxpy_limit:
            row = f"{n:>6} {res.n_distinct:>8} {ours_cell:>15} {res.active_set_rounds:>6} {res.iterations:>5} {our_gap:>8.1e} {'not run':>17} {'-':>8} {'-':>8} {'-':>10} {'-':>14}  -"
            print(row, flush=True)
            notes.append(f"n = {n}: cvxpy+Clarabel not run: its predicted time {t_pred / 60:.0f} min ({how}) exceeds the {args.cvxpy_limit / 60:.0f} min limit (--cvxpy-limit)")
            continue
        ref, t_cvx, c_cvx = timed(lambda: clarabel(X, y, args.threads), args.repeats if n <= 4000 else 1)
        measured[n] = t_cvx
        f_ours = res.qp_upper - res.rounding  # qᵀHq at our point, as computed
        diff = abs(f_ours - ref["value"]) / f_ours
        clar_lower = ref["value"] * (1.0 - ref["gap"])
        inside = ref["value"] >= res.qp_lower and clar_lower <= res.qp_upper
        ratio, cratio = t_cvx / t_ours, c_cvx / c_ours
        met = "met" if ratio >= args.target and our_gap <= 1e-6 and ref["gap"] <= 1e-6 else "not met"
        row = (
            f"{n:>6} {res.n_distinct:>8} {ours_cell:>15} {res.active_set_rounds:>6} {res.iterations:>5} {our_gap:>8.1e} "
            f"{f'{t_cvx:.2f} ({c_cvx:.2f})':>17} {ref['gap']:>8.1e} {diff:>8.1e} {str(inside):>10} {f'{ratio:.1f}x ({cratio:.1f}x)':>14}  {met}"
        )
        print(row, flush=True)
        if ref["status"] != "optimal" or ref["gap"] > 1e-6:
            notes.append(f"n = {n}: Clarabel status {ref['status']}, certified gap {ref['gap']:.1e}")
    for line in notes:
        print("  " + line)
    ns = sorted(ours_t)
    if len(ns) >= 2:
        a, b = ns[-2], ns[-1]
        p = math.log(ours_t[b] / ours_t[a]) / math.log(b / a)
        print(f"  ours scales as n^{p:.2f} from n = {a} to {b} ({ours_t[b] / ours_t[a]:.1f}x the time for {b / a:.0f}x the points; "
              f"its Cholesky factorization is n³/3 flops, and it holds two n x n float64 matrices, {2 * 8 * b * b / 2**30:.1f} GB at n = {b})")
    print("  columns: ours/cvxpy s = wall seconds (CPU seconds); rounds = active-set rounds of the direct solve, iters = projected-gradient")
    print("  iterations after it; gaps are certified relative QP gaps; rel diff = |ours - Clarabel| / ours of qᵀHq; in bracket: Clarabel's")
    print("  value >= our certified lower bound and its certified lower bound <= our certified upper bound; ratio = cvxpy / ours time")


if __name__ == "__main__":
    sys.exit(main())
