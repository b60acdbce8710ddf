"""Pricing oracles of the global-margin column generation: maximize h(u) = Σ_i c_i σ(u·x_i) over unit u.

Conventions (stated once, here): X holds the points as rows (||x_i|| <= 1), c the signed weights
(c_i = q_i y_i at a dual q), σ(z) = max(z, 0). Since h is positively homogeneous, its supremum over the
unit sphere equals its maximum over the unit ball B whenever that is positive, and every bound below is
a bound over the ball. Points on one ray merge (σ(u·x) = |x| σ(u·x/|x|)), see :func:`merge_rays`.

Exact pricing (:func:`price_exact`) is a branch and bound over the activity of the points with c_i > 0
only. Write h = P - N with P(u) = Σ_{c_i > 0} c_i σ(u·x_i) and N(u) = Σ_{c_j < 0} |c_j| σ(u·x_j). A node
is a polyhedral cone C = {u : b_i x_i·u >= 0 for the decided points} together with, for every positive
point, an interval [l_i, r_i] containing u·x_i on C ∩ B. On [l_i, r_i] the convex σ lies below its
secant, σ(z) <= α_i z + γ_i (α_i = r_i/(r_i - l_i), γ_i = -α_i l_i; exact when l_i >= 0 or r_i <= 0), and
-|c_j| σ(z) = min_{λ_j in [0, 1]} -λ_j |c_j| z is concave, so by minimax (both sides linear in u and in
(λ, μ), compact convex sets)

    max_{u in C ∩ B} h(u) <= Σ_i c_i γ_i + min_{λ in [0,1]^N, μ >= 0} | v - Σ_j λ_j |c_j| x_j + Σ_k μ_k b_k x_k |,
    v = Σ_i c_i α_i x_i,

(the distance from v to the zonotope of the negative points plus the polar cone of C). Any feasible
(λ, μ) gives a valid bound, so the least-squares solver's accuracy does not matter for validity: the
norm is recomputed from the clipped (λ, μ) (:func:`_box_cone_lsq`). When every positive point is decided the bound is the
exact maximum of h on the node (the negative part is treated exactly), so the leaves are exact and
the cells of the arrangement of the positive points are never enumerated beyond what the bounds
require. The ranges start at [-|x_i|, |x_i|]; a node whose bound does not prune tightens them with
r_i = |Π_C(x_i)|, l_i = -|Π_C(-x_i)| (nonnegative least squares; any multiplier again gives a valid,
looser range) and branches on the point with the largest secant slack c_i γ_i. The residual of each
bound gives a candidate direction (its normalized vector), evaluated exactly: an attained value.

The search is best first (the open node with the largest inherited bound is expanded next), so when
its node budget or clock runs out, the largest bound of the open nodes is the best bound it can prove
so far: an interrupted search returns that bound (certified, only wider), never +inf once the root is
bounded. Where even that is loose (dense duals on 2-parity samples of 64+ points in d >= 12, where a
complete search would need millions of nodes), :func:`quadratic_bound` (quadratic majorants of σ for
the positive points, minorants for the negative ones, and the trust-region problem over the ball) and
:func:`quadratic_certificate` (the same bound minimized over the dual weights) bound the supremum in a
fraction of a second, typically within 5-15% of it.

Rounding: each node's bound adds 1e-13 · (|v| + Σ λ_j |c_j| + Σ μ_k) (float64 error of the recomputed
norm) and ranges are widened by 1e-12; the returned upper bound is the largest bound of any leaf or
pruned node, times (1 + 1e-12), plus 1e-15 (``ROUNDING``); a tolerance below about 1e-11 therefore cannot be
certified.
"""

from __future__ import annotations

import heapq
import itertools
import math
import time

import numpy as np
from scipy.optimize import nnls

ROUNDING = 1e-12  # relative slack added to every certified upper bound (floating-point rounding)
_ABS_ROUNDING = 1e-15
_RANGE_WIDEN = 1e-12


def h_values(X: np.ndarray, c: np.ndarray, U: np.ndarray) -> np.ndarray:
    """h(u) = Σ_i c_i σ(u·x_i) for each row u of U."""
    return np.maximum(U @ X.T, 0.0) @ c


