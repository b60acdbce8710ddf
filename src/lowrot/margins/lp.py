"""The global margin's linear program over a dictionary of ReLU directions, its result types and the
closed-form certificate for 2-sparse parity on cube data.

Conventions (stated once, here; all arithmetic in float64; definitions in docs/science.md):

- γ_gl = max over probability measures μ on the unit sphere of R^{d+1} of min_i y_i ∫ a σ(v·x_i) dμ(a, v),
  σ(z) = max(z, 0). Writing a σ(v·x) = a|v| σ(u·x) with u = v/|v| and |a||v| <= (a² + |v|²)/2 = 1/2,
  γ_gl = t*/2, where
      t* = max over signed measures ν on unit directions u in R^d with total variation <= 1
           of min_i y_i ∫ σ(u·x_i) dν(u).
  Network form: for W with rows (a_j, v_j), ||W||_F² = Σ_j (a_j² + |v_j|²) >= 2 Σ_j |a_j||v_j|, so the
  normalized margin min_i y_i g(x_i; W) / ||W||_F² of g(x; W) = Σ_j a_j σ(v_j·x) is at most t*/2 = γ_gl,
  with equality for |a_j| = |v_j| and ν = Σ_j a_j|v_j| δ_{u_j} / Σ_j |a_j||v_j| optimal; a neuron with
  a = |v| = 1/√2 contributes (1/2) σ(u·x). Every ``value``/``lower``/``upper``/``estimate`` is on this γ
  scale (t/2); fields named ``t`` are on the t scale. γ_gl >= 0 always (the zero measure).
- The LP over a finite dictionary U of unit directions,
      max t  s.t.  y_i Σ_u (ν⁺_u - ν⁻_u) σ(u·x_i) >= t,  Σ_u (ν⁺_u + ν⁻_u) <= 1,  ν± >= 0,  t free,
  is solved by HiGHS. Its reported value is the margin of the returned measure itself, recomputed (so
  it does not rely on the LP solver's tolerances). Weak duality: for any q in the simplex,
  t* <= sup_{|u|=1} |Σ_i q_i y_i σ(u·x_i)|; over the dictionary alone the sup is a max over U.
- Status words, beyond those of :mod:`lowrot.margins.bracket`: ``'not_separable'`` when the certified
  upper bound is at most ``NOT_SEPARABLE_ATOL`` (1e-12 on the γ scale: zero up to rounding; then
  value = lower = 0, i.e. no bias-free ReLU network classifies the data with a positive margin), and
  ``'stalled'`` when column generation finds no entering column and its bracket is certified but wider
  than requested, and ``'solver_error: <message>'`` when HiGHS fails (then value = lower = NaN, upper = +inf,
  certified = False): a failure is a result row, never an exception.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from ..data import validate_xy
from .bracket import OPTIMAL, Bracket
from .pricing import ROUNDING, unit_rows

NOT_SEPARABLE = "not_separable"
STALLED = "stalled"
SOLVER_ERROR = "solver_error"
NOT_SEPARABLE_ATOL = 1e-12  # γ scale: a certified upper bound at most this means "margin 0"
_HIGHS_OPTIONS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


class LPSolverError(RuntimeError):
    """HiGHS did not return an optimal solution; the message is HiGHS's."""


def solver_error_status(message: str) -> str:
    """The status word of a failed solve: 'solver_error: <message>' on one line."""
    return f"{SOLVER_ERROR}: " + " ".join(str(message).split())


# --------------------------------------------------------------------------------------------
# results


@dataclass
class LPMarginResult(Bracket):
    """The LP margin over a fixed dictionary of unit directions (γ scale: value = t/2).

    value = lower: margin/2 of the returned measure; upper: (1/2) max_{u in U} |Σ_i q_i y_i σ(u·x_i)| at the
    LP dual q, with the rounding slack (certified for this fixed-dictionary problem); status: 'optimal',
    'not_separable' or 'solver_error: ...' (value = lower = NaN, upper = inf); weights: signed ν on the
    rows of ``directions`` (Σ|ν| <= 1); q: the dual weights on the points.
    """

    t: float
    weights: np.ndarray
    directions: np.ndarray
    q: np.ndarray

    @property
    def gamma(self) -> float:
        return self.value


