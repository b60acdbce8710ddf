"""Global margin γ_gl (SPEC §2) by linear programming over neuron dictionaries, with certificates.

Conventions (stated once, here; all arithmetic in float64):

- γ_gl = max over probability measures μ on the unit sphere of R^{d+1} of min_i y_i ∫ a σ(v·x_i) dμ(a, v),
  σ(z) = max(z, 0). Writing a σ(v·x) = a|v| σ(u·x) with u = v/|v| and |a||v| <= (a² + |v|²)/2 = 1/2,
  γ_gl = t*/2, where
      t* = max over signed measures ν on unit directions u in R^d with total variation <= 1
           of min_i y_i ∫ σ(u·x_i) dν(u).
  Network form: for W with rows (a_j, v_j), ||W||_F² = Σ_j (a_j² + |v_j|²) >= 2 Σ_j |a_j||v_j|, so the
  normalized margin min_i y_i g(x_i; W) / ||W||_F² of g(x; W) = Σ_j a_j σ(v_j·x) is at most t*/2 = γ_gl,
  with equality for |a_j| = |v_j| and ν = Σ_j a_j|v_j| δ_{u_j} / Σ_j |a_j||v_j| optimal; a neuron with
  a = |v| = 1/√2 contributes (1/2) σ(u·x). Every ``value``/``lower``/``upper`` below is on this γ scale
  (t/2); fields named ``t`` are on the t scale.
- Lower bound: the LP over a finite dictionary U of unit directions,
      max t  s.t.  y_i Σ_u (ν⁺_u - ν⁻_u) σ(u·x_i) >= t,  Σ_u (ν⁺_u + ν⁻_u) <= 1,  ν± >= 0,  t free,
  solved by HiGHS. The reported lower bound is the margin of the returned measure itself, recomputed
  (so it does not rely on the LP solver's tolerances).
- Upper bound (weak duality): for any q in the simplex, t* <= sup_{|u|=1} |Σ_i q_i y_i σ(u·x_i)|. The bound
  is ``certified`` only when that supremum over the whole sphere was computed exactly, by
  :func:`price_exact` (a sweep of the circle for d <= 2, an enumeration of the faces of the great-circle
  arrangement for d = 3, a branch and bound over sign patterns for d >= 4 when the dual has few
  support points), or for 2-sparse parity on cube data (the full cube, or any sample that contains
  one complete square of the two relevant coordinates) by the closed form of
  :func:`parity_cube_certificate`. Otherwise ``upper`` is the heuristic pricing value with
  ``certified=False``: an estimate (a lower estimate of the dual bound at that q), not a bound.
  Every certified bound carries a relative slack of 1e-9 for floating-point rounding.
- Column generation: each round solves the LP (HiGHS; rows scaled by 1/t so that its absolute
  tolerances act as relative ones), computes a centred dual (the LP duals are highly degenerate and
  vertex duals seldom bound the sphere well; see :func:`_centred_dual`), and prices. Heuristic pricing
  maximizes |h(u)|, h(u) = Σ_i q_i y_i σ(u·x_i), by (1) evaluating all sparse sign directions
  {-1, 0, 1}^d / sqrt(support) up to the largest support that keeps their number under
  ``sparse_budget`` (for hypercube data these contain the optimum), (2) a multi-start fixed-point
  ascent u <- s(u)/|s(u)|, s(u) = Σ_{i: u·x_i > 0} ±q_i y_i x_i (the maximizer of the linear piece of ±h
  on u's cell), for both signs, (3) for d <= 3 the exact candidate sets. Columns with
  |h(u)| > t (1 + tol) at the LP's own dual enter (up to ``columns_per_round``); when none does, exact
  pricing (where it applies) certifies a dual or supplies the missed columns. The loop stops when the
  bracket is closed within tol, when nothing enters, or at ``max_rounds``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog, nnls

from ..data import validate_xy
from .bracket import CONVERGED_UNCERTIFIED, ITERATION_LIMIT, OPTIMAL, Bracket

_ROUNDING = 1e-9  # relative slack added to every certified upper bound (floating-point rounding)
_HIGHS_OPTIONS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


# --------------------------------------------------------------------------------------------
# results


@dataclass
class LPMarginResult(Bracket):
    """The LP margin over a fixed dictionary of unit directions (γ scale: value = t/2).

    value = lower: margin/2 of the returned measure; upper: (1/2) max_{u in U} |Σ_i q_i y_i σ(u·x_i)| at the
    LP dual q (certified for this fixed-dictionary problem); status: 'optimal' (a failed LP raises
    RuntimeError); weights: signed ν on the rows of ``directions`` (Σ|ν| <= 1); q: the dual weights on the points.
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

    value = lower: margin/2 of the best measure found (a certified lower bound); upper: the dual bound
    (certified only if ``certified``; see the module docstring); certificate: 'exact_pricing',
    'parity_cube' or None; rounds: column-generation rounds; dictionary_size: columns in the final LP;
    upper_estimate: the smallest heuristic estimate of the dual bound seen (exact where exact pricing
    ran; when certified, ``upper`` may be looser than this uncertified number); q: the dual weights
    behind ``upper``; directions, weights: the measure's support (unit rows) and signed masses
    (Σ|w| <= 1); gap = upper - lower.
    """

    certified: bool
    certificate: str | None
    upper_estimate: float
    gap: float
    rounds: int
    dictionary_size: int
    q: np.ndarray
    directions: np.ndarray
    weights: np.ndarray


# --------------------------------------------------------------------------------------------
# dictionaries and features


def unit_rows(U) -> np.ndarray:
    """Rows of U scaled to unit length; zero rows are dropped."""
    U = np.atleast_2d(np.asarray(U, dtype=np.float64))
    nrm = np.linalg.norm(U, axis=1)
    keep = nrm > 0
    return U[keep] / nrm[keep, None]


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


# --------------------------------------------------------------------------------------------
# the LP over a dictionary


def _solve_lp(X: np.ndarray, y: np.ndarray, U: np.ndarray, scale: float = 1.0) -> dict:
    """The dictionary LP of the module docstring; returns the measure (normalized to Σ|w| <= 1), its
    recomputed margin t, the LP value t_lp and the LP dual q (in the simplex). The margin rows are
    multiplied by ``scale`` (the LP value by the same factor; the measure and q do not change), so
    that with scale ~ 1/t HiGHS's absolute tolerances act as relative ones on small margins."""
    n, p = X.shape[0], U.shape[0]
    Phi = scale * y[:, None] * np.maximum(X @ U.T, 0.0)  # (n, p)
    A_ub = np.block([[-Phi, Phi, np.ones((n, 1))], [np.ones((1, 2 * p)), np.zeros((1, 1))]])
    b_ub = np.concatenate([np.zeros(n), [1.0]])
    cost = np.zeros(2 * p + 1)
    cost[-1] = -1.0
    res = linprog(
        cost,
        A_ub=A_ub,
        b_ub=b_ub,
        bounds=[(0, None)] * (2 * p) + [(None, None)],
        method="highs",
        options=_HIGHS_OPTIONS,
    )
    if res.status != 0:
        raise RuntimeError(f"global margin LP failed: HiGHS status {res.status}: {res.message}")
    w = res.x[:p] - res.x[p : 2 * p]
    w /= max(1.0, float(np.abs(w).sum()))
    q = np.maximum(-res.ineqlin.marginals[:n], 0.0)
    q = q / q.sum() if q.sum() > 0 else np.full(n, 1.0 / n)
    return {"w": w, "t": measure_margin(X, y, U, w), "t_lp": -res.fun / scale, "q": q, "scale": scale}