def unit_rows(U) -> np.ndarray:
    """Rows of U scaled to unit length; zero rows are dropped."""
    U = np.atleast_2d(np.asarray(U, dtype=np.float64))
    nrm = np.linalg.norm(U, axis=1)
    keep = nrm > 0
    return U[keep] / nrm[keep, None]


def merge_rays(X: np.ndarray, c: np.ndarray):
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


def price_heuristic(X: np.ndarray, c: np.ndarray, starts: np.ndarray, steps: int = 30):
    """Multi-start fixed-point ascent of h(u) on the sphere from the unit rows of ``starts``: u <- s(u)/|s(u)|,
    s(u) = Σ_{i: u·x_i > 0} c_i x_i (the maximizer of the linear piece of h on u's cell). Returns (values,
    directions) of the best point seen from each start (attained values: lower estimates of the maximum)."""
    U = starts.copy()
    best_v, best_U = h_values(X, c, U), U.copy()
    for _ in range(steps):
        G = ((U @ X.T > 0) * c) @ X
        nrm = np.linalg.norm(G, axis=1)
        moved = nrm > 0
        if not moved.any():
            break
        U = np.where(moved[:, None], G / np.where(moved, nrm, 1.0)[:, None], U)
        v = h_values(X, c, U)
        up = v > best_v
        best_v = np.where(up, v, best_v)
        best_U[up] = U[up]
    return best_v, best_U


# --------------------------------------------------------------------------------------------
# exact pricing: branch and bound over the activity of the positive points


def _cone_dist(Bt: np.ndarray, x: np.ndarray) -> float:
    """|Π_C(x)| for C = {u : B u >= 0} (Bt = Bᵀ, d x k): min_{μ >= 0} |x + Bᵀμ|, recomputed from the
    clipped multiplier so that the value is an upper bound up to rounding."""
    if Bt.shape[1] == 0:
        return float(np.linalg.norm(x))
    mu, _ = nnls(Bt, -x)
    return float(np.linalg.norm(x + Bt @ np.maximum(mu, 0.0)))


_BOX_WEIGHT = 1e4


def _box_cone_lsq(Nt: np.ndarray, Bt: np.ndarray, v: np.ndarray):
    """A feasible (λ in [0, 1]^N, μ >= 0) nearly minimizing |v - Nt λ + Bt μ|, by one nonnegative least
    squares in which λ_j + ξ_j = 1 (ξ >= 0) is imposed by rows of weight 1e4 and λ is then clipped to
    [0, 1]: only feasibility matters for the validity of the bound, and the clipping moves λ by about
    |residual|/1e8."""
    d, nN = Nt.shape
    nB = Bt.shape[1]
    if nN == 0:
        mu, _ = nnls(Bt, -v)
        return np.zeros(0), np.maximum(mu, 0.0)
    W = _BOX_WEIGHT
    A = np.zeros((d + nN, 2 * nN + nB))
    A[:d, :nN] = -Nt
    A[:d, 2 * nN :] = Bt
    A[d:, :nN] = W * np.eye(nN)
    A[d:, nN : 2 * nN] = W * np.eye(nN)
    b = np.concatenate([-v, np.full(nN, W)])
    try:
        sol, _ = nnls(A, b, maxiter=50 * A.shape[1])
    except RuntimeError:  # iteration limit: any feasible point is valid, fall back to zero
        sol = np.zeros(A.shape[1])
    return np.clip(sol[:nN], 0.0, 1.0), np.maximum(sol[2 * nN :], 0.0)


def _node_bound(P, cp, Nt, Bt, lo, hi):
    """(bound, residual) for the node with cone rows Bt (d x k) and ranges [lo, hi] of the positive
    points (see the module docstring); residual is the vector whose norm is the non-constant part."""
    width = hi - lo
    safe = np.where(width > 0, width, 1.0)
    alpha = np.where(lo >= 0, 1.0, np.where(hi <= 0, 0.0, hi / safe))
    gamma = np.where((lo < 0) & (hi > 0), -alpha * lo, 0.0)
    v = (cp * alpha) @ P
    const = float(cp @ gamma)
    nN, nB = Nt.shape[1], Bt.shape[1]
    if nN + nB == 0:
        r = v
        scale = float(np.linalg.norm(v))
    else:
        lam, mu = _box_cone_lsq(Nt, Bt, v)
        r = v - Nt @ lam + Bt @ mu
        scale = float(np.linalg.norm(v) + lam @ np.linalg.norm(Nt, axis=0) + mu.sum())
    return const + float(np.linalg.norm(r)) + 1e-13 * scale, r


