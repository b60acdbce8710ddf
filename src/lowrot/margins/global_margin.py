"""Global margin γ_gl by column generation over neuron dictionaries, with certified brackets.

The LP over a dictionary, the result types, the status words and the parity-cube certificate live in
:mod:`lowrot.margins.lp`; the pricing oracles (heuristic and exact) in :mod:`lowrot.margins.pricing`.
Both are re-exported here. Scales: γ scale (t/2) as stated in :mod:`lowrot.margins.lp`.

Column generation: each round solves the LP (HiGHS; rows scaled by 1/t so that its absolute
tolerances act as relative ones), computes a centred dual (the LP duals are highly degenerate and
vertex duals seldom bound the sphere well; see :func:`lowrot.margins.lp.centred_dual`) and prices
there. Heuristic pricing maximizes |h(u)|, h(u) = Σ_i q_i y_i σ(u·x_i), by (1) evaluating all sparse
sign directions {-1, 0, 1}^d / sqrt(support) up to the largest support that keeps their number under
``sparse_budget`` (for hypercube data these contain the optimum; left out with ``general=True``),
(2) a multi-start fixed-point ascent, for both signs, (3) for d <= 3 the exact candidate sets. Columns
with |h(u)| > t (1 + tol) enter (up to ``columns_per_round``). Exact pricing
(:func:`lowrot.margins.pricing.exact_dual_bound`, at the level t (1 + tol/2)) either certifies the
dual -- sup_u |h(u)| <= t (1 + tol/2) up to rounding, which closes the bracket -- or returns the
columns the heuristic missed; it runs every round while it is cheap (each search within twice the
rest of the round, or 1/40 of the time limit), every 5th round while it is affordable (within 1/10
of the time limit), and otherwise once the heuristic finds nothing. Columns priced below t/2 at both
duals leave the dictionary. The loop stops when the bracket is closed within tol, when nothing
enters, at ``max_rounds``, at half of ``time_limit``, or when it stagnates: exact pricing is too
slow to run every round and, over 10 rounds, neither the LP value rose by more than tol/10 nor the
smallest heuristic estimate fell by 1% (on 2-parity samples with no complete square the LP holds the
four parity neurons while its degenerate duals wander).

Bounds: ``lower`` is always the recomputed margin of a measure (>= 0). ``upper`` is a certified bound
(exact pricing over the whole sphere, or the closed form of the parity-cube certificate, each with the
rounding slack of :mod:`lowrot.margins.pricing`) or +inf; the heuristic value is reported separately
as ``estimate``. Exact pricing is exact for every input (no assumption on the basis); its cost is
bounded by a node budget and the clock. A search stopped by either still proves a bound (the
smaller of the largest bound of its open nodes -- the branch and bound is best first -- and the
quadratic bound :func:`lowrot.margins.pricing.quadratic_bound`), so ``upper`` is a valid, if wider,
bound even then. When the loop ends without closing the bracket, the quadratic certificate
(:func:`lowrot.margins.pricing.quadratic_certificate`: the quadratic bound minimized over the dual
weights too, a fraction of a second) is tried as well; on 2-parity samples of n >= 64 points it is
usually the tightest bound (``certificate`` = 'quadratic'). ``upper`` is +inf only when nothing
bounded anything (exact_pricing='never', or a clock that stopped at once). Never an estimate.

Time: with ``time_limit`` = T seconds (default :data:`DEFAULT_TIME_LIMIT`, none for the general solver), column generation stops
at T/2, a certifying search inside the loop gets at most T/4, and the final certification (see
:func:`global_margin`) at most T/4; a solve returns after about T seconds at most (plus one round).
"""

from __future__ import annotations

import math
import time

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
    quadratic_certificate,
    unit_rows,
)