def _lp_scale(t: float) -> float:
    """Row scale for the next LP: 1/t for a positive margin below 1, else 1."""
    return 1.0 / t if 0.0 < t < 1.0 else 1.0


def lp_margin_fixed_directions(X, y, U) -> LPMarginResult:
    """The LP margin (γ scale, t/2) over the fixed unit directions U (rows; normalized here, zero rows
    dropped), without column generation: the best normalized margin of a network whose inner weights
    point along U and may only change their norms (the no-rotation model).
    """
    X, y = validate_xy(X, y, name="lp_margin_fixed_directions")
    U = unit_rows(U)
    if U.shape[0] == 0 or U.shape[1] != X.shape[1]:
        raise ValueError(
            f"lp_margin_fixed_directions: need nonzero directions of dimension {X.shape[1]}, got shape {U.shape}"
        )
    lp = _solve_lp(X, y, U)
    if _lp_scale(lp["t"]) > 10.0:  # a small margin: solve again with the rows scaled up
        lp = _solve_lp(X, y, U, _lp_scale(lp["t"]))
    t_up = float(np.max(np.abs((lp["q"] * y) @ np.maximum(X @ U.T, 0.0))))
    return LPMarginResult(
        value=lp["t"] / 2,
        lower=lp["t"] / 2,
        upper=max(t_up, lp["t"]) / 2,
        status=OPTIMAL,
        t=lp["t"],
        weights=lp["w"],
        directions=U,
        q=lp["q"],
    )