def price_exact(
    X: np.ndarray,
    c: np.ndarray,
    incumbent=None,
    *,
    threshold: float = -math.inf,
    max_nodes: int = 20000,
    deadline: float | None = None,
):
    """sup over unit u of h(u) = Σ_i c_i σ(u·x_i), by the branch and bound of the module docstring.

    threshold: a level T; nodes whose bound is at most max(T, best attained value) are pruned, so a
    complete search certifies sup h <= max(T, best) (exactly the supremum when T = -inf, the default).
    incumbent: an optional (value, u) attained elsewhere. deadline: a time.perf_counter() value at
    which the search stops, like an exhausted node budget.

    Returns (upper, best_value, best_u, complete): sup h <= upper always (``upper`` includes the
    rounding slack of the module docstring). When the search completes, ``upper`` is max(T, best) up
    to that slack; when the node budget or the deadline stops it first, complete is False and
    ``upper`` is the largest bound of a node not yet closed (the search is best first, so that is
    the smallest bound it can prove so far; +inf only when the root was never bounded).
    :func:`exact_dual_bound` also returns the directions found above T.
    """
    out = _branch_and_bound(X, c, incumbent, threshold, max_nodes, deadline)
    return out["upper"], out["best"], out["u"], out["complete"]


def _branch_and_bound(X, c, incumbent, threshold, max_nodes, deadline=None, patience=None) -> dict:
    """The search of :func:`price_exact`, best first (the open node with the largest inherited bound
    is expanded next); also collects every direction attained above ``threshold`` (distinct, up to
    64) in ``columns``. patience: stop (incomplete) this many nodes after the first direction above
    ``threshold`` was found (the caller then only wants columns). Returns a dict with upper, best,
    u, complete, exhausted (stopped by the node budget or the deadline, not by ``patience``),
    columns and nodes."""
    d = X.shape[1]
    Xh, ch = merge_rays(X, c)
    best = {"v": -math.inf, "u": None} if incumbent is None else {"v": float(incumbent[0]), "u": incumbent[1]}
    columns = []
    state = {"nodes": 0, "first_column": None, "exhausted": False}

    def consider(U):
        v = h_values(Xh, ch, U)
        for i in np.flatnonzero(v > threshold)[:64]:
            if len(columns) < 64 and all(np.abs(U[i] - w).max() > 1e-9 for _, w in columns):
                columns.append((float(v[i]), U[i]))
                if state["first_column"] is None:
                    state["first_column"] = state["nodes"]
        i = int(np.argmax(v))
        if v[i] > best["v"]:
            best["v"], best["u"] = float(v[i]), U[i]

    def result(upper, complete):
        columns.sort(key=lambda vw: -vw[0])
        if math.isfinite(upper):
            upper = max(upper, best["v"], 0.0) * (1.0 + ROUNDING) + _ABS_ROUNDING
        return {
            "upper": upper,
            "best": best["v"],
            "u": best["u"],
            "complete": complete,
            "exhausted": state["exhausted"],
            "columns": columns,
            "nodes": state["nodes"],
        }

    consider(np.vstack([np.eye(d), -np.eye(d)]))
    if Xh.shape[0] and d <= 3:  # exact candidate sets (a sweep of the circle, faces of the sphere)
        cand = low_dim_candidates(Xh, ch, max_nodes)
        if cand is not None:
            consider(cand)
            return result(0.0, True)
    pos = ch > 0
    P, cp = Xh[pos], ch[pos]
    Nt = (Xh[~pos] * -ch[~pos, None]).T  # d x (negative points), columns |c_j| x_j
    if P.shape[0]:  # a few ascents give a good incumbent before the search
        vals, dirs = price_heuristic(Xh, ch, np.vstack([P, unit_rows(P[:8].sum(0, keepdims=True))]))
        consider(dirs[np.argsort(-vals)[:8]])
    upper = 0.0  # the largest bound of a pruned node or leaf (h <= 0 near u = 0 is covered by best >= 0)
    # open nodes: (-inherited bound, counter, branched point indices, their signs, lo, hi); the cone
    # rows are rebuilt from the indices and signs
    heap = [(-math.inf, 0, (), (), -np.ones(P.shape[0]), np.ones(P.shape[0]))]
    counter = 1
    while heap:
        level = max(best["v"] * (1.0 + 1e-12), threshold)
        if -heap[0][0] <= level:  # every open node is closed by the level: done
            upper = max(upper, -heap[0][0])
            break
        stop = state["exhausted"] = state["nodes"] >= max_nodes or (deadline is not None and time.perf_counter() > deadline)
        if patience is not None and state["first_column"] is not None and state["nodes"] - state["first_column"] >= patience:
            stop = True
        if stop:
            return result(max(upper, -heap[0][0]), False)
        inherited, _, idx, sgn, lo, hi = heapq.heappop(heap)
        inherited = -inherited
        state["nodes"] += 1
        Bt = (P[list(idx)] * np.asarray(sgn, dtype=np.float64)[:, None]).T if idx else np.zeros((d, 0))
        bound, r = _node_bound(P, cp, Nt, Bt, lo, hi)
        if bound > level:  # tighten the ranges on this cone and try again
            for i in np.flatnonzero((lo < 0) & (hi > 0)):
                hi[i] = min(hi[i], _cone_dist(Bt, P[i]) + _RANGE_WIDEN)
                lo[i] = max(lo[i], -_cone_dist(Bt, -P[i]) - _RANGE_WIDEN)
            bound, r = _node_bound(P, cp, Nt, Bt, lo, hi)
        bound = min(bound, inherited)
        rn = float(np.linalg.norm(r))
        if rn > 0:
            consider((r / rn)[None])
        level = max(best["v"] * (1.0 + 1e-12), threshold)
        amb = (lo < 0) & (hi > 0)
        slack = np.where(amb, cp * hi * -lo / np.where(amb, hi - lo, 1.0), 0.0)
        if bound <= level or not amb.any() or slack.max() <= 1e-13:
            upper = max(upper, bound)
            continue
        i = int(np.argmax(slack))
        lo_a, hi_a = lo.copy(), hi.copy()
        lo_a[i] = 0.0  # child: x_i active (u·x_i >= 0)
        hi[i] = 0.0  # child: x_i inactive (u·x_i <= 0)
        heapq.heappush(heap, (-bound, counter, idx + (i,), sgn + (1.0,), lo_a, hi_a))
        heapq.heappush(heap, (-bound, counter + 1, idx + (i,), sgn + (-1.0,), lo, hi))
        counter += 2
    return result(upper, True)