TIME_LIMIT = "time_limit"
DEFAULT_TIME_LIMIT = 20.0  # seconds; see global_margin
_PATIENCE = 500  # nodes an exact search inside the loop goes on after finding its first column
_STAGNATION_ROUNDS = 10  # column generation stops when, in this many rounds, the lower end rose by <= tol/10
_STAGNATION_EST = 0.01  # and the smallest heuristic estimate fell by less than this fraction (see the loop)
_PURGE = 0.5  # columns priced below this fraction of t at both duals leave the dictionary

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "NOT_SEPARABLE",
    "SOLVER_ERROR",
    "STALLED",
    "TIME_LIMIT",
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
    time_limit: float | str | None = "auto",
) -> GlobalMarginResult:
    """γ_gl of (X, y) by column generation, with a bracket; see the module docstring.

    dictionary: initial unit directions (rows). Default: sparse sign directions of support <= 2 when
    there are at most ``sparse_budget`` of them, the normalized data points (up to 500) and 2d Gaussian
    directions. general=True: the structure-free solver -- no parity-cube certificate, no sparse sign
    directions (neither in the initial dictionary nor in the pricing pool: for hypercube data they
    contain the answer); the default dictionary is then the normalized data points and 2d Gaussian
    directions, and only exact pricing certifies. tol: relative bracket width to stop at.
    exact_pricing: 'auto' (exact pricing with a budget of ``max_nodes`` nodes per search), 'always'
    (50·max_nodes nodes) or 'never'. time_limit: seconds of wall-clock time (None: no limit); column
    generation stops at half of it, and the rest is left to certify the bracket (see below). 'auto'
    (default): :data:`DEFAULT_TIME_LIMIT` (20 s, sized for training sets of up to 128 points in up to
    32 dimensions: benchmarks/bench_margins.py --gl-sets study), and no limit for general=True (the
    structure-free solver certifies the full cube at d = 8, claim M2, in about a minute; under a 20 s
    clock it would stop at a 6% bracket).

    status: 'optimal' (certified bracket within tol), 'not_separable' (certified γ_gl = 0 up to
    NOT_SEPARABLE_ATOL), 'iteration_limit' (``max_rounds`` rounds; the bracket is valid, wider than
    tol), 'time_limit' (the clock stopped column generation; the bracket is valid, wider than tol),
    'stalled' (column generation stopped making progress -- nothing enters, or the LP value and the
    heuristic estimate stagnated -- and the certifying searches did not close the bracket; the bracket
    is valid and wider than tol, its upper end certified unless no search had time to bound it),
    'converged_uncertified' (nothing enters and nothing certifies: upper = inf; with exact pricing on,
    only when no search had time to bound anything), or 'solver_error: <HiGHS message>' (value = lower = NaN, upper = inf). Whenever the loop ends without
    closing the bracket, exact pricing runs once more at the best duals seen (the smallest heuristic
    estimate's, the last centred dual, the average of the last 10 LP duals, the last LP dual), after
    the quadratic certificate, within T/4: ``upper`` is the best bound these prove, complete or not (a
    search stopped by its budget still bounds the supremum), so it is finite unless nothing had time to
    bound anything. certificate: 'parity_cube', 'exact_pricing', 'quadratic' or None.
    """
    X, y = validate_xy(X, y, name="global_margin")
    if exact_pricing not in ("auto", "always", "never"):
        raise ValueError(f"global_margin: exact_pricing must be 'auto', 'always' or 'never', got {exact_pricing!r}")
    if time_limit == "auto":
        time_limit = None if general else DEFAULT_TIME_LIMIT
    if time_limit is not None and (isinstance(time_limit, str) or not time_limit > 0):
        raise ValueError(f"global_margin: time_limit must be positive seconds, 'auto' or None, got {time_limit!r}")
    start = time.perf_counter()
    deadline = math.inf if time_limit is None else start + time_limit
    cg_deadline = math.inf if time_limit is None else start + time_limit / 2
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

    def _dl(limit):  # deadline argument of the exact searches (None: no clock)
        return None if math.isinf(limit) else limit

    cert = None if general else parity_cube_certificate(X, y)
    best_cert, cert_q, certificate = (cert[1] * (1.0 + ROUNDING), cert[0], "parity_cube") if cert else (math.inf, None, None)
    best_est, est_q = math.inf, None  # smallest heuristic estimate of the dual bound, and its q
    best_lo, best_w, best_U = 0.0, np.zeros(0), np.zeros((0, d))  # the zero measure has margin 0
    status, rounds = ITERATION_LIMIT, 0
    recent_q, lp_q_last, qc_last = [], None, None  # LP duals of the rounds (their average often certifies best)
    tried = []  # duals whose exact search ran out of its budget (not worth a second search)
    lo_history = []  # best lower end after each round (stagnation test)
    exact_cost = 0.0 if nodes else math.inf  # seconds of the last exact search in the loop (inf: too slow to run each round)

    def exact(q, level, seconds, patience, cutoff=math.inf):
        """One exact search at dual q within ``seconds``; keeps its bound if it is the best."""
        nonlocal best_cert, cert_q, certificate
        dl = _dl(min(deadline, time.perf_counter() + seconds))
        up, cols, complete, exhausted = exact_dual_bound(X, q * y, level, nodes, deadline=dl, patience=patience, cutoff=cutoff)
        if up < best_cert:
            best_cert, cert_q, certificate = up, q, "exact_pricing"
        if exhausted:
            tried.append(q)
        return cols, exhausted

    round_cost = 0.0  # seconds of the last round without its exact search
    for rounds in range(max_rounds + 1):
        round_start = time.perf_counter()
        try:
            lp = _solve_lp(X, y, U, lp_scale(best_lo))
        except LPSolverError as exc:
            return _error_result(str(exc), rounds, U.shape[0], general, d)
        lp_q_last, qc_last = lp["q"], None
        if lp["t"] > best_lo:
            support = lp["w"] != 0
            best_lo, best_w, best_U = lp["t"], lp["w"][support], U[support]
        if _closed(best_lo, best_cert, tol):
            status = OPTIMAL
            break
        if time.perf_counter() > cg_deadline:
            status = TIME_LIMIT
            break
        lo_history.append((best_lo, best_est))
        k = _STAGNATION_ROUNDS
        stagnant = (
            len(lo_history) > k
            and best_lo <= lo_history[-1 - k][0] * (1.0 + tol / 10)
            and best_est >= lo_history[-1 - k][1] * (1.0 - _STAGNATION_EST)
        )
        every_round = exact_cost <= max(_cheap(start, deadline), 2.0 * round_cost)
        if stagnant and not every_round:
            # neither the LP value nor the heuristic estimate has moved for a while (on parity
            # samples the four parity neurons hold the LP while the degenerate duals wander) and
            # exact pricing is too slow to steer the duals; the upper end comes from the exact
            # searches below
            status = STALLED
            break
        t = lp["t_lp"]
        level = max(t, 0.0) * (1.0 + tol / 2)
        # price at the centred dual: the LP's vertex duals are degenerate (on parity samples the LP
        # holds the four parity neurons for many rounds while its vertex dual jumps around), and
        # columns priced there seldom move the LP; the centred dual's columns do
        qc = qc_last = centred_dual(X, y, U, lp, tol / 10)
        cand = heuristic_candidates(X, qc * y, pool, best_U, rng)
        est = max(float(np.abs(h_values(X, qc * y, cand)).max()), t)
        if est < best_est:
            best_est, est_q = est, qc
        new_cols = _new(U, entering_columns(X, qc * y, cand, t * (1.0 + tol), columns_per_round))
        if nodes and math.isfinite(exact_cost) and (every_round or rounds % 5 == 0):
            # exact pricing as a column generator while it is cheap (every round) or affordable (every
            # 5th round): the heuristic misses columns (at d = 32, n = 16 it reports convergence while
            # exact pricing finds 20 columns above t); a search that runs out of its probe slice ends this
            t0 = time.perf_counter()
            round_cost = t0 - round_start
            cols, exhausted = exact(qc, level, _probe(start, deadline), _PATIENCE)
            exact_cost = math.inf if exhausted else time.perf_counter() - t0
            new_cols = np.vstack([new_cols, _new(U, np.array(cols[:columns_per_round]).reshape(-1, d))])
        elif not new_cols.shape[0] and nodes:
            # the heuristic has converged at this dual: certify it, or find the columns it missed
            # (a search that finds some stops soon after: only the columns are wanted then)
            for q in _distinct((qc, est_q)):
                cols, _ = exact(q, level, _slice(start, deadline), _PATIENCE)
                new_cols = _new(U, np.array(cols[:columns_per_round]).reshape(-1, d))
                if _closed(best_lo, best_cert, tol) or new_cols.shape[0]:
                    break
        if _closed(best_lo, best_cert, tol):
            status = OPTIMAL
            break
        if not new_cols.shape[0]:  # nothing better found (or only columns already in the LP)
            status = CONVERGED_UNCERTIFIED
            break
        if rounds == max_rounds:
            break
        # drop the columns priced far below t at both duals (not in the measure): they keep the LPs
        # large (2d² sparse sign directions at d = 32) and rarely come back; if they do, pricing finds them
        keep = (lp["w"] != 0) | (np.abs(h_values(X, qc * y, U)) >= _PURGE * t) | (np.abs(h_values(X, lp["q"] * y, U)) >= _PURGE * t)
        U = np.vstack([U[keep], new_cols])
        recent_q.append(lp["q"])
    if status != OPTIMAL and nodes:  # a certified (if wider) bracket: the exact sup at the best duals
        level = max(best_lo, 0.0) * (1.0 + tol / 2)
        avg = np.mean(recent_q[-10:], axis=0) if recent_q else None
        duals = [q for q in _distinct((est_q, qc_last, avg, lp_q_last)) if not any(q is p for p in tried)]
        final_deadline = min(deadline, time.perf_counter() + _slice(start, deadline))
        # the quadratic certificate first (fractions of a second; on large samples it is the tightest
        # bound by far), then exact pricing at the best duals, each cut off by the best bound so far
        q0 = est_q if est_q is not None else lp_q_last
        if q0 is not None and not _closed(best_lo, best_cert, tol):
            up, q = quadratic_certificate(X, y, q0, deadline=_dl(min(final_deadline, time.perf_counter() + _slice(start, deadline) / 2)))
            if up < best_cert:
                best_cert, cert_q, certificate = up, q, "quadratic"
        for k, q in enumerate(duals):
            share = (final_deadline - time.perf_counter()) / (len(duals) - k)
            if share <= 0:
                break
            exact(q, level, share, None, cutoff=best_cert)
            if _closed(best_lo, best_cert, tol):
                break
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