# --------------------------------------------------------------------------------------------
# pricing: maximize h(u) = Σ_i c_i σ(u·x_i) over the unit sphere


def _h(X: np.ndarray, c: np.ndarray, U: np.ndarray) -> np.ndarray:
    return np.maximum(U @ X.T, 0.0) @ c


def price_heuristic(X: np.ndarray, c: np.ndarray, starts: np.ndarray, steps: int = 30):
    """Multi-start fixed-point ascent of h(u) = Σ_i c_i σ(u·x_i) on the sphere from the unit rows of
    ``starts``; returns (values, directions) of the best point seen from each start (lower estimates
    of the maximum)."""
    U = starts.copy()
    best_v, best_U = _h(X, c, U), U.copy()
    for _ in range(steps):
        G = ((U @ X.T > 0) * c) @ X
        nrm = np.linalg.norm(G, axis=1)
        moved = nrm > 0
        if not moved.any():
            break
        U = np.where(moved[:, None], G / np.where(moved, nrm, 1.0)[:, None], U)
        v = _h(X, c, U)
        up = v > best_v
        best_v = np.where(up, v, best_v)
        best_U[up] = U[up]
    return best_v, best_U


def price_exact(X: np.ndarray, c: np.ndarray, incumbent=None, *, max_nodes: int = 20000):
    """sup over unit u of h(u) = Σ_i c_i σ(u·x_i), exactly.

    d <= 2: by a sweep of the circle (h is <s_A, u> between consecutive zeros of the u·x_i, so its
    maximum is at an arc end or at s_A/|s_A| inside the arc). d = 3: by enumerating the faces of the
    arrangement of great circles {u·x_i = 0} (:func:`_sphere_candidates`). d >= 4: by branch and bound
    over sign patterns. On the closed cone C = {u : b_i x_i·u >= 0} of a sign pattern b, h(u) = <s, u> with
    s = Σ_{b_i = +} c_i x_i, and max_{u in C, |u| <= 1} <s, u> = |Π_C(s)| (Moreau), computed as the
    residual of the nonnegative least squares min_{λ >= 0} |s + Bᵀλ| -- any λ gives a residual >= |Π_C(s)|,
    so rounding can only loosen the bounds. A node fixes the signs of the first j points (by |c|,
    points on one ray merged); its bound is |Π_C(s)| + Σ_{free i, c_i > 0} c_i |Π_C(x_i)| (the projection
    taken for the 8 largest free c_i, |x_i| = 1 for the rest); it is pruned when the bound is at most
    the incumbent (a value of h attained) times (1 + 1e-12). incumbent: an optional (value, u)
    attained elsewhere (e.g. by the heuristic).

    Returns (upper, best_value, best_u, complete): when complete, sup h <= upper (upper includes a
    relative rounding slack of 1e-9); when the node budget runs out, complete is False and upper is inf.
    """
    d = X.shape[1]
    Xh, ch = _merge_rays(X, c)
    m = Xh.shape[0]
    best_v, best_u = (-math.inf, None) if incumbent is None else (float(incumbent[0]), incumbent[1])

    def consider(U):
        nonlocal best_v, best_u
        v = _h(Xh, ch, U)
        i = int(np.argmax(v))
        if v[i] > best_v:
            best_v, best_u = float(v[i]), U[i]

    consider(np.vstack([np.eye(d), -np.eye(d)]))
    if m and d <= 3:
        cand = low_dim_candidates(Xh, ch, max_nodes)
        if cand is None:
            return math.inf, best_v, best_u, False
        consider(cand)
        return max(best_v, 0.0) * (1.0 + _ROUNDING) + 1e-15, best_v, best_u, True

    def proj_norm(B, s):  # |Π_C(s)| for C = {u : B u >= 0} (an upper estimate under rounding), and Π_C(s)
        if B.shape[0] == 0:
            return float(np.linalg.norm(s)), s
        lam, _ = nnls(B.T, -s)
        p = s + B.T @ lam
        return float(np.linalg.norm(p)), p

    stack = [(0, np.zeros((0, d)), np.zeros(d))] if m else []
    nodes = 0
    while stack:
        j, B, s = stack.pop()
        nodes += 1
        if nodes > max_nodes:
            return math.inf, best_v, best_u, False
        val, p = proj_norm(B, s)
        if val > 0:
            consider((p / val)[None])
        if j == m:
            continue
        thr = best_v * (1.0 + 1e-12) if best_v > 0 else best_v + 1e-300
        free_pos = j + np.flatnonzero(ch[j:] > 0)
        if val + ch[free_pos].sum() <= thr:
            continue
        head = free_pos[:8]
        if val + sum(ch[i] * proj_norm(B, Xh[i])[0] for i in head) + ch[free_pos[8:]].sum() <= thr:
            continue
        stack.append((j + 1, np.vstack([B, -Xh[j]]), s))
        stack.append((j + 1, np.vstack([B, Xh[j]]), s + ch[j] * Xh[j]))
    return max(best_v, 0.0) * (1.0 + _ROUNDING) + 1e-15, best_v, best_u, True