def polish(X: np.ndarray, c: np.ndarray, U: np.ndarray, steps: int = 4):
    """Local ascent of h from each unit row of U that can reach the faces of the arrangement: at u, the
    exact maximizer of h over the closed cone of u's activity pattern of the positive points (the leaf
    bound of the module docstring) replaces u while h increases. Returns (values, directions)."""
    Xh, ch = merge_rays(X, c)
    pos = ch > 0
    P, cp = Xh[pos], ch[pos]
    Nt = (Xh[~pos] * -ch[~pos, None]).T
    vals, out = h_values(Xh, ch, U), U.copy()
    for k in range(U.shape[0]):
        u = U[k]
        for _ in range(steps):
            act = P @ u >= 0
            Bt = (P * np.where(act, 1.0, -1.0)[:, None]).T
            lo, hi = np.where(act, 0.0, -1.0), np.where(act, 1.0, 0.0)
            _, r = _node_bound(P, cp, Nt, Bt, lo, hi)
            rn = float(np.linalg.norm(r))
            if rn == 0:
                break
            v = float(h_values(Xh, ch, (r / rn)[None])[0])
            if v <= vals[k] * (1.0 + 1e-12):
                break
            vals[k], out[k], u = v, r / rn, r / rn
    return vals, out


def exact_dual_bound(
    X: np.ndarray,
    c: np.ndarray,
    threshold: float,
    max_nodes: int,
    *,
    deadline: float | None = None,
    patience: int | None = None,
    cutoff: float = math.inf,
):
    """(bound, [directions u with |h(u)| > threshold, best first], complete, exhausted) for
    h(u) = Σ_i c_i σ(u·x_i), by the search of :func:`price_exact` on +h and -h at level ``threshold``.

    ``bound`` >= sup_u |h(u)| always (a certified bound; where a search runs out of nodes or time, the
    smaller of its open nodes' bound and :func:`quadratic_bound`); complete: both searches finished, so that bound <= max(threshold, max |h| attained) up to
    rounding; exhausted: a search ran out of nodes or time (rather than stopping for ``patience`` or
    ``cutoff``), i.e. exact pricing is too expensive at this budget. deadline (time.perf_counter() value): the +h search gets half of the time left, the -h
    search the rest. patience: see :func:`_branch_and_bound`. cutoff: skip the -h search when the +h
    bound is already >= cutoff (the caller has a better bound; ``bound`` is then +inf: one side alone
    bounds nothing).
    """
    ups, cols, complete, exhausted = [], [], True, False
    for sign in (1.0, -1.0):
        dl = deadline
        if deadline is not None and sign > 0:
            dl = time.perf_counter() + max(deadline - time.perf_counter(), 0.0) / 2
        out = _branch_and_bound(X, sign * c, None, threshold, max_nodes, dl, patience)
        up = out["upper"]
        if out["exhausted"]:  # an interrupted search: the quadratic bound is often much tighter
            up = min(up, quadratic_bound(X, sign * c))
        ups.append(up)
        cols.extend(out["columns"])
        complete = complete and out["complete"]
        exhausted = exhausted or out["exhausted"]
        if sign > 0 and out["upper"] >= cutoff:
            ups, complete = [math.inf], False
            break
    cols.sort(key=lambda vw: -vw[0])
    return max(ups), [u for _, u in cols], complete, exhausted


