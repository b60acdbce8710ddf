"""Global margin γ_gl by column generation over neuron dictionaries, with certified brackets.

The LP over a dictionary, the result types, the status words and the parity-cube certificate live in
:mod:`lowrot.margins.lp`; the pricing oracles (heuristic and exact) in :mod:`lowrot.margins.pricing`.
Both are re-exported here. Scales: γ scale (t/2) as stated in :mod:`lowrot.margins.lp`.

Column generation: each round solves the LP (HiGHS; rows scaled by 1/t so that its absolute
tolerances act as relative ones), computes a centred dual (the LP duals are highly degenerate and
vertex duals seldom bound the sphere well; see :func:`lowrot.margins.lp.centred_dual`) and prices.
Heuristic pricing maximizes |h(u)|, h(u) = Σ_i q_i y_i σ(u·x_i), by (1) evaluating all sparse sign
directions {-1, 0, 1}^d / sqrt(support) up to the largest support that keeps their number under
``sparse_budget`` (for hypercube data these contain the optimum; left out with ``general=True``),
(2) a multi-start fixed-point ascent, for both signs, (3) for d <= 3 the exact candidate sets. Columns
with |h(u)| > t (1 + tol) at the LP's own dual enter (up to ``columns_per_round``); when none does,
exact pricing (:func:`lowrot.margins.pricing.price_exact`, at the level t (1 + tol/2)) either certifies
a dual -- sup_u |h(u)| <= t (1 + tol/2) up to rounding, which closes the bracket -- or returns the
columns the heuristic missed. The loop stops when the bracket is closed within tol, when nothing
enters, or at ``max_rounds``.

Bounds: ``lower`` is always the recomputed margin of a measure (>= 0). ``upper`` is a certified bound
(exact pricing over the whole sphere, or the closed form of the parity-cube certificate, each with the
rounding slack of :mod:`lowrot.margins.pricing`) or +inf; the heuristic value is reported separately
as ``estimate``. Exact pricing is exact for every input (no assumption on the basis); its cost is
bounded by a node budget, so it may fail to complete on large problems, and then the result is
uncertified (``upper`` = inf), never silently wrong.
"""

from __future__ import annotations

import math

import numpy as np

from ..data import validate_xy
from .bracket import CONVERGED_UNCERTIFIED, ITERATION_LIMIT, OPTIMAL
from .lp import (
    NOT_SEPARABLE,
    NOT_SEPARABLE_ATOL,
    SOLVER_ERROR,
    STALLED,
    GlobalMarginResult,
    LPMarginResult,
    LPSolverError,
    centred_dual,
    lp_margin_fixed_directions,
    lp_scale,
    measure_margin,
    parity_cube_certificate,
    solve_dictionary_lp,
    solver_error_status,
    sparse_sign_directions,
)
from .pricing import (
    ROUNDING,
    entering_columns,
    exact_dual_bound,
    h_values,
    heuristic_candidates,
    low_dim_candidates,
    price_exact,
    price_heuristic,
    unit_rows,
)

__all__ = [
    "NOT_SEPARABLE",
    "SOLVER_ERROR",
    "STALLED",
    "GlobalMarginResult",
    "LPMarginResult",
    "global_margin",
    "lp_margin_fixed_directions",
    "low_dim_candidates",
    "measure_margin",
    "parity_cube_certificate",
    "price_exact",
    "price_heuristic",
    "sparse_sign_directions",
    "unit_rows",
]