def _merge_rays(X: np.ndarray, c: np.ndarray):
    """(unit directions, weights) of the points with c_i != 0, one row per ray: σ(u·x) = |x| σ(u·x/|x|),
    so points on one ray merge into their direction with weight Σ c_i |x_i|; ordered by |weight|."""
    nrm = np.linalg.norm(X, axis=1)
    keep = (c != 0) & (nrm > 0)
    Xh = X[keep] / nrm[keep, None]
    ch = c[keep] * nrm[keep]
    if Xh.shape[0]:
        Xh, inv = np.unique(Xh, axis=0, return_inverse=True)
        ch = np.bincount(inv.ravel(), weights=ch, minlength=Xh.shape[0])
    order = np.argsort(-np.abs(ch), kind="stable")
    return Xh[order], ch[order]


def low_dim_candidates(X: np.ndarray, c: np.ndarray, max_vertices: int = 20000) -> np.ndarray | None:
    """For d <= 3: a finite set of unit directions containing a maximizer of h(u) = Σ_i c_i σ(u·x_i) over
    the sphere (see :func:`_circle_candidates` and :func:`_sphere_candidates`); None if d > 3 or the
    enumeration is too large."""
    d = X.shape[1]
    Xh, ch = _merge_rays(X, c)
    if d > 3:
        return None
    if Xh.shape[0] == 0 or d == 1:
        return np.vstack([np.eye(d), -np.eye(d)])
    return _circle_candidates(Xh, ch) if d == 2 else _sphere_candidates(Xh, ch, max_vertices)


