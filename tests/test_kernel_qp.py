"""The kernel-margin QP's direct solve (block principal pivoting on one regularized Cholesky factor)
and the blocked kernel matrix: known answers, a second solver (Clarabel), the projected-gradient path."""

import math

import numpy as np
import pytest
import torch
from sphere_data import sphere_data

import lowrot.margins.kernel as kernel_mod
from lowrot.data import hypercube, parity_labels, sample_parity
from lowrot.margins import OPTIMAL, kernel_margin, ntk_kernel
from lowrot.margins.kernel import _ntk_kernel_t, _signed_gram_t


def _clarabel_qp(X, y):
    """Reference: min qᵀHq over the simplex by cvxpy + Clarabel (an interior-point method); returns
    (value at its point clipped to the simplex, certified lower bound 2 min(Hq) - qᵀHq there)."""
    cp = pytest.importorskip("cvxpy")
    H = (y[:, None] * y[None, :]) * ntk_kernel(X)
    q = cp.Variable(X.shape[0])
    prob = cp.Problem(cp.Minimize(cp.quad_form(q, cp.psd_wrap(H))), [q >= 0, cp.sum(q) == 1])
    prob.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-10, tol_feas=1e-12)
    qv = np.maximum(q.value, 0.0)
    qv /= qv.sum()
    Hq = H @ qv
    f = float(qv @ Hq)
    return f, 2.0 * float(Hq.min()) - f


def _brackets_overlap(res, f_ref, lo_ref, slack=1e-12):
    """Our certified bracket and the reference's (a feasible value above the optimum, a certified
    lower bound below it) must overlap: both contain the optimum."""
    return res.qp_lower <= f_ref + slack and lo_ref <= res.qp_upper + slack


def test_blocked_gram_is_the_elementwise_kernel_and_exactly_symmetric():
    # n = 700: the builder takes several row blocks (2^17 // 700 = 187 rows each)
    X, y = sphere_data(700, 6, seed=11)
    A, s = torch.tensor(X), torch.tensor(y)
    H, hmax = _signed_gram_t(A, s)
    ref = s[:, None] * s[None, :] * _ntk_kernel_t(A, A)
    assert torch.equal(H, H.T)  # mirrored, not averaged: exact
    assert float((H - ref).abs().max()) <= 1e-15  # the same formula (BLAS may round <x,x'> differently)
    assert float(hmax) == float(H.abs().max())
    assert np.allclose(H.diagonal().numpy(), (X * X).sum(1) / 2, rtol=1e-15, atol=0)  # K(x, x) = |x|²/2 (ϑ = 0)
    # batched (leading dimension) = one at a time
    Hb, hb = _signed_gram_t(torch.stack([A, A.flip(0)]), torch.stack([s, s.flip(0)]))
    assert float((Hb[0] - H).abs().max()) <= 1e-15 and float(hb[0]) == pytest.approx(float(hmax), rel=1e-15)
    assert torch.equal(Hb[1], Hb[1].T)


def test_full_cube_has_the_uniform_optimum():
    # parity labels on the whole cube: coordinate sign flips act transitively and leave H invariant,
    # so the uniform q is optimal and min qᵀHq = mean(H) (closed form). H is singular here (the NTK
    # has no odd harmonics of degree >= 3), which the direct solve's regularization handles.
    X = hypercube(9)
    y = parity_labels(X, (0, 1))
    f_star = float(((y[:, None] * y[None, :]) * ntk_kernel(X)).mean())
    res = kernel_margin(X, y, tol=1e-9)
    assert res.status == OPTIMAL and res.iterations == 0 and res.active_set_rounds >= 1
    assert res.qp_lower <= f_star <= res.qp_upper
    assert res.gap <= 1e-9 * res.qp_upper
    assert np.allclose(res.q, 1.0 / X.shape[0], rtol=1e-6)