def global_margin(
    X,
    y,
    *,
    dictionary=None,
    tol: float = 1e-6,
    max_rounds: int = 100,
    seed: int = 0,
    exact_pricing="auto",
    general: bool = False,
    columns_per_round: int = 30,
    sparse_budget: int = 5000,
    max_nodes: int = 20000,
) -> GlobalMarginResult:
    """γ_gl of (X, y) by column generation, with a bracket; see the module docstring.

    dictionary: initial unit directions (rows). Default: sparse sign directions of support <= 2 when
    there are at most ``sparse_budget`` of them, the normalized data points (up to 500) and 2d Gaussian
    directions. general=True: the structure-free solver -- no parity-cube certificate, no sparse sign
    directions (neither in the initial dictionary nor in the pricing pool: for hypercube data they
    contain the answer); the default dictionary is then the normalized data points and 2d Gaussian
    directions, and only exact pricing certifies. tol: relative bracket width to stop at.
    exact_pricing: 'auto' (exact pricing with a budget of ``max_nodes`` nodes per call), 'always'
    (50·max_nodes nodes) or 'never'. status: 'optimal' (certified bracket within tol),
    'not_separable' (certified γ_gl = 0 up to NOT_SEPARABLE_ATOL), 'iteration_limit' (the bracket is
    valid, wider than tol), 'stalled' (nothing enters; certified bracket wider than tol),
    'converged_uncertified' (nothing enters and nothing certifies: upper = inf), or
    'solver_error: <HiGHS message>' (value = lower = NaN, upper = inf). Whenever the loop ends without
    closing the bracket, exact pricing runs once more, to completion within its budget, at the best
    duals seen (the smallest heuristic estimate's, the average of the last 10 LP duals, the last LP
    dual): ``upper`` is then certified wherever that search completes.
    """
    X, y = validate_xy(X, y, name="global_margin")
    if exact_pricing not in ("auto", "always", "never"):
        raise ValueError(f"global_margin: exact_pricing must be 'auto', 'always' or 'never', got {exact_pricing!r}")
    n, d = X.shape
    rng = np.random.default_rng(seed)
    pool = np.zeros((0, d)) if general else sparse_sign_directions(d, budget=sparse_budget)
    if dictionary is None:
        data_dirs = unit_rows(X)
        sub = data_dirs if data_dirs.shape[0] <= 500 else data_dirs[rng.choice(data_dirs.shape[0], 500, replace=False)]
        gauss = unit_rows(rng.standard_normal((2 * d, d)))
        if general:
            U = np.vstack([sub, gauss])
        else:
            two = sparse_sign_directions(d, max_support=min(2, d)) if 2 * d * d <= sparse_budget else np.eye(d)
            U = np.vstack([two, sub, gauss])
    else:
        U = unit_rows(dictionary)
        if U.shape[0] == 0 or U.shape[1] != d:
            raise ValueError(
                f"global_margin: dictionary must hold nonzero directions of dimension {d}, got shape {U.shape}"
            )
    nodes = 0 if exact_pricing == "never" else max_nodes * (50 if exact_pricing == "always" else 1)

    cert = None if general else parity_cube_certificate(X, y)
    best_cert, cert_q, certificate = (cert[1] * (1.0 + ROUNDING), cert[0], "parity_cube") if cert else (math.inf, None, None)
    best_est, est_q = math.inf, None  # smallest heuristic estimate of the dual bound, and its q
    best_lo, best_w, best_U = 0.0, np.zeros(0), np.zeros((0, d))  # the zero measure has margin 0
    status, rounds = ITERATION_LIMIT, 0
    recent_q, lp_q_last, qc_last = [], None, None  # LP duals of the rounds (their average often certifies best)
    for rounds in range(max_rounds + 1):
        try:
            lp = solve_dictionary_lp(X, y, U, lp_scale(best_lo))
        except LPSolverError as exc:
            return _error_result(str(exc), rounds, U.shape[0], general, d)
        lp_q_last, qc_last = lp["q"], None
        if lp["t"] > best_lo:
            support = lp["w"] != 0
            best_lo, best_w, best_U = lp["t"], lp["w"][support], U[support]
        if _closed(best_lo, best_cert, tol):
            status = OPTIMAL
            break
        t = lp["t_lp"]
        qc = qc_last = centred_dual(X, y, U, lp, tol / 10)
        est = max(float(np.abs(h_values(X, qc * y, heuristic_candidates(X, qc * y, pool, best_U, rng))).max()), t)
        if est < best_est:
            best_est, est_q = est, qc
        new_cols = np.zeros((0, d))
        if best_est > t * (1.0 + tol):
            cand = heuristic_candidates(X, lp["q"] * y, pool, best_U, rng)
            new_cols = entering_columns(X, lp["q"] * y, cand, t * (1.0 + tol), columns_per_round)
        if new_cols.shape[0] and nodes:  # the exact maximizers at the centred dual enter with them
            up, cols = exact_dual_bound(X, qc * y, max(t, 0.0) * (1.0 + tol / 2), nodes)
            if up < best_cert:
                best_cert, cert_q, certificate = up, qc, "exact_pricing"
            new_cols = np.vstack([new_cols] + [u[None] for u in cols[:columns_per_round]])
            if _closed(best_lo, best_cert, tol):
                status = OPTIMAL
                break
        if not new_cols.shape[0] and nodes:
            # certify a dual (the best so far, the centred one, the LP's own) or find the missed columns
            found = []
            level = max(t, 0.0) * (1.0 + tol / 2)
            for q in _distinct((est_q, qc, lp["q"])):
                up, cols = exact_dual_bound(X, q * y, level, nodes)
                found.extend(u for u in cols if np.abs(U - u).max(axis=1).min() > 1e-12)
                if up < best_cert:
                    best_cert, cert_q, certificate = up, q, "exact_pricing"
                if _closed(best_lo, best_cert, tol) or found:
                    break
            new_cols = np.array(found).reshape(-1, d)
            if _closed(best_lo, best_cert, tol):
                status = OPTIMAL
                break
        new_cols = new_cols[[np.abs(U - u).max(axis=1).min() > 1e-12 for u in new_cols]].reshape(-1, d)
        if not new_cols.shape[0]:  # nothing better found (or only columns already in the LP)
            status = CONVERGED_UNCERTIFIED
            break
        if rounds == max_rounds:
            break
        U = np.vstack([U, new_cols])
        recent_q.append(lp["q"])
    if status != OPTIMAL and nodes:  # a certified (if wider) bracket: the exact sup at the best duals
        level = max(best_lo, 0.0) * (1.0 + tol / 2)
        avg = np.mean(recent_q[-10:], axis=0) if recent_q else None
        for q in _distinct((est_q, qc_last, avg, lp_q_last)):
            up, _ = exact_dual_bound(X, q * y, level, nodes)
            if up < best_cert:
                best_cert, cert_q, certificate = up, q, "exact_pricing"
        if _closed(best_lo, best_cert, tol):
            status = OPTIMAL
        elif status == CONVERGED_UNCERTIFIED and best_cert < math.inf:
            status = STALLED
    certified = best_cert < math.inf
    upper_t = max(best_cert, best_lo) if certified else math.inf
    if certified and upper_t / 2 <= NOT_SEPARABLE_ATOL:
        status, best_lo, best_w, best_U = NOT_SEPARABLE, 0.0, np.zeros(0), np.zeros((0, d))
    return GlobalMarginResult(
        value=best_lo / 2,
        lower=best_lo / 2,
        upper=upper_t / 2,
        status=status,
        certified=certified,
        certificate=certificate if certified else None,
        estimate=max(min(best_est, best_cert), best_lo) / 2,
        gap=(upper_t - best_lo) / 2,
        rounds=rounds,
        dictionary_size=U.shape[0],
        general=general,
        q=cert_q if certified else (est_q if est_q is not None else np.zeros(0)),
        directions=best_U,
        weights=best_w,
    )


def _error_result(message: str, rounds: int, size: int, general: bool, d: int) -> GlobalMarginResult:
    """The result row of a failed LP solve: value = lower = NaN, upper = inf, nothing certified."""
    return GlobalMarginResult(
        value=math.nan,
        lower=math.nan,
        upper=math.inf,
        status=solver_error_status(message),
        certified=False,
        certificate=None,
        estimate=math.nan,
        gap=math.inf,
        rounds=rounds,
        dictionary_size=size,
        general=general,
        q=np.zeros(0),
        directions=np.zeros((0, d)),
        weights=np.zeros(0),
    )


def _distinct(qs):
    """The dual vectors of ``qs`` that are not None, without repeats."""
    out = []
    for q in qs:
        if q is not None and not any(q.shape == p.shape and np.array_equal(q, p) for p in out):
            out.append(q)
    return out


def _closed(lower: float, upper: float, tol: float) -> bool:
    """True when the bracket [lower, upper] (t scale) is finite and (upper - lower) <= tol · upper, or
    when upper certifies a zero margin (upper/2 <= NOT_SEPARABLE_ATOL)."""
    return math.isfinite(upper) and (upper - lower <= tol * abs(upper) or upper / 2 <= NOT_SEPARABLE_ATOL)