def _slice(start: float, deadline: float) -> float:
    """Seconds for one certifying exact search: a quarter of the time limit (no limit: inf)."""
    return (deadline - start) / 4


def _probe(start: float, deadline: float) -> float:
    """Seconds for the exact search of one round while exact pricing is cheap: 1/10 of the time limit
    (no limit: inf, i.e. only the node budget); a search that needs more makes the loop go on with
    the heuristic alone."""
    return (deadline - start) / 10


def _cheap(start: float, deadline: float) -> float:
    """Exact pricing runs every round while its last search took at most this (1/40 of the time limit,
    0.5 s at the default; no limit: always) or at most twice the rest of a round."""
    return (deadline - start) / 40


def _new(U: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The rows of ``cols`` not already in U (up to 1e-12)."""
    return cols[[np.abs(U - u).max(axis=1).min() > 1e-12 for u in cols]].reshape(-1, U.shape[1])


def _solve_lp(X, y, U, scale):
    """The dictionary LP at row scale ``scale``, retried once at scale 1 when HiGHS fails: its
    'Solve error' (status 4) can hit one scale and not a neighbouring one (seen at d = 8, general
    solver, scale 8.00000001); the scale only conditions the LP, the measure and q do not depend on it."""
    try:
        return solve_dictionary_lp(X, y, U, scale)
    except LPSolverError:
        if scale == 1.0:
            raise
        return solve_dictionary_lp(X, y, U, 1.0)


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