# --------------------------------------------------------------------------------------------
# a quadratic (S-lemma) bound, for searches that cannot finish


def quadratic_bound(X: np.ndarray, c: np.ndarray, max_iter: int = 200, deadline: float | None = None) -> float:
    """A certified upper bound on sup_{|u| <= 1} h(u), h(u) = Σ_i c_i σ(u·x_i), from quadratic bounds
    on σ (cheap; loose by some percent where the branch and bound would need millions of nodes).

    With the rays merged (unit x_i, z_i = u·x_i in [-1, 1]): for c_i > 0 and any ρ_i > 0,
    σ(z) <= z/2 + z²/(4ρ_i) + ρ_i/4 for every z (|z| <= z²/(2ρ) + ρ/2); for c_j < 0 and any κ_j in
    [0, 1/2], β_j in [κ_j, 1 - κ_j], σ(z) >= κ_j z² + β_j z on [-1, 1]. So h(u) <= uᵀQu + w·u + e on the
    ball, and for every η > max(λ_max(Q), 0), weak duality of the trust-region problem gives
    sup_{|u| <= 1} (uᵀQu + w·u) <= wᵀ(ηI - Q)⁻¹w/4 + η. Any parameters give a valid bound; they are
    chosen by L-BFGS (``max_iter`` iterations; gradients by Danskin's theorem at the maximizer), and
    the bound is evaluated once more at the final parameters with a rounding slack of 1e-9 relative
    plus 1e-12 times the scale of the terms. Returns +inf where the evaluation is not trustworthy.
    """
    from scipy.optimize import minimize

    Xh, ch = merge_rays(X, c)
    if Xh.shape[0] == 0:
        return _ABS_ROUNDING
    pos = ch > 0
    P, cp, Nn, cn = Xh[pos], ch[pos], Xh[~pos], -ch[~pos]
    m, k = P.shape[0], Nn.shape[0]
    half_p = 0.5 * (cp @ P) if m else np.zeros(Xh.shape[1])

    def unpack(z):
        rho = np.exp(np.clip(z[:m], -30.0, 5.0))
        kap = 0.5 / (1.0 + np.exp(-np.clip(z[m : m + k], -30.0, 30.0)))
        sgm = 1.0 / (1.0 + np.exp(-np.clip(z[m + k :], -30.0, 30.0)))
        return rho, kap, sgm, kap + sgm * (1.0 - 2.0 * kap)

    def terms(z):
        rho, kap, sgm, beta = unpack(z)
        Q = (P.T * (cp / (4.0 * rho))) @ P - (Nn.T * (cn * kap)) @ Nn
        w = half_p - (cn * beta) @ Nn
        return Q, w, float(cp @ rho) / 4.0, (rho, kap, sgm)

    def value(z):
        Q, w, e, (rho, kap, sgm) = terms(z)
        g, u, _ = _trust_region(Q, w)
        zp, zn = P @ u, Nn @ u
        d_rho = (-cp * zp**2 / (4.0 * rho**2) + cp / 4.0) * rho
        d_kap = (-cn * zn**2 - cn * zn * (1.0 - 2.0 * sgm)) * kap * (1.0 - 2.0 * kap)
        d_sgm = (-cn * zn) * (1.0 - 2.0 * kap) * sgm * (1.0 - sgm)
        return g + e, np.concatenate([d_rho, d_kap, d_sgm])

    z0 = np.concatenate([np.full(m, math.log(0.35)), np.zeros(2 * k)])
    z = z0
    if max_iter > 0 and (deadline is None or time.perf_counter() < deadline):

        def stop(zk):
            if deadline is not None and time.perf_counter() > deadline:
                raise StopIteration

        try:
            z = minimize(value, z0, jac=True, method="L-BFGS-B", callback=stop, options={"maxiter": max_iter}).x
        except StopIteration:
            z = z0
    Q, w, e, _ = terms(z)
    g, _, slack = _trust_region(Q, w)
    if not math.isfinite(g + slack):
        return math.inf
    return (g + e + slack) * (1.0 + 1e-9) + 1e-12 * (float(np.abs(cp).sum() + np.abs(cn).sum()))