@dataclass
class GlobalMarginResult(Bracket):
    """γ_gl with its bracket (γ scale).

    value = lower: margin/2 of the best measure found (a certified lower bound, >= 0); upper: a certified
    upper bound when ``certified``, else +inf -- never an estimate; estimate: the smallest heuristic
    estimate of the dual bound seen (at least ``lower``; not a bound unless certified); certificate:
    'exact_pricing', 'parity_cube' or None; gap = upper - lower (inf when uncertified); rounds:
    column-generation rounds; dictionary_size: columns in the final LP; general: True when solved
    without the parity certificate and without sparse sign directions; q: the dual weights behind
    ``upper`` (or ``estimate``); directions, weights: the measure's support (unit rows) and signed
    masses (Σ|w| <= 1).
    """

    certified: bool
    certificate: str | None
    estimate: float
    gap: float
    rounds: int
    dictionary_size: int
    general: bool
    q: np.ndarray
    directions: np.ndarray
    weights: np.ndarray


# --------------------------------------------------------------------------------------------
# dictionaries and the LP


def sparse_sign_directions(d: int, max_support: int | None = None, budget: int = 5000) -> np.ndarray:
    """All unit vectors with entries in {-1, 0, +1}/sqrt(s), support size s <= max_support.

    max_support=None: the largest support whose total count Σ_s C(d, s) 2^s stays <= budget (at least 1).
    """
    if max_support is None:
        max_support, total = 1, 2 * d
        while max_support < d:
            nxt = total + math.comb(d, max_support + 1) * 2 ** (max_support + 1)
            if nxt > budget:
                break
            max_support, total = max_support + 1, nxt
    rows = []
    for s in range(1, max_support + 1):
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=s)))
        for idx in itertools.combinations(range(d), s):
            block = np.zeros((signs.shape[0], d))
            block[:, idx] = signs / math.sqrt(s)
            rows.append(block)
    return np.vstack(rows)


def measure_margin(X: np.ndarray, y: np.ndarray, U: np.ndarray, w: np.ndarray) -> float:
    """min_i y_i Σ_u w_u σ(u·x_i) (t scale), for unit rows U and signed weights w."""
    return float(np.min(y * (np.maximum(X @ U.T, 0.0) @ w)))


def highs_linprog(cost, **kwargs):
    """scipy's linprog with HiGHS and this module's tolerances; raises :class:`LPSolverError` with
    HiGHS's message unless the solve ended optimal."""
    try:
        res = linprog(cost, method="highs", options=_HIGHS_OPTIONS, **kwargs)
    except (ValueError, np.linalg.LinAlgError) as exc:
        raise LPSolverError(f"linprog raised {type(exc).__name__}: {exc}") from exc
    if res.status != 0 or res.x is None:
        raise LPSolverError(f"HiGHS status {res.status}: {res.message}")
    return res


def solve_dictionary_lp(X: np.ndarray, y: np.ndarray, U: np.ndarray, scale: float = 1.0) -> dict:
    """The dictionary LP of the module docstring; returns the measure (normalized to Σ|w| <= 1), its
    recomputed margin t, the LP value t_lp and the LP dual q (in the simplex). The margin rows are
    multiplied by ``scale`` (the LP value by the same factor; the measure and q do not change), so
    that with scale ~ 1/t HiGHS's absolute tolerances act as relative ones on small margins.
    Raises :class:`LPSolverError` when HiGHS fails."""
    n, p = X.shape[0], U.shape[0]
    Phi = scale * y[:, None] * np.maximum(X @ U.T, 0.0)  # (n, p)
    A_ub = np.block([[-Phi, Phi, np.ones((n, 1))], [np.ones((1, 2 * p)), np.zeros((1, 1))]])
    b_ub = np.concatenate([np.zeros(n), [1.0]])
    cost = np.zeros(2 * p + 1)
    cost[-1] = -1.0
    res = highs_linprog(cost, A_ub=A_ub, b_ub=b_ub, bounds=[(0, None)] * (2 * p) + [(None, None)])
    w = res.x[:p] - res.x[p : 2 * p]
    w /= max(1.0, float(np.abs(w).sum()))
    q = np.maximum(-res.ineqlin.marginals[:n], 0.0)
    q = q / q.sum() if q.sum() > 0 else np.full(n, 1.0 / n)
    return {"w": w, "t": measure_margin(X, y, U, w), "t_lp": -res.fun / scale, "q": q, "scale": scale}


