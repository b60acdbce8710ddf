"""The adaptive n grid of a ``search`` sweep, as pure functions (lowrot.pipeline.train runs them).

Two DAG stages per (sweep, dataset instance, width), every seed of the run in each:

1. coarse: n = start, start*ratio, start*ratio^2, ... (rounded to integers, at most ``max_n``). Round r
   trains, as one batch, the seeds still searching; a seed stops after its first n whose final test
   error is <= ``stop_error`` (default: half the smallest analysis epsilon), or when the next n would
   pass ``max_n`` (that seed's n* is then right-censored at the grid's end).
2. refine: for each seed and each analysis epsilon, the coarse curve's crossing of epsilon lies
   between two consecutive coarse sizes (n_lo with error > eps, n_hi with error <= eps); the stage
   adds their geometric midpoint (ratio 2 -> a grid of ratio sqrt 2 around every crossing).

Both stages are functions of their inputs only (the config and the coarse table), so a rerun plans
the same networks.
"""

from __future__ import annotations

import math

import numpy as np


def search_settings(search: dict, epsilons) -> dict:
    """The search keys with the default stop_error (half the smallest epsilon) filled in."""
    out = {"start": 4, "ratio": 2.0, **search}
    out.setdefault("stop_error", min(float(e) for e in epsilons) / 2)
    return out


def coarse_sizes(start: int, ratio: float, max_n: int) -> list[int]:
    """start, round(start*ratio), ... up to max_n: distinct, increasing integers."""
    out, x = [], float(start)
    while round(x) <= max_n:
        n = int(round(x))
        if not out or n > out[-1]:
            out.append(n)
        x *= ratio
    return out


def still_searching(errors_by_seed: dict, stop_error: float) -> list:
    """The seeds whose last coarse error (a list in coarse order) is still above ``stop_error``."""
    return [s for s, errs in errors_by_seed.items() if not errs or errs[-1] > stop_error]


def refine_sizes(ns, errors, epsilons, start: int = 1) -> list[int]:
    """Geometric midpoints of the coarse pairs that bracket each epsilon's first crossing
    (sorted, distinct, not already in ``ns``, strictly between the pair)."""
    ns = np.asarray(ns, dtype=float)
    errors = np.asarray(errors, dtype=float)
    order = np.argsort(ns, kind="mergesort")
    ns, errors = ns[order], errors[order]
    have = {int(n) for n in ns}
    out = set()
    for eps in epsilons:
        below = np.flatnonzero(errors <= eps)
        if below.size == 0 or below[0] == 0:
            continue  # censored on the coarse grid: no pair brackets the crossing
        lo, hi = ns[below[0] - 1], ns[below[0]]
        mid = int(round(math.sqrt(lo * hi)))
        if lo < mid < hi and mid not in have and mid >= start:
            out.add(mid)
    return sorted(out)


def network_flops(learner: str, n, m, d, steps, batch_size: int = 1):
    """Floating-point operations of training one network, counted as in benchmarks/bench_train.py:
    per full-batch GF / no-rotation step 4nmd (forward X V^T and backward) + 2nm + nd + 4md; per
    one-pass SGD step the same with n replaced by the batch size. Elementwise work gets no credit."""
    rows = np.asarray(batch_size if learner == "sgd" else n, dtype=float)
    m, d, steps = (np.asarray(v, dtype=float) for v in (m, d, steps))
    return steps * (4 * rows * m * d + 2 * rows * m + rows * d + 4 * m * d)
