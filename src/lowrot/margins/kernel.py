"""Kernel NTK margin γ_ntk,2 (docs/science.md, L2 transport) and the hard-margin NTK kernel machine.

Conventions (stated once, here; all arithmetic in float64):

- Kernel: K(x, x') = <x, x'> (π - ϑ) / (2π), ϑ the angle between x and x', computed as
  ϑ = atan2( sqrt(max(|x|²|x'|² - <x,x'>², 0)), <x, x'> ) (never acos). Values of
  |x|²|x'|² - <x,x'>² below 8·eps·|x|²|x'|² are rounding noise and are set to 0, so K(x, x) = |x|²/2
  exactly. A zero vector has K = 0 with everything. K is the NTK of the inner layer of a ReLU
  network, E_v[<x, x'> 1[v·x >= 0] 1[v·x' >= 0]] with v ~ N(0, I_d); it is positive semidefinite.
- Margin: γ_ntk,2 = sqrt( min_{q in Δ_n} qᵀ H q ), H = yyᵀ ∘ K. This is the squared-distance form of
  the hard-margin kernel SVM without bias: the minimizer q gives the kernel machine
  x -> sign(Σ_i q_i y_i K(x_i, x)).
- Certificate: for the convex QP f(q) = qᵀHq over the simplex, any feasible q gives
  f* <= f(q) (upper) and f* >= 2 min_i (Hq)_i - qᵀHq (lower; the Frank-Wolfe bound
  f(q) + min_s <∇f(q), s - q> with ∇f = 2Hq). Both are computed in floating point, so each end is
  widened by a bound on its rounding error, err = 8·n·eps·max_ij |H_ij| (n points: every (Hq)_i is a
  length-n dot product with weights summing to 1, |error| <= γ_n max|H|, and f, the minimum and the
  projection onto the simplex each add at most as much again): qp_upper = f(q) + err,
  qp_lower = 2 min(Hq) - f(q) - err, so the bracket is certified and never inverted. The solver stops
  (status 'optimal') when the certified width qp_upper - qp_lower <= max(tol · qp_upper, 4·err): the
  floor 4·err is what rounding leaves at the exact optimum, so whether it stops is never decided by
  rounding noise (tol = 0 asks for the floor). Else status is 'iteration_limit'. The bracket of
  γ_ntk,2 is [sqrt(max(qp_lower, 0)), sqrt(qp_upper)] -- the QP lower bound is clipped at 0 before
  the square root.

Solver: identical points are merged first (exact). The kernel matrix is built in row blocks of its
upper triangle and mirrored (exactly symmetric). Each problem is then solved directly: block
principal pivoting on the LCP form of the QP, with one Cholesky factorization of H + δI
(δ = 1e-9·max_i H_ii, a regularization that keeps the face systems well posed when H is numerically
singular; every point is certified against H itself) over all points, faces changed by Schur
complements on the few dropped points (:func:`_direct_active_set`). Where that does not reach the
tolerance (or ``polish`` is off), accelerated projected gradient takes over from the best point
(FISTA with the sort-based simplex projection, step 1/L with L from power iteration and a curvature
check that doubles L when violated, gradient-based adaptive restart), batched over problems of one
shape, on CPU or CUDA; periodically an active-set polish solves the equality-constrained QP on the
current support (Cholesky of H_SS; drop negative weights, add points with (Hq)_i below qᵀHq,
repeat). Every candidate point is only accepted through its certified bounds. Cost at n distinct
points: the factorization, n³/3 flops (LAPACK on the CPU), and memory for two n x n float64 matrices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from scipy.linalg import lapack as _lapack

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

_EPS = float(np.finfo(np.float64).eps)
_SHIFT = 1e-9  # the direct solve's regularization δ, relative to max_i H_ii (see _direct_active_set)
_USE_LAPACK = True  # CPU factorizations through scipy's LAPACK (False: torch's, as on other devices)


# --------------------------------------------------------------------------------------------
# the kernel


def _ntk_kernel_t(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """K for float64 tensors A (..., n1, d), B (..., n2, d) -> (..., n1, n2); see the module docstring."""
    g = A @ B.transpose(-1, -2)
    nn = (A * A).sum(-1).unsqueeze(-1) * (B * B).sum(-1).unsqueeze(-2)  # |x|²|x'|²
    s = torch.addcmul(nn, g, g, value=-1.0)  # |x|²|x'|² - <x,x'>² = (|x||x'| sin ϑ)²
    s.masked_fill_(s <= nn.mul_(8.0 * _EPS), 0.0).sqrt_()
    theta = s.atan2_(g)
    return theta.neg_().add_(math.pi).mul_(g).mul_(1.0 / (2.0 * math.pi))


def _signed_gram_t(A: torch.Tensor, signs: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(H, max|H|) with H_ij = s_i s_j K(A_i, A_j) for A (..., n, d) and signs s (..., n) (None: all 1),
    exactly symmetric by construction.

    Built in row blocks of the upper triangle (each block's elementwise work stays in cache) and
    mirrored into the lower one; the diagonal block keeps its upper triangle. Every entry is the
    formula of :func:`_ntk_kernel_t` (multiplying by s_i s_j = ±1 is exact); max|H| comes per block.
    """
    n = A.shape[-2]
    H = torch.empty(A.shape[:-1] + (n,), dtype=A.dtype, device=A.device)
    hmax = torch.zeros(A.shape[:-2], dtype=A.dtype, device=A.device)
    na = (A * A).sum(-1)
    rows = max(16, 2**17 // max(n, 1)) if A.device.type == "cpu" else n
    for i0 in range(0, n, rows):
        i1 = min(n, i0 + rows)
        b = i1 - i0
        g = A[..., i0:i1, :] @ A[..., i0:, :].mT
        nn = na[..., i0:i1].unsqueeze(-1) * na[..., i0:].unsqueeze(-2)  # |x|²|x'|²
        s = torch.addcmul(nn, g, g, value=-1.0)  # (|x||x'| sin ϑ)²
        s.masked_fill_(s <= nn.mul_(8.0 * _EPS), 0.0).sqrt_()
        blk = s.atan2_(g).neg_().add_(math.pi).mul_(g).mul_(1.0 / (2.0 * math.pi))
        if signs is not None:
            blk.mul_(signs[..., i0:i1].unsqueeze(-1)).mul_(signs[..., i0:].unsqueeze(-2))
        diag = blk[..., :, :b]
        diag.copy_(diag.triu() + diag.triu(1).mT)
        H[..., i0:i1, i0:] = blk
        H[..., i1:, i0:i1] = blk[..., :, b:].mT
        lo, hi = torch.aminmax(blk.flatten(-2), dim=-1)
        hmax = torch.maximum(hmax, torch.maximum(-lo, hi))
    return H, hmax


def _ntk_gram_t(A: torch.Tensor) -> torch.Tensor:
    """K(A, A), exactly symmetric by construction (see :func:`_signed_gram_t`; a BLAS product A Aᵀ
    need not be)."""
    return _signed_gram_t(A)[0]


def ntk_kernel(X1, X2=None, *, device=None):
    """The NTK kernel matrix K(X1[i], X2[j]) in float64 (X2 defaults to X1, and then K is exactly
    symmetric, see :func:`_ntk_gram_t`).

    Accepts numpy arrays or torch tensors of shape (..., n, d) (leading batch dims broadcast).
    numpy in -> numpy out (computed on ``device``, default CPU); tensor in -> tensor out on ``device``
    (default: the input's device).
    """
    numpy_in = not torch.is_tensor(X1)
    A = as_float64(X1, device)
    K = _ntk_gram_t(A) if X2 is None else _ntk_kernel_t(A, as_float64(X2, A.device))
    return K.cpu().numpy() if numpy_in else K


# --------------------------------------------------------------------------------------------
# results


@dataclass
class KernelMarginResult(Bracket):
    """γ_ntk,2 with its certificate.

    value = sqrt(qᵀHq) at the best point q found (as computed, inside the bracket);
    lower = sqrt(max(qp_lower, 0)) and upper = sqrt(qp_upper) bracket γ_ntk,2 (the QP lower bound is
    clipped at 0); qp_lower <= min_q qᵀHq <= qp_upper, both widened by the rounding bound
    ``rounding`` (= err of the module docstring); gap = qp_upper - qp_lower (QP scale, the certified
    width, >= 2·rounding); q: weights on the input points (in the simplex) of the best point;
    iterations: projected-gradient steps (0 when the direct solve certified the result);
    n_distinct: number of distinct points after merging duplicates; active_set_rounds: rounds of the
    direct solve (block principal pivoting; 0 when it was not run).
    """

    qp_lower: float
    qp_upper: float
    gap: float
    q: np.ndarray
    iterations: int
    n_distinct: int
    rounding: float
    active_set_rounds: int = 0


# --------------------------------------------------------------------------------------------
# the solver


def kernel_margin(
    X, y, *, tol: float = 1e-6, max_iter: int = 20000, device="cpu", polish: bool = True, polish_max_size: int = 20000
) -> KernelMarginResult:
    """γ_ntk,2 of one dataset (X: (n, d) with ||x|| <= 1, y in {-1, +1}); see the module docstring.

    tol: relative QP duality gap to stop at; max_iter: projected-gradient iterations; device: torch
    device ('cpu', 'cuda', ...); polish: enable the direct active-set solve and the active-set polish
    (both skipped on problems or supports larger than polish_max_size: their Cholesky factorization
    takes n³/3 flops and a second n x n matrix; polish=False leaves projected gradient alone).
    """
    return kernel_margin_batched(
        to_numpy(X)[None],
        to_numpy(y)[None],
        tol=tol,
        max_iter=max_iter,
        device=device,
        polish=polish,
        polish_max_size=polish_max_size,
    )[0]


def kernel_margin_batched(
    Xb, yb, *, tol: float = 1e-6, max_iter: int = 20000, device="cpu", polish: bool = True, polish_max_size: int = 20000
) -> list[KernelMarginResult]:
    """γ_ntk,2 of B datasets of one shape (Xb: (B, n, d), yb: (B, n)), solved together in one tensor
    program; returns one :class:`KernelMarginResult` per dataset. Arguments as in :func:`kernel_margin`.
    """
    Xb, yb = to_numpy(Xb), to_numpy(yb)
    if Xb.ndim != 3 or yb.ndim != 2 or yb.shape != Xb.shape[:2]:
        raise ValueError(f"kernel_margin_batched: need Xb (B, n, d) and yb (B, n), got {Xb.shape} and {yb.shape}")
    if not tol >= 0:
        raise ValueError(f"kernel_margin: tol must be >= 0 (0: stop at the rounding floor), got {tol}")
    merged = []
    for b in range(Xb.shape[0]):
        X, y = validate_xy(Xb[b], yb[b], name=f"kernel_margin problem {b}")
        merged.append(merge_duplicates(X, y))
    B, d = Xb.shape[0], Xb.shape[2]
    m = max(u[0].shape[0] for u in merged)
    Xp = np.zeros((B, m, d))
    yp = np.zeros((B, m))
    for b, (Xu, yu, _, _) in enumerate(merged):
        Xp[b, : Xu.shape[0]] = Xu
        yp[b, : Xu.shape[0]] = yu
    Xt = as_float64(Xp, device)
    yt = as_float64(yp, device)
    H, hmax = _signed_gram_t(Xt, yt)
    mask = yt != 0
    sol = _solve_simplex_qp(H, mask, tol=tol, max_iter=max_iter, polish=polish, polish_max_size=polish_max_size, hmax=hmax)
    del H
    out = []
    for b, (Xu, _, inverse, counts) in enumerate(merged):
        lo, up, f = float(sol["lower"][b]), float(sol["upper"][b]), float(sol["objective"][b])
        qd = sol["q"][b, : Xu.shape[0]]
        out.append(
            KernelMarginResult(
                value=math.sqrt(max(f, 0.0)),
                lower=math.sqrt(max(lo, 0.0)),
                upper=math.sqrt(max(up, 0.0)),
                status=OPTIMAL if sol["converged"][b] else ITERATION_LIMIT,
                qp_lower=lo,
                qp_upper=up,
                gap=up - lo,
                q=spread_weights(qd, inverse, counts),
                iterations=int(sol["iterations"][b]),
                n_distinct=int(Xu.shape[0]),
                rounding=float(sol["rounding"][b]),
                active_set_rounds=int(sol["rounds"][b]),
            )
        )
    return out


def _solve_simplex_qp(
    H: torch.Tensor,
    mask: torch.Tensor,
    *,
    tol: float,
    max_iter: int,
    polish: bool,
    polish_max_size: int,
    hmax: torch.Tensor | None = None,
) -> dict:
    """min over the (masked) simplex of qᵀHq for a batch H (B, m, m) of PSD matrices.

    With ``polish``, each problem is first solved directly (:func:`_direct_active_set`); the
    projected-gradient loop runs only for the problems that are not certified after it, starting from
    the best point found. ``hmax``: max|H| per problem (computed when None).

    Returns numpy arrays: q (B, m) (best point), objective (qᵀHq there, as computed), upper, lower
    (certified QP bounds: computed bounds widened by ``rounding``), rounding, converged, iterations,
    rounds (active-set rounds of the direct solve).
    """
    Bsz, m, _ = H.shape
    dt, dev = H.dtype, H.device
    maskf = mask.to(dt)
    count = maskf.sum(-1)
    inf = torch.tensor(math.inf, dtype=dt, device=dev)
    if hmax is None:
        hmax = H.abs().amax((-1, -2))
    err = 8.0 * m * _EPS * hmax  # rounding bound of each computed bound (module docstring)

    def stop(up, lo):  # certified width (up + err) - (lo - err) within max(tol·upper, 4·err)
        return (up - lo) + 2.0 * err <= torch.maximum(tol * (up + err), 4.0 * err)

    def mv(v):  # H v for symmetric H, written as vᵀH (a much faster kernel than a batched H @ v on CPU)
        return (v.unsqueeze(-2) @ H).squeeze(-2)

    def bounds(q, Hq, mask=mask):
        f = (q * Hq).sum(-1)
        lo = 2.0 * torch.where(mask, Hq, inf).amin(-1) - f
        return f, lo

    q = maskf / count.unsqueeze(-1)
    Hq = mv(q)
    up, lo = bounds(q, Hq)
    best_q, best_up, best_lo = q.clone(), up.clone(), lo.clone()
    rounds = torch.zeros(Bsz, dtype=torch.long, device=dev)
    if polish:
        for b in range(Bsz):
            res = _direct_active_set(H[b], mask[b], err=float(err[b]), tol=tol, max_size=polish_max_size)
            if res is None:
                continue
            qc, lc, r = res
            rounds[b] = r
            best_lo[b] = torch.maximum(best_lo[b], lc)
            if qc is not None:
                Hqc = qc @ H[b]
                fc, lc2 = bounds(qc, Hqc, mask[b])
                best_lo[b] = torch.maximum(best_lo[b], lc2)
                if fc < best_up[b]:
                    best_q[b], best_up[b], q[b], Hq[b] = qc, fc, qc, Hqc
    converged = stop(best_up, best_lo)
    iterations = torch.zeros(Bsz, dtype=torch.long, device=dev)

    if max_iter > 0 and not bool(converged.all()):
        q, Hq, best_q, best_up, best_lo, converged, iterations = _projected_gradient(
            H, mask, q, Hq, best_q, best_up, best_lo, stop, mv, bounds, tol=tol, max_iter=max_iter, polish=polish, polish_max_size=polish_max_size
        )
    return {
        "q": best_q.cpu().numpy(),
        "objective": best_up.cpu().numpy(),
        "upper": (best_up + err).cpu().numpy(),
        "lower": (best_lo - err).cpu().numpy(),
        "rounding": err.cpu().numpy(),
        "converged": converged.cpu().numpy(),
        "iterations": iterations.cpu().numpy(),
        "rounds": rounds.cpu().numpy(),
    }


def _projected_gradient(H, mask, q, Hq, best_q, best_up, best_lo, stop, mv, bounds, *, tol, max_iter, polish, polish_max_size):
    """The accelerated projected-gradient loop (module docstring), batched, from the point q (Hq = H q)."""
    Bsz = H.shape[0]
    dt, dev = H.dtype, H.device
    maskf = mask.to(dt)
    count = maskf.sum(-1)
    # Lipschitz constant of ∇f = 2Hq: 2 λ_max(H), from power iteration (a curvature check guards it).
    v = maskf / count.sqrt().unsqueeze(-1)
    lam = torch.ones(Bsz, dtype=dt, device=dev)
    for _ in range(30):
        w = mv(v)
        lam = w.norm(dim=-1).clamp_min(1e-300)
        v = w / lam.unsqueeze(-1)
    L = 2.0 * lam * 1.1

    q_prev, Hq_prev = q, Hq
    t = torch.ones(Bsz, dtype=dt, device=dev)
    converged = stop(best_up, best_lo)
    iterations = torch.zeros(Bsz, dtype=torch.long, device=dev)
    next_polish, interval = 25, 25

    it = 0
    while it < max_iter and not bool(converged.all()):
        it += 1
        active = ~converged
        t_new = 0.5 * (1.0 + torch.sqrt(1.0 + 4.0 * t * t))
        beta = ((t - 1.0) / t_new).unsqueeze(-1)
        yv = q + beta * (q - q_prev)
        Hy = Hq + beta * (Hq - Hq_prev)
        qn = project_simplex(yv - (2.0 / L).unsqueeze(-1) * Hy, mask)
        Hqn = mv(qn)
        # curvature check: (qn - y)ᵀH(qn - y) <= (L/2)|qn - y|² must hold for the step 1/L
        dq = qn - yv
        bad = (dq * (Hqn - Hy)).sum(-1) > 0.5 * L * (dq * dq).sum(-1) * (1.0 + 1e-10)
        L = torch.where(bad & active, 2.0 * L, L)
        restart = bad | ((Hy * (qn - q)).sum(-1) > 0)  # gradient-based adaptive restart
        f, lb = bounds(qn, Hqn)
        a = active.unsqueeze(-1)
        q_prev = torch.where(a, torch.where(restart.unsqueeze(-1), qn, q), q_prev)
        Hq_prev = torch.where(a, torch.where(restart.unsqueeze(-1), Hqn, Hq), Hq_prev)
        t = torch.where(active, torch.where(restart, torch.ones_like(t), t_new), t)
        q = torch.where(a, qn, q)
        Hq = torch.where(a, Hqn, Hq)
        better = active & (f < best_up)
        best_q = torch.where(better.unsqueeze(-1), qn, best_q)
        best_up = torch.where(better, f, best_up)
        best_lo = torch.where(active, torch.maximum(best_lo, lb), best_lo)
        iterations = torch.where(active, torch.full_like(iterations, it), iterations)
        converged = stop(best_up, best_lo)
        if polish and it >= next_polish:
            for b in torch.nonzero(~converged).flatten().tolist():
                cand = _active_set_polish(H[b], mask[b], q[b], tol, polish_max_size)
                if cand is None:
                    continue
                qc, Hqc = cand
                fc, lc = bounds(qc, Hqc, mask[b])
                best_lo[b] = torch.maximum(best_lo[b], lc)
                if fc < best_up[b]:
                    best_q[b], best_up[b] = qc, fc
                    q[b], Hq[b], q_prev[b], Hq_prev[b], t[b] = qc, Hqc, qc, Hqc, 1.0
            converged = stop(best_up, best_lo)
            interval *= 2
            next_polish = it + interval
    return q, Hq, best_q, best_up, best_lo, converged, iterations


def _direct_active_set(
    H: torch.Tensor,
    mask: torch.Tensor,
    *,
    err: float,
    tol: float,
    max_size: int,
    max_rounds: int = 60,
    max_factorizations: int = 3,
    shift: float | None = None,
):
    """Direct solve of min qᵀHq over the (masked) simplex by block principal pivoting.

    On a face F (the points with free weight; the others fixed at 0) the minimizer over the affine
    hull is q = z / Σz with H_FF z_F = 1: then qᵀHq = 1/Σz and (Hq)_i = (Hz)_i / Σz, so the optimum is
    the face with z_F >= 0 and (Hz)_i >= 1 off F -- the LCP z >= 0, Hz - 1 >= 0, zᵀ(Hz - 1) = 0 of
    min ½zᵀHz - 1ᵀz over z >= 0, whose solution scaled to the simplex is the QP's minimizer. H is
    regularized to H + δI, δ = ``shift``·max_i H_ii (default 1e-9): kernel matrices of a few thousand
    points are numerically singular (the NTK of 16000 distinct cube points in d = 20 has eigenvalues
    at rounding level), and H + δI keeps every face system well posed, at a cost in qᵀHq of at most
    δ·Σq_i² <= δ·max_i q_i, far below the tolerance; each point is certified against H itself.

    One Cholesky factorization of H_SS + δI over a base set S (at first all masked points) serves
    every face F inside S: with a = (H_SS + δI)⁻¹1 and the columns C = (H_SS + δI)⁻¹E_D for the dropped
    points D = S minus F (cached), z = a - C w with (C_DD) w = a_D (a Schur complement of size |D|;
    w are the multipliers: (Hz)_D = 1 - w). A new base is factored (at most ``max_factorizations``
    in all) when a point outside S must enter, or when D outgrows max(64, |S|/10). Faces change by
    block principal pivoting (Júdice & Pires; Kim & Park's NNLS rule): every infeasible index is
    exchanged while the count of infeasible ones falls, with three tries of grace, then Murty's
    single exchange of the last infeasible index, which terminates for positive definite matrices.
    Each round's point (z clipped at 0, scaled to the simplex) is certified; the loop stops as soon
    as the certified width is within tolerance. On a face with no infeasible index left but a
    width above tolerance, up to two steps of iterative refinement toward H_FF z_F = 1 are taken.

    Returns None when not attempted (no masked point, or more than ``max_size``), else
    (q, lower, rounds): the candidate with the smallest qᵀHq (None if no round gave one), the best
    computed lower bound 2 min(Hq) - qᵀHq over the rounds (not yet widened by the rounding bound
    ``err``) and the rounds taken. Only candidates: the caller certifies q again.
    """
    idx = torch.nonzero(mask).flatten()
    k = idx.numel()
    if k == 0 or k > max_size:
        return None
    shift = _SHIFT if shift is None else shift
    full = k == H.shape[0]
    Hs = H if full else H.index_select(0, idx).index_select(1, idx)
    dt, dev = H.dtype, H.device
    best_q, best_f, best_lo = None, math.inf, -math.inf

    def certify(z):  # the point z clipped at 0 and scaled to the simplex, with its bounds
        nonlocal best_q, best_f, best_lo
        zc = z.clamp_min(0.0)
        total = zc.sum()
        if not (bool(total > 0) and bool(torch.isfinite(total))):
            return None
        q = zc / total
        Hq = q @ Hs
        f = float(q @ Hq)
        best_lo = max(best_lo, 2.0 * float(Hq.min()) - f)
        if f < best_f:
            best_f, best_q = f, q
        done = (best_f - best_lo) + 2.0 * err <= max(tol * (best_f + err), 4.0 * err)
        return done, Hq, float(total)

    free = torch.ones(k, dtype=torch.bool, device=dev)
    base = None
    factorizations = 0
    least_infeasible, grace = k + 1, 3
    rounds = 0
    for rounds in range(1, max_rounds + 1):
        if base is None or bool((free & ~base).any()) or int((base & ~free).sum()) > max(64, int(base.sum()) // 10):
            if factorizations == max_factorizations or not bool(free.any()):
                break
            factorizations += 1
            base = free.clone()
            S = torch.nonzero(base).flatten()
            factor = _PSDFactor(Hs if bool(base.all()) else Hs.index_select(0, S).index_select(1, S), shifts=(shift, 1e2 * shift, 1e4 * shift), refine_shifted=True)
            if not factor.ok:
                break
            a = factor.solve(torch.ones(S.numel(), 1, dtype=dt, device=dev)).squeeze(-1)
            cols = torch.empty(S.numel(), 0, dtype=dt, device=dev)  # (H_SS + δI)⁻¹ e_i, i dropped at some time
            col_of: dict[int, int] = {}
        D = torch.nonzero(~free[S]).flatten()  # dropped points, as positions in S
        new = [i for i in D.tolist() if i not in col_of]
        if new:
            E = torch.zeros(S.numel(), len(new), dtype=dt, device=dev)
            E[torch.tensor(new, device=dev), torch.arange(len(new), device=dev)] = 1.0
            for j, i in enumerate(new):
                col_of[i] = cols.shape[1] + j
            cols = torch.cat([cols, factor.solve(E)], dim=1)
        CD = cols[:, [col_of[i] for i in D.tolist()]]

        def onto_face(v, D=D, CD=CD):  # (v - C_D u, u), u = (C_DD)⁻¹ v_D: zero on D, (H_SS + δI)v kept on S minus D
            if not D.numel():
                return v, v[:0]
            u = _lstsq(CD[D], v[D])
            v = v - CD @ u
            v[D] = 0.0
            return v, u

        zS, w = onto_face(a)
        z = torch.zeros(k, dtype=dt, device=dev)
        z[S] = zS
        c = certify(z)
        if c is None:
            break
        done, Hq, total = c
        if done:
            break
        infeasible = (z < 0) & free
        infeasible[S[D]] = w > 0
        if not bool(base.all()):  # points outside the base: infeasible when (Hz)_i < 1
            out = ~base
            infeasible[out] = (z @ Hs.index_select(1, torch.nonzero(out).flatten())) < 1.0
        n_inf = int(infeasible.sum())
        if n_inf == 0:
            # the optimal face, short of the tolerance: iterative refinement z_F += (H_FF + δI)⁻¹ (1 - Hz)_F
            # (toward H_FF z_F = 1 itself, beyond the regularized solution where H allows)
            for _ in range(2):
                zS = zS + onto_face(factor.solve((1.0 - Hq * total)[S].unsqueeze(-1)).squeeze(-1))[0]
                z[S] = zS
                c = certify(z)
                if c is None or c[0]:
                    break
                _, Hq, total = c
            break
        if n_inf < least_infeasible:
            least_infeasible, grace = n_inf, 3
            flip = infeasible
        elif grace > 0:
            grace -= 1
            flip = infeasible
        else:  # Murty's rule: exchange only the last infeasible index
            flip = torch.zeros_like(free)
            flip[int(torch.nonzero(infeasible).flatten()[-1])] = True
        free ^= flip
    if best_q is None:
        return None, torch.tensor(best_lo, dtype=dt, device=dev), rounds
    q_out = best_q if full else torch.zeros(H.shape[0], dtype=dt, device=dev).index_copy_(0, idx, best_q)
    return q_out, torch.tensor(best_lo, dtype=dt, device=dev), rounds


def _lstsq(M: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Least-squares solution of M x = b for a small square M and a vector b. On the CPU by SVD
    (gelsd): torch's default driver there (gelsy) does not give the same bits from run to run."""
    driver = "gelsd" if M.device.type == "cpu" else None
    return torch.linalg.lstsq(M, b.unsqueeze(-1), driver=driver).solution.squeeze(-1)


def _active_set_polish(
    H: torch.Tensor,
    mask: torch.Tensor,
    q: torch.Tensor,
    tol: float,
    max_size: int,
    rounds: int = 10,
    max_factorizations: int = 3,
):
    """Candidate minimizer from the support of q (a primal active-set method, warm-started).

    On a face S the minimizer of qᵀHq over the affine hull is q_S = z / Σz with H_SS z = 1. The first S
    is the support of q together with the points whose (Hq)_i is below qᵀHq. Points
    whose weight comes out nonpositive are dropped (solved through a Schur complement on the dropped
    set, reusing one Cholesky factorization of H_SS), points off the working set with (Hq)_i < qᵀHq
    are added (dropped points simply return; a point outside S makes H_SS be factored anew, at most
    ``max_factorizations`` times), and the loop repeats. Returns (q, Hq) of the candidate with the smallest
    duality gap, or None. Only a candidate: the caller certifies it.
    """
    Hq = q @ H
    S = ((q > 0) | (Hq < q @ Hq)) & mask  # the support, plus the points a Frank-Wolfe step would raise
    best, best_gap = None, math.inf
    factor = None
    factorizations = 0
    for _ in range(rounds):
        if factor is None:
            idx = torch.nonzero(S).flatten()
            if idx.numel() == 0 or idx.numel() > max_size or factorizations == max_factorizations:
                return best
            factorizations += 1
            factor = _PSDFactor(H.index_select(0, idx).index_select(1, idx))
            if not factor.ok:
                return best
            a = factor.solve(torch.ones(idx.numel(), 1, dtype=H.dtype, device=H.device)).squeeze(-1)
            dropped = torch.zeros(idx.numel(), dtype=torch.bool, device=H.device)
        z = a
        if bool(dropped.any()):
            # minimize over S minus the dropped set D: z = a - G E_D w with (E_DᵀG E_D) w = E_Dᵀ a, G = H_SS^-1
            D = torch.nonzero(dropped).flatten()
            E = torch.zeros(idx.numel(), D.numel(), dtype=H.dtype, device=H.device)
            E[D, torch.arange(D.numel(), device=H.device)] = 1.0
            GE = factor.solve(E)
            w = _lstsq(GE[D], a[D])
            z = a - GE @ w
            z[D] = 0.0
        if not bool(z.sum() > 0):
            return best
        pS = z / z.sum()
        bad = (pS <= 0) & ~dropped
        if bool(bad.any()):
            dropped |= bad
            if int(dropped.sum()) > max(8, idx.numel() // 8):  # too many for the Schur complement: refactor
                S = torch.zeros_like(S)
                S[idx[~dropped]] = True
                factor = None
            continue
        p = torch.zeros_like(q)
        p[idx] = pS
        Hp = p @ H
        f = p @ Hp
        gap = float(2.0 * (f - torch.where(mask, Hp, torch.full_like(Hp, math.inf)).min()))
        if gap < best_gap:
            best, best_gap = (p, Hp), gap
        if gap <= tol * float(f):
            return best
        viol = mask & (Hp < f)
        viol[idx[~dropped]] = False
        if not bool(viol.any()):
            return best
        back = viol[idx]  # dropped points that want back in: no new factorization needed
        if bool(viol.sum() == back.sum()):
            dropped &= ~back
        else:
            S = viol
            S[idx[~dropped]] = True
            factor = None
    return best


class _PSDFactor:
    """Cholesky factor of A + δI for a PSD matrix A, δ = σ·max_i A_ii for the first σ in ``shifts``
    whose factorization succeeds (``shift`` = δ; ``ok`` is False when none does). ``solve`` does one
    step of iterative refinement, against A + δI when ``refine_shifted`` (the factor's own matrix:
    a solve of the regularized system), else against A itself.

    The factor lives in one copy of A, factored in place. On the CPU it is LAPACK's dpotrf/dpotrs
    through scipy, which solves without copying the factor (torch's CPU Cholesky solve copies it,
    and its factorization was slower on the machines measured); on other devices torch's.
    """

    def __init__(self, A: torch.Tensor, shifts=(1e-14, 1e-11, 1e-8), refine_shifted: bool = False):
        self.A, self.refine_shifted = A, refine_shifted
        self.cpu = A.device.type == "cpu" and _USE_LAPACK
        n = A.shape[0]
        scale = float(A.diagonal().abs().max()) if n else 0.0
        self.ok, self.shift = False, 0.0
        if scale == 0.0:
            return
        C = torch.empty_like(A)
        info = torch.empty((), dtype=torch.int32, device=A.device)
        for sigma in shifts:
            C.copy_(A)
            C.diagonal().add_(sigma * scale)
            if self.cpu:
                # C is symmetric: its C-order buffer read in Fortran order (C.T) is C as well
                c, code = _lapack.dpotrf(C.numpy().T, lower=1, clean=0, overwrite_a=1)
                ok = code == 0
            else:
                torch.linalg.cholesky_ex(C, out=(C, info))
                ok = int(info) == 0
            if ok:
                self.C, self.ok, self.shift = C, True, sigma * scale
                if self.cpu:
                    self.c = c
                return

    def _tri(self, R: torch.Tensor) -> torch.Tensor:
        if self.cpu:
            # solved in place in torch's own (aligned) memory: numpy buffers would make the BLAS
            # rounding, and so the bits of the result, vary from run to run (see as_float64)
            Rt = R.mT.clone(memory_format=torch.contiguous_format)  # a copy (dpotrs overwrites it); Rt.numpy().T is R in Fortran order
            X, _ = _lapack.dpotrs(self.c, Rt.numpy().T, lower=1, overwrite_b=1)
            if not np.shares_memory(X, Rt.numpy()):
                Rt.copy_(torch.from_numpy(X.T))
            return Rt.mT
        return torch.linalg.solve_triangular(self.C.mT, torch.linalg.solve_triangular(self.C, R, upper=False), upper=True)

    def solve(self, R: torch.Tensor, refine: bool = True) -> torch.Tensor:
        Z = self._tri(R)
        if not refine:
            return Z
        res = R - self.A @ Z
        if self.refine_shifted:
            res.sub_(Z, alpha=self.shift)
        return Z + self._tri(res)


# --------------------------------------------------------------------------------------------
# the kernel machine


def kernel_machine_scores(X_train, y_train, q, X_test, *, device="cpu", chunk_size: int | None = None) -> np.ndarray:
    """Scores s(x) = Σ_i q_i y_i K(x_i, x) of the hard-margin NTK kernel machine (no bias), float64."""
    Xtr = as_float64(to_numpy(X_train), device)
    c = as_float64(to_numpy(q) * to_numpy(y_train), device)
    Xte = as_float64(to_numpy(X_test), device)
    if chunk_size is None:
        chunk_size = max(1, 2**22 // max(1, Xtr.shape[0]))
    out = [(_ntk_kernel_t(Xte[i : i + chunk_size], Xtr) @ c) for i in range(0, Xte.shape[0], chunk_size)]
    return torch.cat(out).cpu().numpy()


def kernel_machine_predict(X_train, y_train, q, X_test, *, device="cpu") -> np.ndarray:
    """Predictions sign(Σ_i q_i y_i K(x_i, x)) in {-1, 0, +1} (0 only for an exact tie, which counts
    as an error in :func:`kernel_machine_test_error`)."""
    return np.sign(kernel_machine_scores(X_train, y_train, q, X_test, device=device))


def kernel_machine_test_error(X_train, y_train, q, X_test, y_test, *, device="cpu") -> float:
    """Fraction of test points the kernel machine gets wrong (ties count as wrong)."""
    pred = kernel_machine_predict(X_train, y_train, q, X_test, device=device)
    return float(np.mean(pred != to_numpy(y_test)))