def quadratic_certificate(
    X: np.ndarray, y: np.ndarray, q0: np.ndarray, max_iter: int = 500, deadline: float | None = None, restarts: int = 3
):
    """(t_upper, q): a certified bound t* <= t_upper on the dual of γ_gl (t scale) and its dual weights.

    For any q in the simplex, t* <= sup_u |h_q(u)|, h_q(u) = Σ_i q_i y_i σ(u·x_i), and each of sup h_q,
    sup -h_q is bounded as in :func:`quadratic_bound`; the bound of either sign is convex in (q, its
    quadratic parameters) jointly, so their maximum is minimized over q and both parameter sets at
    once (L-BFGS on a smoothed maximum, q = softmax of logits, from ``q0``; ``restarts`` more runs from
    the last q with fresh parameters; all within ``deadline``). The returned bound is the smallest,
    over the runs, of the maximum of the two bounds at a run's final point, each evaluated with the rounding slack of
    :func:`quadratic_bound`: certified for that q whatever the optimizer did. Points x = 0 add nothing
    and are left out.
    """
    from scipy.optimize import minimize

    nrm = np.linalg.norm(X, axis=1)
    keep = nrm > 0
    Xu, nrm, y = X[keep] / nrm[keep, None], nrm[keep], y[keep]
    n = Xu.shape[0]
    if n == 0:
        return _ABS_ROUNDING, np.asarray(q0, dtype=np.float64)

    def side(theta, par, s):
        q = np.exp(theta - theta.max())
        q /= q.sum()
        c = s * q * y * nrm
        pos = s * y > 0
        rho = np.exp(np.clip(par[:n], -30.0, 5.0))
        kap = 0.5 / (1.0 + np.exp(-np.clip(par[n : 2 * n], -30.0, 30.0)))
        sgm = 1.0 / (1.0 + np.exp(-np.clip(par[2 * n :], -30.0, 30.0)))
        beta = kap + sgm * (1.0 - 2.0 * kap)
        cp, cn = np.where(pos, c, 0.0), np.where(pos, 0.0, -c)
        Q = (Xu.T * (cp / (4.0 * rho))) @ Xu - (Xu.T * (cn * kap)) @ Xu
        w = 0.5 * (cp @ Xu) - (cn * beta) @ Xu
        g, u, slack = _trust_region(Q, w)
        val = g + float(cp @ rho) / 4.0
        certified = (val + slack) * (1.0 + 1e-9) + 1e-12 * float(np.abs(c).sum())
        z = Xu @ u
        d_c = np.where(pos, z**2 / (4.0 * rho) + z / 2.0 + rho / 4.0, kap * z**2 + beta * z)
        d_q = d_c * s * y * nrm
        d_theta = q * (d_q - q @ d_q)
        d_rho = np.where(pos, (-cp * z**2 / (4.0 * rho**2) + cp / 4.0) * rho, 0.0)
        d_kap = np.where(pos, 0.0, (-cn * z**2 - cn * z * (1.0 - 2.0 * sgm)) * kap * (1.0 - 2.0 * kap))
        d_sgm = np.where(pos, 0.0, (-cn * z) * (1.0 - 2.0 * kap) * sgm * (1.0 - sgm))
        return val, certified, d_theta, np.concatenate([d_rho, d_kap, d_sgm])

    def objective(z):
        th, zp, zm = z[:n], z[n : 4 * n], z[4 * n :]
        a, _, ga, gpa = side(th, zp, 1.0)
        b, _, gb, gpb = side(th, zm, -1.0)
        m = max(a, b)
        tau = 1e-3 * max(abs(m), 1e-300)
        ea, eb = math.exp((a - m) / tau), math.exp((b - m) / tau)
        wa, wb = ea / (ea + eb), eb / (ea + eb)
        return m + tau * math.log(ea + eb), np.concatenate([wa * ga + wb * gb, wa * gpa, wb * gpb])

    q0 = np.asarray(q0, dtype=np.float64)[keep]
    q0 = q0 / q0.sum() if q0.sum() > 0 else np.full(n, 1.0 / n)
    par0 = np.concatenate([np.full(n, math.log(0.35)), np.zeros(2 * n)])
    theta = np.log(np.maximum(q0, 1e-12))
    best_bound, best_theta = math.inf, theta
    for _ in range(restarts + 1):  # the smoothed maximum is still kinky: restarting the parameters helps
        z = np.concatenate([theta, par0, par0])
        if max_iter > 0 and (deadline is None or time.perf_counter() < deadline):
            last = {"z": z}

            def stop(zk):
                last["z"] = zk.copy()
                if deadline is not None and time.perf_counter() > deadline:
                    raise StopIteration

            try:
                z = minimize(objective, z, jac=True, method="L-BFGS-B", callback=stop, options={"maxiter": max_iter}).x
            except StopIteration:
                z = last["z"]
        theta = z[:n]
        bound = max(side(theta, z[n : 4 * n], 1.0)[1], side(theta, z[4 * n :], -1.0)[1])
        if bound < best_bound:
            best_bound, best_theta = bound, theta
        if deadline is not None and time.perf_counter() > deadline:
            break
    q = np.zeros(keep.size)
    ex = np.exp(best_theta - best_theta.max())
    q[keep] = ex / ex.sum()
    return (best_bound if math.isfinite(best_bound) else math.inf), q