def _sphere_candidates(Xh: np.ndarray, ch: np.ndarray, max_vertices: int) -> np.ndarray | None:
    """Points of the unit sphere in R^3 among which h(u) = Σ_i c_i σ(u·x_i) attains its maximum (unit x_i).

    A maximizer lies in the relative interior of a face of the arrangement of great circles
    G_i = {u·x_i = 0}: (a) inside a cell with sign pattern A, where h = <s_A, u>, so u = s_A/|s_A|; every
    cell has a vertex of the arrangement on its boundary (or, if all circles share one axis, the axis),
    and its pattern is the signs at that vertex completed by some signs of the circles through it, so
    s_A/|s_A| for all those completions (a superset of the cells) covers (a); (b) on an arc of some G_i,
    or at a vertex: covered by the circle sweep of :func:`_circle_candidates` inside the plane of G_i.
    Returns None when a vertex lies on more than 16 circles or there are more than ``max_vertices``
    vertices (then the enumeration is not attempted).
    """
    m = Xh.shape[0]
    cand = [Xh, -Xh]
    # (b) arcs and vertices: the circle sweep inside each plane x_i^⊥
    for i in range(m):
        basis = np.linalg.svd(Xh[i][None])[2][1:]  # orthonormal basis of x_i^⊥ (2 x 3)
        P = Xh @ basis.T
        pn = np.linalg.norm(P, axis=1)
        on = pn > 1e-12
        if on.any():
            cand.append(_circle_candidates(P[on] / pn[on, None], ch[on] * pn[on]) @ basis)
    # (a) cells, through the vertices ±(x_i × x_j)/|x_i × x_j| (and ±x_k for a common axis)
    i, j = np.triu_indices(m, 1)
    V = np.cross(Xh[i], Xh[j])
    vn = np.linalg.norm(V, axis=1)
    V = V[vn > 1e-12] / vn[vn > 1e-12, None]
    V = np.vstack([V, -V, Xh, -Xh])
    V = np.unique(np.round(V, 12), axis=0)
    if V.shape[0] > max_vertices:
        return None
    D = V @ Xh.T
    Zs = np.abs(D) <= 1e-10
    base = D > 1e-10
    for r in range(V.shape[0]):
        Z = np.flatnonzero(Zs[r])
        if Z.size > 16:
            return None
        combos = np.array(list(itertools.product((False, True), repeat=Z.size)), dtype=bool).reshape(2**Z.size, Z.size)
        A = np.repeat(base[r][None], combos.shape[0], axis=0)
        A[:, Z] = combos
        S = (A * ch) @ Xh
        sn = np.linalg.norm(S, axis=1)
        cand.append(S[sn > 0] / sn[sn > 0, None])
    return np.vstack(cand)


def _circle_candidates(Xh: np.ndarray, ch: np.ndarray) -> np.ndarray:
    """Points of the unit circle among which h(u) = Σ_i c_i σ(u·x_i) attains its maximum (unit x_i in R^2):
    the zeros ±x_i^⊥ of the u·x_i, and s_A/|s_A| for each arc between consecutive zeros whose own
    s_A = Σ_{i active on the arc} c_i x_i points into the arc."""
    phi = np.arctan2(Xh[:, 1], Xh[:, 0])
    brk = np.sort(np.mod(np.concatenate([phi + math.pi / 2, phi - math.pi / 2]), 2 * math.pi))
    ends = np.stack([np.cos(brk), np.sin(brk)], axis=1)
    nxt = np.roll(brk, -1)
    width = np.mod(nxt - brk, 2 * math.pi)
    width[width == 0] = 2 * math.pi if brk.size == 1 else 0.0
    mid = brk + width / 2
    mids = np.stack([np.cos(mid), np.sin(mid)], axis=1)
    S = ((mids @ Xh.T > 0) * ch) @ Xh
    psi = np.arctan2(S[:, 1], S[:, 0])
    inside = (np.mod(psi - brk, 2 * math.pi) <= width) & (np.linalg.norm(S, axis=1) > 0)
    tops = S[inside] / np.linalg.norm(S[inside], axis=1, keepdims=True)
    return np.vstack([ends, tops])


# --------------------------------------------------------------------------------------------
# the closed-form certificate for 2-sparse parity on the full cube


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


# --------------------------------------------------------------------------------------------
# column generation