def lp_scale(t: float) -> float:
    """Row scale for the next LP: 1/t for a positive margin below 1, else 1."""
    return 1.0 / t if 0.0 < t < 1.0 else 1.0


def lp_margin_fixed_directions(X, y, U) -> LPMarginResult:
    """The LP margin (γ scale, t/2) over the fixed unit directions U (rows; normalized here, zero rows
    dropped), without column generation: the best normalized margin of a network whose inner weights
    point along U and may only change their norms (the no-rotation model). A HiGHS failure gives a
    result with status 'solver_error: <message>' (value = lower = NaN, upper = inf).
    """
    X, y = validate_xy(X, y, name="lp_margin_fixed_directions")
    U = unit_rows(U)
    if U.shape[0] == 0 or U.shape[1] != X.shape[1]:
        raise ValueError(
            f"lp_margin_fixed_directions: need nonzero directions of dimension {X.shape[1]}, got shape {U.shape}"
        )
    try:
        lp = solve_dictionary_lp(X, y, U)
        if lp_scale(lp["t"]) > 10.0:  # a small margin: solve again with the rows scaled up
            lp = solve_dictionary_lp(X, y, U, lp_scale(lp["t"]))
    except LPSolverError as exc:
        return LPMarginResult(
            value=math.nan,
            lower=math.nan,
            upper=math.inf,
            status=solver_error_status(str(exc)),
            t=math.nan,
            weights=np.zeros(0),
            directions=U,
            q=np.zeros(0),
        )
    t_up = float(np.max(np.abs((lp["q"] * y) @ np.maximum(X @ U.T, 0.0))))
    upper = max(t_up, lp["t"], 0.0) / 2 * (1.0 + ROUNDING)
    if upper <= NOT_SEPARABLE_ATOL:
        return LPMarginResult(0.0, 0.0, upper, NOT_SEPARABLE, 0.0, np.zeros(U.shape[0]), U, lp["q"])
    return LPMarginResult(
        value=lp["t"] / 2,
        lower=lp["t"] / 2,
        upper=upper,
        status=OPTIMAL,
        t=lp["t"],
        weights=lp["w"],
        directions=U,
        q=lp["q"],
    )


def centred_dual(X: np.ndarray, y: np.ndarray, U: np.ndarray, lp: dict, eps: float) -> np.ndarray:
    """A dual of the dictionary LP away from the vertices: among q in the simplex with
    max_{u in U} |Σ_i q_i y_i σ(u·x_i)| <= t (1 + eps), supported on the points the LP's measure holds
    at margin t, the one maximizing min_i q_i there. Vertex duals of these degenerate LPs rarely bound
    the whole sphere well (for symmetric data the certifying dual is the uniform one); the LP's own
    dual is returned if this LP fails (any q in the simplex is a valid dual)."""
    Phi = y[:, None] * np.maximum(X @ U.T, 0.0)
    t = lp["t_lp"]
    tight = Phi @ lp["w"] <= lp["t"] + 1e-9 * max(1.0, abs(lp["t"])) / lp["scale"]
    Phi *= lp["scale"]
    t *= lp["scale"]
    n, p = Phi.shape
    if not tight.any():
        return lp["q"]
    A_ub = np.vstack(
        [
            np.hstack([Phi.T, np.zeros((p, 1))]),
            np.hstack([-Phi.T, np.zeros((p, 1))]),
            np.hstack([-np.eye(n)[tight], np.ones((int(tight.sum()), 1))]),
        ]
    )
    b_ub = np.concatenate([np.full(2 * p, t * (1.0 + eps) + 1e-15), np.zeros(int(tight.sum()))])
    cost = np.zeros(n + 1)
    cost[-1] = -1.0
    bounds = [(0.0, None) if tight[i] else (0.0, 0.0) for i in range(n)] + [(None, None)]
    try:
        res = highs_linprog(
            cost, A_ub=A_ub, b_ub=b_ub, A_eq=np.hstack([np.ones((1, n)), np.zeros((1, 1))]), b_eq=[1.0], bounds=bounds
        )
    except LPSolverError:
        return lp["q"]
    q = np.maximum(res.x[:n], 0.0)
    return q / q.sum() if q.sum() > 0 else lp["q"]