def _trust_region(Q: np.ndarray, w: np.ndarray):
    """(g(η), maximizer, rounding slack) for max_{|u| <= 1} uᵀQu + w·u: g(η) = wᵀ(ηI - Q)⁻¹w/4 + η is an
    upper bound for every η > max(λ_max(Q), 0); η is chosen by Newton's method on 1/|u(η)| = 1 (Moré and
    Sorensen), kept away from
    λ_max (relative 1e-7) so that the evaluation is well conditioned."""
    e, V = np.linalg.eigh(Q)
    wt = V.T @ w
    scale = float(np.abs(e).max() + np.linalg.norm(w) + 1e-300)
    base = max(float(e[-1]), 0.0) + 1e-7 * scale
    a = wt**2 / 4.0
    eta = base
    for _ in range(30):  # Newton on ψ(η) = 1/|u(η)| (concave, increasing): monotone from the left
        gap = eta - e
        n2 = float(np.sum(a / gap**2))
        if n2 <= 1.0 + 1e-12:  # |u| <= 1: the root is here (or, at η = base, the maximizer is interior)
            break
        psi, dpsi = n2**-0.5, n2**-1.5 * float(np.sum(a / gap**3))
        eta += (1.0 - psi) / dpsi
    gap = eta - e
    g = float(np.sum(wt**2 / (4.0 * gap)) + eta)
    u = V @ (wt / (2.0 * gap))
    # eigh's backward error (|E| ~ 1e-15 |Q|) moves each term by about its square times |E|
    slack = 1e-13 * scale * (1.0 + float(np.sum(wt**2 / (4.0 * gap**2))))
    return g, u, slack