def global_margin(
    X,
    y,
    *,
    dictionary=None,
    tol: float = 1e-6,
    max_rounds: int = 100,
    seed: int = 0,
    exact_pricing="auto",
    columns_per_round: int = 30,
    sparse_budget: int = 5000,
    exact_max_points: int = 16,
    max_nodes: int = 20000,
) -> GlobalMarginResult:
    """γ_gl of (X, y) by column generation, with a bracket; see the module docstring.

    dictionary: initial unit directions (rows; default: sparse sign directions of support <= 2 when
    there are at most ``sparse_budget`` of them, the normalized data points (up to 500), 2d Gaussian
    directions). tol: relative bracket width to stop at (and column entry threshold t (1 + tol)).

    Each round solves the LP, estimates the dual bound by heuristic pricing at a centred dual (see
    :func:`_centred_dual`), adds up to ``columns_per_round`` columns that price out at the LP's own
    dual, and when none does (or the estimate already closes the bracket) prices exactly where it
    applies, to certify a dual or to find the columns the heuristic missed. exact_pricing: 'auto'
    (always for d <= 2; for d = 3 up to 300 distinct support rays of the dual; for d >= 4 by branch
    and bound when the dual has at most ``exact_max_points`` support rays, ``max_nodes`` nodes per
    sign), 'always' (no size limit, 50·max_nodes nodes) or 'never'. status: 'optimal' (certified
    bracket within tol), 'converged_uncertified' (nothing enters but the bracket is not certified
    within tol; ``upper`` is an estimate unless ``certified``) or 'iteration_limit'.
    """
    X, y = validate_xy(X, y, name="global_margin")
    if exact_pricing not in ("auto", "always", "never"):
        raise ValueError(f"global_margin: exact_pricing must be 'auto', 'always' or 'never', got {exact_pricing!r}")
    n, d = X.shape
    rng = np.random.default_rng(seed)
    pool = sparse_sign_directions(d, budget=sparse_budget)
    if dictionary is None:
        data_dirs = unit_rows(X)
        two = sparse_sign_directions(d, max_support=min(2, d)) if 2 * d * d <= sparse_budget else np.eye(d)
        sub = data_dirs if data_dirs.shape[0] <= 500 else data_dirs[rng.choice(data_dirs.shape[0], 500, replace=False)]
        U = np.vstack([two, sub, unit_rows(rng.standard_normal((2 * d, d)))])
    else:
        U = unit_rows(dictionary)
        if U.shape[0] == 0 or U.shape[1] != d:
            raise ValueError(
                f"global_margin: dictionary must hold nonzero directions of dimension {d}, got shape {U.shape}"
            )

    def exact_allowed(q):
        if exact_pricing == "never":
            return False
        rays = np.unique(unit_rows(X[q > 0]), axis=0).shape[0]
        return exact_pricing == "always" or d <= 2 or (d == 3 and rays <= 300) or rays <= exact_max_points

    cert = parity_cube_certificate(X, y)
    best_cert, cert_q, certificate = (cert[1], cert[0], "parity_cube") if cert else (math.inf, None, None)
    best_est, est_q = math.inf, None  # smallest estimate of the dual bound, and its q
    best_lo, best_w, best_U = -math.inf, np.zeros(0), np.zeros((0, d))
    status, rounds = ITERATION_LIMIT, 0
    for rounds in range(max_rounds + 1):
        lp = _solve_lp(X, y, U, _lp_scale(best_lo))
        if lp["t"] > best_lo:
            support = lp["w"] != 0
            best_lo, best_w, best_U = lp["t"], lp["w"][support], U[support]
        if _closed(best_lo, best_cert, tol):
            status = OPTIMAL
            break
        t = lp["t_lp"]
        qc = _centred_dual(X, y, U, lp, tol / 10)
        est = max(float(np.abs(_h(X, qc * y, _heuristic_candidates(X, qc * y, pool, best_U, rng))).max()), t)
        if est < best_est:
            best_est, est_q = est, qc
        new_cols = np.zeros((0, d))
        if best_est > t * (1.0 + tol):
            cand = _heuristic_candidates(X, lp["q"] * y, pool, best_U, rng)
            new_cols = _entering_columns(X, lp["q"] * y, cand, t * (1.0 + tol), columns_per_round)
        if not new_cols.shape[0]:
            # certify a dual (the best so far, the centred one, the LP's own) or find the missed columns
            found = []
            for q in (est_q, qc, lp["q"]):
                if not exact_allowed(q):
                    continue
                up, cols = _exact_dual_bound(
                    X, q * y, t * (1.0 + tol), max_nodes * (50 if exact_pricing == "always" else 1)
                )
                found.extend(cols)
                if up < math.inf and q is est_q:
                    best_est = max(best_est, up)  # the exact value replaces the estimate at est_q
                if up < best_cert:
                    best_cert, cert_q, certificate = up, q, "exact_pricing"
                if _closed(best_lo, best_cert, tol):
                    break
            new_cols = np.array(found).reshape(-1, d)
            if _closed(best_lo, best_cert, tol):
                status = OPTIMAL
                break
        if not new_cols.shape[0]:  # nothing better found, but the bracket is not certified within tol
            status = CONVERGED_UNCERTIFIED
            break
        new_cols = (
            new_cols[[np.abs(U - u).max(axis=1).min() > 1e-12 for u in new_cols]] if new_cols.shape[0] else new_cols
        )
        if not new_cols.shape[0]:  # only columns already in the LP: no progress is possible
            status = CONVERGED_UNCERTIFIED
            break
        if rounds == max_rounds:
            break
        U = np.vstack([U, new_cols])
    certified = best_cert < math.inf
    upper_t = best_cert if certified else max(best_est, best_lo)
    return GlobalMarginResult(
        value=best_lo / 2,
        lower=best_lo / 2,
        upper=upper_t / 2,
        status=status,
        certified=certified,
        certificate=certificate if certified else None,
        upper_estimate=max(min(best_est, best_cert), best_lo) / 2,
        gap=(upper_t - best_lo) / 2,
        rounds=rounds,
        dictionary_size=U.shape[0],
        q=cert_q if certified else est_q,
        directions=best_U,
        weights=best_w,
    )


