"""The LP margin over many fixed (frozen) ReLU directions by column generation with exact pricing.

Solves the same problem as :func:`lowrot.margins.lp.lp_margin_fixed_directions` (conventions in
:mod:`lowrot.margins.lp`: the LP over the unit rows of U, t = max min_i y_i Σ_j ν_j σ(u_j·x_i) over
Σ_j |ν_j| <= 1, reported on the γ scale t/2), for dictionaries far larger than a dense HiGHS solve
handles (m = 16384 directions on the 1024-point cube of d = 10).

Method. The dense LP's optimal measure has few atoms (at most n + 1, about 70 for 2-parity on the
d = 10 cube). Column generation keeps a working set W of directions, solves the LP over W with HiGHS
(:func:`lowrot.margins.lp.solve_dictionary_lp`), and prices all m directions exactly at the LP dual q:
h_j = Σ_i q_i y_i σ(u_j·x_i), a product of the n x m matrix σ(X Uᵀ) (built block by block, never held
whole) with q ∘ y. The directions with |h_j| above the working LP's value enter W (both signs of ν_j
are LP columns), the most violated first, ``batch`` per round.

Certificate (weak duality over the finite dictionary). The measure of the working LP is a feasible
measure over all of U (zero mass off W), so its margin is a lower bound on t; every q in the simplex
gives t <= max_j |h_j(q)|, so each round's exact pricing is an upper bound. The bracket is the best
lower and the smallest upper over all rounds; it closes when W holds an optimal support (then the
working LP's dual prices every column at most its value).

Floating-point safety margin (both ends, t scale, u = 2^-53 the unit roundoff, r = max_i |x_i|):
h_j is a dot product of length d inside σ and of length n outside, so each computed h_j is within
(n + d + 2)·u·r·Σ_i q_i of its exact value; the upper bound is max_j |h_j| / Σ_i q_i times
(1 + ``ROUNDING``) (1e-12, the relative slack of every certified upper bound in this package) plus
(n + d + 2)·u·r. Likewise the computed margin of a measure w with support size p is within
(p + d + 2)·u·r·Σ|w| of the exact one, so lower = (computed margin - (p + d + 2)·u·r) / max(1, Σ|w|).
Both slacks are about 1e-13 at the sizes of the study, far below any requested tolerance.

Result. A :class:`FrozenLPResult` (an :class:`~lowrot.margins.lp.LPMarginResult` with the work done):
value = lower (γ scale) the certified lower end, upper the certified upper end, t the computed margin
of the returned measure, weights the signed masses on all m rows of ``directions``, q the dual behind
``upper``, rounds the HiGHS solves, columns the final working-set size; for the margin tables also
certified (both ends finite), gap (upper - lower, inf when not certified) and iterations (= rounds),
the names the other solvers' results use. Status: 'optimal' (relative
width <= tol), 'not_separable' (upper <= NOT_SEPARABLE_ATOL: value = lower = 0), 'stalled' (no
column prices above the working value but the bracket is wider than tol: HiGHS's own tolerance),
'iteration_limit' (max_rounds solves), 'solver_error: <message>' (HiGHS failed in the first round:
value = lower = NaN, upper = inf; a failure in a later round keeps the bracket of the earlier rounds
and reports the message in the status). Never raises on a numerical failure; invalid data (e.g. one
class only) raise :class:`~lowrot.errors.DataError` from :func:`~lowrot.data.validate_xy`, as in every
solver of this package.

The test for 'optimal' is the reported ``relative_width <= tol`` itself (the γ-scale ends are exact
halves of the t-scale ones, so the ratio is the same float), so a caller that asks for ``tol`` gets a
bracket of relative width at most ``tol`` whenever the status is 'optimal' (or 'not_separable', width
below 1e-12 absolute). The DAG asks for ``FROZEN_LP_TOL`` = 1e-3: the study's requirement (m = 16384
at d = 10 on the full cube, relative width <= 1e-3, within 5 minutes on 2 CPU cores).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..data import validate_xy
from .bracket import ITERATION_LIMIT, OPTIMAL
from .lp import (
    NOT_SEPARABLE,
    NOT_SEPARABLE_ATOL,
    STALLED,
    LPMarginResult,
    LPSolverError,
    lp_scale,
    solve_dictionary_lp,
    solver_error_status,
)
from .pricing import ROUNDING, unit_rows

_U = 2.0**-53  # unit roundoff of float64
_BLOCK_ENTRIES = 1 << 22  # entries of σ(X Uᵀ) built at once while pricing (32 MiB in float64)
FROZEN_LP_TOL = 1e-3  # relative width of the bracket the DAG asks for (lowrot.sweep, lowrot.margin_jobs)


@dataclass
class FrozenLPResult(LPMarginResult):
    """:class:`~lowrot.margins.lp.LPMarginResult` of :func:`frozen_lp_margin` plus its work:
    rounds (HiGHS solves) and columns (directions in the final working set)."""

    rounds: int
    columns: int

    @property
    def certified(self) -> bool:
        """True when both ends of the bracket are finite (every status but a first-round solver error)."""
        return math.isfinite(self.lower) and math.isfinite(self.upper)

    @property
    def gap(self) -> float:
        """upper - lower (inf when not certified)."""
        return self.upper - self.lower if self.certified else math.inf

    @property
    def iterations(self) -> int:
        """The HiGHS solves (``rounds``), under the name the margin tables use."""
        return self.rounds


def price_directions(X: np.ndarray, c: np.ndarray, U: np.ndarray) -> np.ndarray:
    """h_j = Σ_i c_i σ(u_j·x_i) for every row u_j of U, computed in blocks of directions."""
    n = X.shape[0]
    step = max(1, _BLOCK_ENTRIES // max(n, 1))
    out = np.empty(U.shape[0])
    for s in range(0, U.shape[0], step):
        out[s : s + step] = c @ np.maximum(X @ U[s : s + step].T, 0.0)
    return out


def frozen_lp_margin(
    X,
    y,
    U,
    *,
    tol: float = 1e-3,
    initial: int = 256,
    batch: int = 256,
    max_rounds: int = 100,
) -> FrozenLPResult:
    """The LP margin (γ scale, t/2) over the fixed unit directions U (rows; normalized here, zero rows
    dropped) by column generation with exact pricing; see the module docstring for the method, the
    certificate, the safety margin and the statuses.

    tol: requested relative width (upper - lower)/upper; initial: directions in the first working set
    (the largest |h_j| at the uniform dual q = 1/n); batch: most violated directions added per round;
    max_rounds: HiGHS solves at most.
    """
    X, y = validate_xy(X, y, name="frozen_lp_margin")
    U = unit_rows(U)
    n, d = X.shape
    if U.shape[0] == 0 or U.shape[1] != d:
        raise ValueError(f"frozen_lp_margin: need nonzero directions of dimension {d}, got shape {U.shape}")
    for key, val, lo in (("tol", tol, 0.0), ("initial", initial, 1), ("batch", batch, 1), ("max_rounds", max_rounds, 1)):
        if not val >= lo or (key != "tol" and int(val) != val):
            raise ValueError(f"frozen_lp_margin: {key}={val!r} is not allowed: need {'a number >= 0' if key == 'tol' else 'an integer >= ' + str(lo)}")
    m = U.shape[0]
    r = float(np.max(np.linalg.norm(X, axis=1)))
    up_slack = (n + d + 2) * _U * r

    def certified_upper(q: np.ndarray) -> tuple[float, np.ndarray]:
        h = price_directions(X, q * y, U)
        return float(np.max(np.abs(h))) / float(np.sum(q)) * (1.0 + ROUNDING) + up_slack, h

    q0 = np.full(n, 1.0 / n)
    best_up, h = certified_upper(q0)
    best_q = q0
    best = None  # (lower_t, t, weights on all m)
    work = np.zeros(m, dtype=bool)
    work[np.argsort(-np.abs(h), kind="stable")[: min(initial, m)]] = True
    status, rounds, scale = None, 0, lp_scale(best_up)  # rows scaled by ~1/t: HiGHS's tolerances act relatively
    while status is None:
        if rounds >= max_rounds:
            status = ITERATION_LIMIT
            break
        idx = np.flatnonzero(work)
        try:
            lp = solve_dictionary_lp(X, y, U[idx], scale)
        except LPSolverError as exc:
            status = solver_error_status(str(exc))
            break
        rounds += 1
        w = np.zeros(m)
        w[idx] = lp["w"]
        support = int(np.count_nonzero(lp["w"]))
        low_t = (lp["t"] - (support + d + 2) * _U * r) / max(1.0, math.fsum(np.abs(lp["w"])))
        if best is None or low_t > best[0]:
            best = (low_t, lp["t"], w)
        up, h = certified_upper(lp["q"])
        if up < best_up:
            best_up, best_q = up, lp["q"]
        lower = max(best[0], 0.0)
        if best_up <= 2.0 * NOT_SEPARABLE_ATOL:
            status = NOT_SEPARABLE
        elif (best_up - lower) / best_up <= tol:  # = the reported relative_width (see the module docstring)
            status = OPTIMAL
        else:
            viol = np.flatnonzero(~work & (np.abs(h) > lp["t_lp"] * (1.0 + 1e-9) + 1e-15))
            if viol.size == 0:
                status = STALLED
            else:
                work[viol[np.argsort(-np.abs(h[viol]), kind="stable")[:batch]]] = True
                scale = lp_scale(lower)
    res = dict(directions=U, q=best_q, rounds=rounds, columns=int(work.sum()))
    if best is None:  # HiGHS failed before any measure was found
        return FrozenLPResult(math.nan, math.nan, math.inf, status, t=math.nan, weights=np.zeros(m), **res)
    if status == NOT_SEPARABLE:
        return FrozenLPResult(0.0, 0.0, best_up / 2, status, t=0.0, weights=np.zeros(m), **res)
    lower = max(best[0], 0.0) / 2
    return FrozenLPResult(lower, lower, max(best_up / 2, lower), status, t=best[1], weights=best[2], **res)