# --------------------------------------------------------------------------------------------
# exact candidate sets in dimension <= 3


def low_dim_candidates(X: np.ndarray, c: np.ndarray, max_vertices: int = 20000) -> np.ndarray | None:
    """For d <= 3: a finite set of unit directions containing a maximizer of h(u) over the sphere (see
    :func:`_circle_candidates` and :func:`_sphere_candidates`); None if d > 3 or the enumeration is too large."""
    d = X.shape[1]
    Xh, ch = merge_rays(X, c)
    if d > 3:
        return None
    if Xh.shape[0] == 0 or d == 1:
        return np.vstack([np.eye(d), -np.eye(d)])
    return _circle_candidates(Xh, ch) if d == 2 else _sphere_candidates(Xh, ch, max_vertices)


def _sphere_candidates(Xh: np.ndarray, ch: np.ndarray, max_vertices: int) -> np.ndarray | None:
    """Points of the unit sphere in R^3 among which h(u) attains its maximum (unit x_i).

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
        Pl = Xh @ basis.T
        pn = np.linalg.norm(Pl, axis=1)
        on = pn > 1e-12
        if on.any():
            cand.append(_circle_candidates(Pl[on] / pn[on, None], ch[on] * pn[on]) @ basis)
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
    """Points of the unit circle among which h(u) attains its maximum (unit x_i in R^2): the zeros ±x_i^⊥
    of the u·x_i, and s_A/|s_A| for each arc between consecutive zeros whose own s_A = Σ_{i active on the
    arc} c_i x_i points into the arc."""
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
# heuristic candidates and entering columns


def heuristic_candidates(
    X: np.ndarray,
    c: np.ndarray,
    pool: np.ndarray,
    support: np.ndarray,
    rng: np.random.Generator,
    n_random: int = 64,
    n_pool: int = 64,
    n_polish: int = 8,
) -> np.ndarray:
    """Candidate directions for max |h|: the whole ``pool`` and the end points of the fixed-point ascent
    of +h and -h started from the best pool directions, the current measure's support, the data
    directions with c_i != 0 and random directions (each start and its negative), the ``n_polish`` best
    ascent end points after :func:`polish`, and for d <= 3 the exact candidate sets of
    :func:`low_dim_candidates`."""
    starts = np.vstack(
        [
            pool[np.argsort(-np.abs(h_values(X, c, pool)))[:n_pool]] if pool.shape[0] else pool,
            support,
            unit_rows(X[c != 0]),
            unit_rows(rng.standard_normal((n_random, X.shape[1]))),
        ]
    )
    starts = np.vstack([starts, -starts])
    exact = [low_dim_candidates(X, sign * c) for sign in (1.0, -1.0)] if X.shape[1] <= 3 else []
    ascents = []
    for sign in (1.0, -1.0):
        vals, dirs = price_heuristic(X, sign * c, starts)
        top = dirs[np.argsort(-vals)[:n_polish]]
        ascents += [dirs, polish(X, sign * c, top)[1]]
    return np.vstack([pool] + ascents + [e for e in exact if e is not None])


def entering_columns(X: np.ndarray, c: np.ndarray, cand: np.ndarray, threshold: float, k: int) -> np.ndarray:
    """Up to k distinct candidates with |h(u)| > threshold, best first."""
    price = np.abs(h_values(X, c, cand))
    out = []
    for i in np.argsort(-price):
        if price[i] <= threshold or len(out) >= k:
            break
        if all(np.abs(cand[i] - v).max() > 1e-9 for v in out):
            out.append(cand[i])
    return np.array(out).reshape(-1, X.shape[1])