def _exact_dual_bound(X: np.ndarray, c: np.ndarray, threshold: float, max_nodes: int):
    """(sup_u |h(u)| or inf if not computed exactly, [maximizers of +h and -h whose value exceeds
    threshold]) for h(u) = Σ_i c_i σ(u·x_i), by :func:`price_exact` on both signs."""
    ups, cols = [], []
    for sign in (1.0, -1.0):
        up, best, u, complete = price_exact(X, sign * c, max_nodes=max_nodes)
        ups.append(up if complete else math.inf)
        if u is not None and best > threshold:
            cols.append(u)
    return max(ups), cols


def _closed(lower: float, upper: float, tol: float) -> bool:
    """True when the bracket [lower, upper] is finite and (upper - lower) <= tol · upper."""
    return math.isfinite(upper) and upper - lower <= tol * abs(upper)


def _centred_dual(X: np.ndarray, y: np.ndarray, U: np.ndarray, lp: dict, eps: float) -> np.ndarray:
    """A dual of the dictionary LP away from the vertices: among q in the simplex with
    max_{u in U} |Σ_i q_i y_i σ(u·x_i)| <= t (1 + eps), supported on the points the LP's measure holds
    at margin t, the one maximizing min_i q_i there. Vertex duals of these degenerate LPs rarely bound
    the whole sphere well (for symmetric data the certifying dual is the uniform one); the LP's own
    dual is returned if this LP fails."""
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
    res = linprog(
        cost,
        A_ub=A_ub,
        b_ub=b_ub,
        A_eq=np.hstack([np.ones((1, n)), np.zeros((1, 1))]),
        b_eq=[1.0],
        bounds=bounds,
        method="highs",
        options=_HIGHS_OPTIONS,
    )
    if res.status != 0:
        return lp["q"]
    q = np.maximum(res.x[:n], 0.0)
    return q / q.sum()


def _heuristic_candidates(
    X: np.ndarray,
    c: np.ndarray,
    pool: np.ndarray,
    support: np.ndarray,
    rng: np.random.Generator,
    n_random: int = 64,
    n_pool: int = 64,
) -> np.ndarray:
    """Candidate directions for max |h|, h(u) = Σ_i c_i σ(u·x_i): the whole sparse pool and the end points
    of the fixed-point ascent of +h and -h started from the best pool directions, the current measure's
    support, the data directions with c_i != 0 and random directions (each start and its negative);
    for d <= 3 also the exact candidate sets of :func:`low_dim_candidates`."""
    starts = np.vstack(
        [
            pool[np.argsort(-np.abs(_h(X, c, pool)))[:n_pool]],
            support,
            unit_rows(X[c != 0]),
            unit_rows(rng.standard_normal((n_random, X.shape[1]))),
        ]
    )
    starts = np.vstack([starts, -starts])
    exact = [low_dim_candidates(X, sign * c) for sign in (1.0, -1.0)] if X.shape[1] <= 3 else []
    return np.vstack(
        [pool] + [price_heuristic(X, sign * c, starts)[1] for sign in (1.0, -1.0)] + [e for e in exact if e is not None]
    )


def _entering_columns(X: np.ndarray, c: np.ndarray, cand: np.ndarray, threshold: float, k: int) -> np.ndarray:
    """Up to k distinct candidates with |h(u)| > threshold, best first."""
    price = np.abs(_h(X, c, cand))
    out = []
    for i in np.argsort(-price):
        if price[i] <= threshold or len(out) >= k:
            break
        if all(np.abs(cand[i] - v).max() > 1e-9 for v in out):
            out.append(cand[i])
    return np.array(out).reshape(-1, X.shape[1])