# --------------------------------------------------------------------------------------------
# the closed-form certificate for 2-sparse parity on cube data


def parity_cube_certificate(X: np.ndarray, y: np.ndarray):
    """A closed-form dual certificate t* <= 1/(2 sqrt(2d)) for points of the cube {±1/√d}^d.

    Applies when, for some pair j != k, the data contain a complete "square": four points that agree
    on every coordinate except j and k, take all four sign combinations there, and carry labels
    y = ε s_j s_k (one ε = ±1 per square; s = sign(x)). Returns (q, t_upper) with q uniform over the
    complete squares (equal weight per square and per corner, copies of a point splitting its weight)
    and t_upper = 1/(2 sqrt(2d)) >= sup_u |Σ_i q_i y_i σ(u·x_i)|; else None. For 2-sparse parity on
    (j, k) this equals the margin of the four neurons u = (ε_j e_j + ε_k e_k)/√2 (mass 1/4, sign ε_j ε_k),
    so γ_gl = 1/(4 sqrt(2d)) on the full cube and on every sample containing one complete square.

    Proof. Inside a square, with a = u_j, b = u_k and r = Σ_{l != j,k} u_l s_l fixed (the square fixes
    those s_l), the mean over its corners of ε s_j s_k σ(u·x) is ε Δ(r) / (4 sqrt(d)) with
    Δ(r) = σ(r+a+b) - σ(r+a-b) - σ(r-a+b) + σ(r-a-b) = sign(ab) · (length of {(α, β) in
    [-|a|, |a|] x [-|b|, |b|] : α + β = -r}), so |Δ| <= 2 min(|a|, |b|) <= sqrt(2) sqrt(a² + b²) <= sqrt(2)
    for |u| = 1. Averaging over squares keeps |h(u)| <= sqrt(2) / (4 sqrt(d)) = 1/(2 sqrt(2d)).
    """
    n, d = X.shape
    if d < 2 or not np.allclose(np.abs(X), 1.0 / math.sqrt(d), rtol=0, atol=1e-12):
        return None
    s = np.where(X > 0, 1.0, -1.0)
    bits = (s < 0).astype(np.int64)
    for j, k in itertools.combinations(range(d), 2):
        others = np.delete(bits, [j, k], axis=1) @ (1 << np.arange(d - 2, dtype=np.int64))
        corner = 2 * bits[:, j] + bits[:, k]
        eps = y * s[:, j] * s[:, k]
        keys, group = np.unique(others, return_inverse=True)
        group = group.ravel()
        seen = np.zeros((keys.size, 4), dtype=bool)
        seen[group, corner] = True
        lo = np.full(keys.size, np.inf)
        hi = np.full(keys.size, -np.inf)
        np.minimum.at(lo, group, eps)
        np.maximum.at(hi, group, eps)
        complete = seen.all(axis=1) & (lo == hi)
        if complete.any():
            cell = group * 4 + corner
            copies = np.bincount(cell, minlength=4 * keys.size)[cell]
            q = np.where(complete[group], 1.0 / (4.0 * complete.sum() * copies), 0.0)
            return q, 1.0 / (2.0 * math.sqrt(2.0 * d))
    return None