def _problem(kind):
    if kind == "sphere_d3":  # many points off the support: several pivoting rounds
        return sphere_data(300, 3, 0)
    if kind == "sphere_d4":
        return sphere_data(300, 4, 2)
    if kind == "parity_d20":  # (almost) every point a support vector
        X = sample_parity(400, 20, np.random.default_rng(3))
        return X, parity_labels(X, (0, 1))
    if kind == "proportional":  # x and x/2 for every x: proportional rows, H singular; half the points must leave
        X = sample_parity(150, 8, np.random.default_rng(4))
        X = np.vstack([X, 0.5 * X])
        return X, parity_labels(X, (0, 1))
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["sphere_d3", "sphere_d4", "parity_d20", "proportional"])
def test_direct_solve_agrees_with_clarabel(kind):
    X, y = _problem(kind)
    f_ref, lo_ref = _clarabel_qp(X, y)
    res = kernel_margin(X, y, tol=1e-6)
    # the direct solve certified it alone (no projected-gradient iterations)
    assert res.status == OPTIMAL and res.iterations == 0 and res.active_set_rounds >= 1
    assert res.gap <= max(1e-6 * res.qp_upper, 4 * res.rounding)
    assert _brackets_overlap(res, f_ref, lo_ref)
    assert res.qp_upper == pytest.approx(f_ref, rel=2e-6)
    assert res.lower <= res.value <= res.upper
    assert res.q.min() >= 0 and res.q.sum() == pytest.approx(1.0, abs=1e-12)


def test_proportional_points_keep_only_the_shorter_copy():
    # (Hq)_{x/2} = (Hq)_x / 2: at the optimum only the copies x/2 carry weight (closed-form structure)
    X, y = _problem("proportional")
    res = kernel_margin(X, y, tol=1e-8)
    assert res.status == OPTIMAL
    n = X.shape[0] // 2
    assert res.q[:n].sum() <= 1e-9 and res.q[n:].sum() == pytest.approx(1.0, abs=1e-9)


def test_direct_solve_agrees_with_projected_gradient():
    # two solvers of this module: the direct solve and projected gradient alone (polish=False)
    X, y = sphere_data(150, 8, seed=1)
    direct = kernel_margin(X, y, tol=1e-8)
    fista = kernel_margin(X, y, tol=1e-6, polish=False, max_iter=50000)
    assert direct.iterations == 0 and fista.active_set_rounds == 0 and fista.status == OPTIMAL
    assert direct.qp_lower <= fista.qp_upper and fista.qp_lower <= direct.qp_upper
    assert direct.gap <= 1e-8 * direct.qp_upper


def test_torch_factorization_matches_lapack(monkeypatch):
    # the factorization torch does on other devices (CUDA), run here on the CPU
    X, y = _problem("sphere_d3")
    lapack = kernel_margin(X, y, tol=1e-8)
    monkeypatch.setattr(kernel_mod, "_USE_LAPACK", False)
    torch_path = kernel_margin(X, y, tol=1e-8)
    assert torch_path.status == lapack.status == OPTIMAL and torch_path.iterations == 0
    assert torch_path.qp_lower <= lapack.qp_upper and lapack.qp_lower <= torch_path.qp_upper


def test_zero_vector_gives_margin_zero():
    # a zero point has K = 0 with everything: all weight on it gives qᵀHq = 0
    X, y = sphere_data(40, 4, seed=1)
    X[5] = 0.0
    res = kernel_margin(X, y)
    assert res.status == OPTIMAL and res.qp_lower <= 0.0 <= res.qp_upper
    assert res.lower == 0.0 and res.upper <= 1e-6 and res.q[5] > 0.999


def test_fallback_when_the_direct_solve_is_skipped():
    # polish_max_size below n: no direct solve; projected gradient reaches the same certified value
    X, y = _problem("sphere_d4")
    small = kernel_margin(X, y, tol=1e-6, polish_max_size=100, max_iter=100000)
    full = kernel_margin(X, y, tol=1e-6)
    assert small.active_set_rounds == 0 and small.iterations > 0
    assert small.status == OPTIMAL
    assert small.qp_lower <= full.qp_upper and full.qp_lower <= small.qp_upper
    assert math.isclose(small.value, full.value, rel_tol=1e-6)
