"""NTK margin γ_ntk (the paper's sup-norm transport on the inner layer; docs/science.md, "NTK margin"), by Monte Carlo.

Conventions (stated once, here; all arithmetic in float64):

- γ_ntk = max over maps θ with ||θ(v)|| <= 1 of min_i y_i E_{v~N(0,I_d)} <θ(v), x_i 1[v·x_i >= 0]>
        = min_{q in Δ_n} E_v || Σ_i q_i y_i x_i 1[v·x_i >= 0] ||          (minimax).
- Sampled problem: M directions v_1..v_M (i.i.d. N(0, I_d) from ``numpy.random.default_rng(seed)``,
  or given), A_k the d x n matrix with columns y_i x_i 1[v_k·x_i >= 0], and
  F(q) = (1/M) Σ_k ||A_k q||, value F* = min_{q in Δ} F(q). F is convex and 1-homogeneous.
- Bracket of F*: any q gives F* <= F(q) (upper). Any θ with ||θ_k|| <= 1 gives
  F* >= min_i (1/M) Σ_k <θ_k, y_i x_i 1[v_k·x_i >= 0]> (lower; weak duality of the max form), e.g.
  θ_k = A_k q / ||A_k q|| (the Frank-Wolfe bound of F at q) or its smoothed version used by the
  solver. Best bounds over all iterates are kept; the solver stops at (upper - lower) <= tol · upper,
  else reports 'iteration_limit'.
- Monte Carlo: the bracket is for the sampled problem; ``mc_stderr`` = std_k ||A_k q|| / sqrt(M) at
  the final q estimates the sampling error of F(q) as an estimate of E_v ||...||.
- Under these conventions γ_ntk <= γ_ntk,2 (Jensen: E||Z|| <= sqrt(E||Z||²) = sqrt(qᵀHq)).

Solver: accelerated projected gradient (sort-based simplex projection, backtracking, adaptive restart)
on the Huber smoothing of F with a decreasing smoothing level (see :func:`_apg_simplex`): F has kinks
where some A_k q vanishes, the minimizer often sits on one, and the smoothing makes the θ bound tight
there too; a small LP then frees θ on the directions at a kink (:func:`_kink_lower_bound`). Identical
points are merged first, and directions with identical masks 1[v_k·x_i >= 0] are merged with
multiplicities (both exact). Small problems in low dimension with strong kinks (e.g. n = 30, d = 3)
can still end at the iteration limit with a bracket ~1e-3 wide: the status says so.

Parity population (:func:`ntk_margin_parity_cube`): on the full cube {±1/√d}^d with k-sparse parity
labels y = Π_{i∈S} sign(x_i), the sign flips x -> Dx (D diagonal, entries ±1) permute the points
transitively, map y to χ_S(D)·y (χ_S(D) = Π_{i∈S} D_ii) and preserve N(0, I_d); hence
F(D·q) = F(q) (substitute x = Dx', then ||χ_S(D) D Z|| = ||Z|| and Dv ~ v), F is convex, so averaging
q over the group gives the uniform q with F(uniform) <= F(q): the uniform q is optimal and
γ_ntk = E_v ||Z(v)||, Z(v) = 2^-d Σ_x y(x) x 1[v·x >= 0]. The same holds for any sample of directions
closed under sign flips, and ||Z(Dv)|| = ||Z(v)||, so the mean of ||Z(v_k)|| over M sampled v_k is
exactly the value of the sampled problem on their sign-flip orbits: the bracket is [value, value] and
the only errors are Monte-Carlo ones. Z(v) itself is computed exactly (:func:`parity_gated_means`),
either by enumerating the 2^d points or, without enumerating them, by a meet-in-the-middle count over
two halves of the coordinates; so the only Monte-Carlo level is the one over the directions v.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from scipy.optimize import linprog

from ..data import validate_xy
from .bracket import (
    ITERATION_LIMIT,
    OPTIMAL,
    Bracket,
    as_float64,
    merge_duplicates,
    project_simplex,
    spread_weights,
    to_numpy,
)


@dataclass
class NTKMarginResult(Bracket):
    """γ_ntk of the sampled problem with its bracket and Monte-Carlo error.

    value = upper = F(q) at the returned q; lower: the θ bound; gap = upper - lower;
    mc_stderr: std_k ||A_k q|| / sqrt(M); q: weights on the input points; iterations;
    num_directions: M.
    """

    mc_stderr: float
    gap: float
    q: np.ndarray
    iterations: int
    num_directions: int


def gaussian_directions(d: int, num_directions: int, seed: int) -> np.ndarray:
    """The M sampled directions v_k ~ N(0, I_d): ``numpy.random.default_rng(seed).standard_normal((M, d))``."""
    if num_directions < 2:
        raise ValueError(f"num_directions must be at least 2 (for a standard error), got {num_directions}")
    return np.random.default_rng(seed).standard_normal((num_directions, d))


class _GatedFeatures:
    """The linear maps q -> (A_k q)_k (an (M', d) array) and its adjoint, for A_k = [y_i x_i 1[v_k·x_i >= 0]]_i.

    When the (M, n) 0/1 mask has at most ``max_entries`` entries it is kept in memory with identical
    rows merged (directions with the same mask have the same A_k; ``w`` counts them, Σ w = M), else it
    is rebuilt in chunks of directions at every use (w = 1).
    """

    def __init__(self, X: torch.Tensor, y: torch.Tensor, V: torch.Tensor, max_entries: int = 2**25):
        self.X, self.YX, self.V = X, y.unsqueeze(-1) * X, V
        self.M = V.shape[0]
        self.chunk = max(1, max_entries // max(1, X.shape[0]))
        if self.chunk >= self.M:
            self.mask, counts = torch.unique(self._mask(V), dim=0, return_counts=True)
            self.w = counts.to(X.dtype)
        else:
            self.mask, self.w = None, torch.ones(self.M, dtype=X.dtype, device=X.device)

    def _mask(self, Vc):
        return (Vc @ self.X.T >= 0).to(self.X.dtype)

    def _chunks(self):
        if self.mask is not None:
            yield slice(0, self.mask.shape[0]), self.mask
        else:
            for s in range(0, self.M, self.chunk):
                sl = slice(s, min(s + self.chunk, self.M))
                yield sl, self._mask(self.V[sl])

    def apply(self, q: torch.Tensor) -> torch.Tensor:
        W = q.unsqueeze(-1) * self.YX
        return torch.cat([m @ W for _, m in self._chunks()])

    def adjoint(self, T: torch.Tensor) -> torch.Tensor:
        """Σ_k <T_k, y_i x_i 1[v_k·x_i >= 0]> for each i."""
        acc = torch.zeros_like(self.YX)
        for sl, m in self._chunks():
            acc += m.T @ T[sl]
        return (acc * self.YX).sum(-1)

    def oracle(self, q: torch.Tensor, mu: float):
        """At q: F(q), the Huber-smoothed F_mu(q) = (1/M) Σ_k h_mu(||A_k q||) (h_mu(r) = r²/(2mu) for
        r <= mu, r - mu/2 beyond), its gradient (1/M) Σ_k A_kᵀ θ_k with θ_k = A_k q / max(||A_k q||, mu)
        (a feasible θ: ||θ_k|| <= 1), and the norms ||A_k q||."""
        Z = self.apply(q)
        r = Z.norm(dim=-1)
        theta = Z / torch.where(r > mu, r, torch.full_like(r, mu) if mu > 0 else torch.ones_like(r)).unsqueeze(-1)
        h = torch.where(r <= mu, r * r / (2.0 * mu), r - 0.5 * mu) if mu > 0 else r
        return (
            float(self.w @ r) / self.M,
            float(self.w @ h) / self.M,
            self.adjoint(self.w.unsqueeze(-1) * theta) / self.M,
            r,
        )

    def stderr(self, r: torch.Tensor) -> float:
        """Standard error of the mean of ||A_k q|| over the M directions (r: the merged norms)."""
        mean = float(self.w @ r) / self.M
        return math.sqrt(float(self.w @ (r - mean) ** 2) / (self.M - 1) / self.M)


def ntk_margin(
    X,
    y,
    *,
    num_directions: int = 2000,
    seed: int = 0,
    directions=None,
    tol: float = 1e-4,
    max_iter: int = 3000,
    device="cpu",
) -> NTKMarginResult:
    """γ_ntk of (X, y) (||x|| <= 1, y in {-1, +1}) over M sampled directions; see the module docstring.

    directions: an (M, d) array of v_k to use instead of sampling ``num_directions`` with ``seed``.
    tol: relative width of the bracket to stop at; max_iter: accelerated-gradient iterations.
    """
    X, y = validate_xy(to_numpy(X), to_numpy(y), name="ntk_margin")
    if not tol > 0:
        raise ValueError(f"ntk_margin: tol must be positive, got {tol}")
    V = (
        gaussian_directions(X.shape[1], num_directions, seed)
        if directions is None
        else np.asarray(directions, dtype=np.float64)
    )
    if V.ndim != 2 or V.shape[1] != X.shape[1] or V.shape[0] < 2:
        raise ValueError(f"ntk_margin: directions must be (M >= 2, d={X.shape[1]}), got shape {V.shape}")
    Xu, yu, inverse, counts = merge_duplicates(X, y)
    op = _GatedFeatures(as_float64(Xu, device), as_float64(yu, device), as_float64(V, device))
    q, up, lo, it, converged, r = _apg_simplex(op, Xu.shape[0], tol=tol, max_iter=max_iter)
    return NTKMarginResult(
        value=up,
        lower=lo,
        upper=up,
        status=OPTIMAL if converged else ITERATION_LIMIT,
        mc_stderr=op.stderr(r),
        gap=up - lo,
        q=spread_weights(q.cpu().numpy(), inverse, counts),
        iterations=it,
        num_directions=V.shape[0],
    )


def _apg_simplex(op: _GatedFeatures, n: int, *, tol: float, max_iter: int):
    """Minimize F over the simplex, keeping the best certified bounds.

    F has kinks where some A_k q vanishes, and the minimizer often sits on one; there the normalized θ
    is not optimal and its bound is loose. So the method minimizes the Huber smoothing F_mu
    (F - mu/2 <= F_mu <= F) by FISTA with backtracking and adaptive restart, and lowers mu fivefold
    whenever the smoothed Frank-Wolfe gap falls below mu/4. At the minimizer of F_mu the bound from
    θ_k = A_k q / max(||A_k q||, mu) is within mu/2 of F, kinks included. Each time mu is lowered
    (and at the end) :func:`_kink_lower_bound` frees θ on the directions near a kink, which usually
    closes the bracket at once.
    Returns (q, upper, lower, iterations, converged, norms ||A_k q|| at q).
    """
    dev, dt = op.X.device, op.X.dtype
    q = torch.full((n,), 1.0 / n, dtype=dt, device=dev)
    f, _, g, r = op.oracle(q, 0.0)
    mu = 0.1 * f
    best_q, best_up, best_r, best_lo = q, f, r, float(g.min())
    f_q = op.oracle(q, mu)[1]
    q_prev, t, L = q, 1.0, max(float(g.norm()), 1e-12) / max(mu, 1e-300)
    it = 0
    while best_up - best_lo > tol * best_up and it < max_iter:
        it += 1
        t_new = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * t * t))
        yv = q + ((t - 1.0) / t_new) * (q - q_prev)
        _, fm_y, g_y, _ = op.oracle(yv, mu)
        best_lo = max(best_lo, float(g_y.min()))  # a feasible θ at any point (even off the simplex)
        for _ in range(60):  # backtracking: F_mu(qn) <= F_mu(y) + <g, qn - y> + L/2 |qn - y|²
            qn = project_simplex(yv - g_y / L)
            fn, fm_n, gn, rn = op.oracle(qn, mu)
            dq = qn - yv
            if fm_n <= fm_y + float(g_y @ dq) + 0.5 * L * float(dq @ dq) + 1e-14 * abs(fm_y):
                break
            L *= 2.0
        best_lo = max(best_lo, float(gn.min()))
        if fn < best_up:
            best_q, best_up, best_r = qn, fn, rn
        if fm_n > f_q or float(g_y @ (qn - q)) > 0:  # restart the momentum
            t, q_prev = 1.0, qn
        else:
            t, q_prev = t_new, q
        q, f_q = qn, fm_n
        L *= 0.95
        if float(gn @ qn - gn.min()) <= 0.25 * mu and best_up - best_lo > tol * best_up:
            # this smoothing level is solved: once mu is small, try the kink bound; then sharpen mu
            if mu <= 1e-2 * best_up:
                best_lo = max(best_lo, _kink_lower_bound(op, best_r, op.apply(best_q), 4.0 * mu))
            mu *= 0.2
            f_q = op.oracle(q, mu)[1]
            t, q_prev = 1.0, q
    if best_up - best_lo > tol * best_up:
        best_lo = max(best_lo, _kink_lower_bound(op, best_r, op.apply(best_q), 4.0 * mu))
    return best_q, best_up, best_lo, it, best_up - best_lo <= tol * best_up, best_r


def _kink_lower_bound(
    op: _GatedFeatures, r: torch.Tensor, Z: torch.Tensor, threshold: float, max_dirs: int = 400, rounds: int = 30
) -> float:
    """A lower bound of F* that frees θ_k on the near-kink directions K0 = {k : ||A_k q|| <= threshold}.

    On the other directions θ_k = A_k q / ||A_k q|| is kept (c_i collects their part of g_i). On K0,
    θ_k ranges over the convex hull of unit generators (and 0), a subset of the unit ball, so every
    bound found is valid; the LP max_{s, λ} s s.t. s <= c_i + Σ_k Σ_j λ_kj <g_kj, b_ki>, Σ_j λ_kj <= 1,
    λ >= 0 (b_ki = (w_k/M) 1[v_k·x_i >= 0] y_i x_i) is solved by HiGHS with column generation: the
    best new generator for k is u_k/||u_k||, u_k = Σ_i q_i b_ki at the LP dual q, and it enters when
    ||u_k|| exceeds the dual π_k of k's row. -inf when not applicable (mask not in memory, nothing near
    a kink, more than ``max_dirs`` merged directions there, or more than 2^23 entries in b).
    """
    if op.mask is None:
        return -math.inf
    K0 = torch.nonzero(r <= threshold).flatten()
    n, d = op.YX.shape
    nk = K0.numel()
    if nk == 0 or nk > max_dirs or nk * n * d > 2**23:
        return -math.inf
    keep = torch.ones_like(r)
    keep[K0] = 0.0
    theta = Z / torch.where(r > 0, r, torch.ones_like(r)).unsqueeze(-1)
    c = (op.adjoint((op.w * keep).unsqueeze(-1) * theta) / op.M).cpu().numpy()
    b = (((op.w[K0] / op.M).unsqueeze(-1) * op.mask[K0]).unsqueeze(-1) * op.YX.unsqueeze(0)).cpu().numpy()  # (nk, n, d)
    gens = [
        np.vstack([np.eye(d), -np.eye(d)] + ([theta[k].cpu().numpy()[None]] if r[k] > 0 else [])) for k in K0.tolist()
    ]
    best = -math.inf
    for _ in range(rounds):
        owner = np.concatenate([np.full(len(g), j) for j, g in enumerate(gens)])
        G = np.vstack(gens)  # (ncols, d)
        contrib = np.einsum("cnd,cd->nc", b[owner], G)  # <g_c, b_{owner(c), i}>
        A_ub = np.vstack(
            [
                np.hstack([-contrib, np.ones((n, 1))]),
                np.hstack([(owner[None, :] == np.arange(nk)[:, None]).astype(float), np.zeros((nk, 1))]),
            ]
        )
        b_ub = np.concatenate([c, np.ones(nk)])
        cost = np.zeros(G.shape[0] + 1)
        cost[-1] = -1.0
        res = linprog(cost, A_ub=A_ub, b_ub=b_ub, bounds=[(0, None)] * G.shape[0] + [(None, None)], method="highs")
        if res.status != 0:
            return best
        lam = res.x[:-1]
        th = np.zeros((nk, d))
        np.add.at(th, owner, lam[:, None] * G)
        th /= np.maximum(np.linalg.norm(th, axis=1), 1.0)[:, None]
        best = max(best, float(np.min(c + np.einsum("knd,kd->n", b, th))))
        qd = np.maximum(-res.ineqlin.marginals[:n], 0.0)
        pi = np.maximum(-res.ineqlin.marginals[n:], 0.0)
        u = np.einsum("n,knd->kd", qd, b)
        un = np.linalg.norm(u, axis=1)
        enter = np.flatnonzero(un > pi * (1.0 + 1e-9) + 1e-15)
        if enter.size == 0:
            return best
        for k in enter:
            gens[k] = np.vstack([gens[k], u[k] / un[k]])
    return best


PARITY_METHODS = ("auto", "enumerate", "fourier")
MAX_ENUMERATE_DIM = 24  # 2^24 cube points
MAX_FOURIER_DIM = 40  # 2^20 partial sums per half
MAX_Q_POINTS = 2**16  # the uniform q is returned as an array up to this many points


@dataclass
class ParityNTKResult(NTKMarginResult):
    """Population γ_ntk of k-sparse parity on the cube (:func:`ntk_margin_parity_cube`).

    value = lower = upper = mean_k ||Z(v_k)|| (exact for the sampled problem on the sign-flip orbits
    of the v_k, see the module docstring); gap = 0; iterations = 0.
    mc_stderr: total Monte-Carlo standard error of value as an estimate of E_v ||Z(v)||, the
    root-sum-square of its two levels: ``mc_stderr_directions`` = std_k ||Z(v_k)|| / sqrt(M) (ddof 1)
    and ``mc_stderr_points`` (the cube's points; 0 for both methods here, which compute Z(v) exactly).
    method: 'cube_enumerated' or 'fourier_exact'; points: 2^d, the cube points accounted for.
    q: the optimal (uniform) weights 2^-d as an array when 2^d <= MAX_Q_POINTS (2^16), else None.
    """

    mc_stderr_directions: float
    mc_stderr_points: float
    method: str
    points: int


def _sign_patterns(n: int) -> np.ndarray:
    """All 2^n sign vectors as a (2^n, n) float64 array; row r has entry j = -1 if bit j of r is set,
    else +1 (the order of :func:`lowrot.data.hypercube`)."""
    r = np.arange(2**n, dtype=np.int64)[:, None]
    return 1.0 - 2.0 * ((r >> np.arange(n, dtype=np.int64)[None, :]) & 1)


def _check_parity_args(V: np.ndarray, coords, method: str) -> tuple[int, tuple[int, ...]]:
    """(d, coords) for parity_gated_means, with errors that name the argument and what is allowed."""
    if V.ndim != 2 or V.shape[1] < 1:
        raise ValueError(f"parity_gated_means: directions must be an (M, d) array with d >= 1, got shape {V.shape}")
    d = V.shape[1]
    coords = tuple(int(c) for c in coords)
    if not coords or len(set(coords)) != len(coords) or min(coords) < 0 or max(coords) >= d:
        raise ValueError(f"parity_gated_means: coords must be distinct integers in [0, d={d}), at least one, got {coords}")
    limits = {"enumerate": MAX_ENUMERATE_DIM, "fourier": MAX_FOURIER_DIM}
    if method not in limits:
        raise ValueError(f"parity_gated_means: method must be 'enumerate' or 'fourier', got {method!r}")
    if d > limits[method]:
        raise ValueError(f"parity_gated_means: method={method!r} needs d <= {limits[method]}, got d={d}")
    return d, coords


def parity_gated_means(directions, coords=(0, 1), *, method: str = "fourier", chunk_size: int | None = None, device="cpu") -> np.ndarray:
    """Z(v_k) = 2^-d Σ_x y(x) x 1[v_k·x >= 0] over the cube {±1/√d}^d, y = Π_{i∈coords} sign(x_i),
    for each row v_k of ``directions`` (an (M, d) array); returns an (M, d) float64 array.

    With s = √d x in {±1}^d, 2^d √d Z_j(v) = Σ_s y(s) s_j 1[v·s >= 0], an integer, and both methods
    compute that integer exactly (float64 holds integers up to 2^53 exactly, in any summation order);
    the only rounding is in the sign of v·s, which decides 1[v·s >= 0] differently from exact
    arithmetic only when |v·s| is within a few ulps of 0 (probability ~0 for Gaussian v).

    - ``'enumerate'``: the (chunk x 2^d) 0/1 mask 1[v·s >= 0] times the (2^d x d) matrix of y(s) s
      (torch, on ``device``); O(M 2^d d) time.
    - ``'fourier'``: Z_j(v) is the Fourier coefficient of the halfspace 1[v·s >= 0] at S Δ {j}, computed
      without enumerating the cube (numpy, CPU): split the coordinates into halves P1 = {0..h-1}
      (h = ceil(d/2)) and P2 = the rest, with partial sums a = v_P1·s_P1, b = v_P2·s_P2 (2^h and
      2^(d-h) values) and weights w1 = χ_{S∩P1}(s_P1), w2 = χ_{S∩P2}(s_P2) (y = w1 w2). Then
      for j in P1: Σ_s y s_j 1[a + b >= 0] = Σ_{s_P1} w1 s_j W1(s_P1), W1(s_P1) = Σ_{s_P2: b >= -a} w2,
      and symmetrically for j in P2. W1 is a suffix sum of w2 over the sorted b, looked up by binary
      search at -a (and W2 likewise), so the cost is O(M 2^(d/2) d) and the active set is exactly
      {a + b >= 0} on the computed partial sums in both halves. ``chunk_size`` directions at a time;
      memory O(2^(d/2) d) (the sign patterns of each half: about 0.35 GB at d = 40).
    """
    V = np.asarray(directions, dtype=np.float64)
    d, S = _check_parity_args(V, coords, method)
    scale = 1.0 / (2.0**d * math.sqrt(d))
    if method == "enumerate":
        P = as_float64(_sign_patterns(d), device)
        YS = P[:, list(S)].prod(-1, keepdim=True) * P
        Vt = as_float64(V, device)
        chunk = chunk_size or max(1, 2**22 // P.shape[0])
        Z = torch.cat([(Vt[s : s + chunk] @ P.T >= 0).to(P.dtype) @ YS for s in range(0, V.shape[0], chunk)])
        return Z.cpu().numpy() * scale
    h = (d + 1) // 2
    p1, p2 = _sign_patterns(h), _sign_patterns(d - h)
    w1 = np.prod(p1[:, [j for j in S if j < h]], axis=1)  # empty product = 1
    w2 = np.prod(p2[:, [j - h for j in S if j >= h]], axis=1)
    Z = np.empty_like(V)
    chunk = chunk_size or max(1, 2**21 // p1.shape[0])
    for s0 in range(0, V.shape[0], chunk):
        Vc = V[s0 : s0 + chunk]
        A, B = Vc[:, :h] @ p1.T, Vc[:, h:] @ p2.T
        W1, W2 = np.empty_like(A), np.empty_like(B)
        for i in range(Vc.shape[0]):
            W1[i], W2[i] = _pair_counts(A[i], B[i], w1, w2)
        Z[s0 : s0 + chunk, :h] = (W1 * w1) @ p1
        Z[s0 : s0 + chunk, h:] = (W2 * w2) @ p2
    return Z * scale


def _pair_counts(a: np.ndarray, b: np.ndarray, wa: np.ndarray, wb: np.ndarray):
    """(Wa, Wb) with Wa_r = Σ_{t: b_t >= -a_r} wb_t and Wb_t = Σ_{r: a_r >= -b_t} wa_r (both count the
    pairs with a_r + b_t >= 0; -x is exact in floating point, so the two agree on every pair)."""
    oa, ob = np.argsort(a), np.argsort(b)
    a_s, b_s = a[oa], b[ob]
    suffix_b = np.append(np.cumsum(wb[ob][::-1])[::-1], 0.0)  # suffix_b[i] = Σ_{i' >= i} wb (sorted)
    suffix_a = np.append(np.cumsum(wa[oa][::-1])[::-1], 0.0)
    Wa, Wb = np.empty_like(a), np.empty_like(b)
    # queries -a in increasing order (numpy's binary search is fastest on sorted keys)
    Wa[oa[::-1]] = suffix_b[np.searchsorted(b_s, -a_s[::-1], side="left")]
    Wb[ob[::-1]] = suffix_a[np.searchsorted(a_s, -b_s[::-1], side="left")]
    return Wa, Wb


def ntk_margin_parity_cube(
    d: int,
    coords=(0, 1),
    *,
    num_directions: int = 20000,
    seed: int = 0,
    directions=None,
    device="cpu",
    chunk_size: int | None = None,
    method: str = "auto",
    max_enumerated_points: int = 2**10,
) -> ParityNTKResult:
    """Population γ_ntk of k-sparse parity (labels on ``coords``) on the full cube {±1/√d}^d.

    The uniform q is optimal (symmetry, see the module docstring), so γ_ntk = E_v ||Z(v)|| and only
    the expectation over v is estimated: value = mean_k ||Z(v_k)|| with Z computed exactly by
    :func:`parity_gated_means`; the bracket [value, value] is exact for the sampled problem whose
    directions are the sign-flip orbits {D v_k}; ``mc_stderr`` is the Monte-Carlo error of value as
    an estimate of the population γ_ntk (directions only: the cube's points are not sampled, so
    ``mc_stderr_points`` = 0). Directions come from :func:`gaussian_directions` (same seed -> same v
    as ntk_margin) unless given.

    method: 'enumerate' (all 2^d points, d <= 24), 'fourier' (meet in the middle, d <= 40) or 'auto'
    (enumerate when 2^d <= ``max_enumerated_points``, else fourier; both give the same Z up to the
    rounding of v·x). ``chunk_size`` directions at a time bound the memory (default: about 32 MB).
    """
    if method not in PARITY_METHODS:
        raise ValueError(f"ntk_margin_parity_cube: method must be one of {PARITY_METHODS}, got {method!r}")
    if not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError(f"ntk_margin_parity_cube: d must be a positive integer, got {d!r}")
    d = int(d)
    V = gaussian_directions(d, num_directions, seed) if directions is None else np.asarray(directions, dtype=np.float64)
    if V.ndim != 2 or V.shape[0] < 2 or V.shape[1] != d:
        raise ValueError(f"ntk_margin_parity_cube: directions must be (M >= 2, d={d}), got shape {V.shape}")
    if method == "auto":
        method = "enumerate" if d <= MAX_ENUMERATE_DIM and 2**d <= max_enumerated_points else "fourier"
    Z = parity_gated_means(V, coords, method=method, chunk_size=chunk_size, device=device)
    r = np.linalg.norm(Z, axis=1)
    value = float(r.mean())
    se_dir = float(r.std(ddof=1) / math.sqrt(r.size))
    se_pts = 0.0
    return ParityNTKResult(
        value=value,
        lower=value,
        upper=value,
        status=OPTIMAL,
        mc_stderr=math.hypot(se_dir, se_pts),
        gap=0.0,
        q=np.full(2**d, 2.0**-d) if 2**d <= MAX_Q_POINTS else None,
        iterations=0,
        num_directions=V.shape[0],
        mc_stderr_directions=se_dir,
        mc_stderr_points=se_pts,
        method="cube_enumerated" if method == "enumerate" else "fourier_exact",
        points=2**d,
    )
