"""Kernel NTK margin γ_ntk,2: closed forms, an independent QP solver, batching, the kernel machine."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sphere_data import sphere_data

from lowrot.data import hypercube, parity_labels, sample_parity
from lowrot.errors import DataError
from lowrot.margins import (
    ITERATION_LIMIT,
    OPTIMAL,
    kernel_machine_predict,
    kernel_machine_test_error,
    kernel_margin,
    kernel_margin_batched,
    ntk_kernel,
    project_simplex,
)


def _clarabel_qp(X, y):
    """Reference: min qᵀHq over the simplex by cvxpy + Clarabel (an interior-point method)."""
    cp = pytest.importorskip("cvxpy")
    H = (y[:, None] * y[None, :]) * ntk_kernel(X)
    q = cp.Variable(X.shape[0])
    prob = cp.Problem(cp.Minimize(cp.quad_form(q, cp.psd_wrap(H))), [q >= 0, cp.sum(q) == 1])
    prob.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-10, tol_feas=1e-12)
    return prob.value


# --------------------------------------------------------------------------------------------
# the kernel


def test_kernel_closed_forms():
    e1, e2 = np.eye(2)
    X = np.array([e1, e2, -e1, 0.5 * e1, [0.0, 0.0], [math.cos(1.0), math.sin(1.0)]])
    K = ntk_kernel(X)
    assert K[0, 0] == 0.5 and K[3, 3] == 0.125  # |x|²/2 exactly (ϑ = 0)
    assert K[0, 1] == 0.0  # orthogonal
    assert abs(K[0, 2]) < 1e-16  # antipodal: ϑ = π
    assert np.all(K[4] == 0.0) and np.all(K[:, 4] == 0.0)  # a zero vector
    assert K[0, 5] == pytest.approx(math.cos(1.0) * (math.pi - 1.0) / (2 * math.pi), rel=1e-14)
    assert K[3, 5] == pytest.approx(0.5 * math.cos(1.0) * (math.pi - 1.0) / (2 * math.pi), rel=1e-14)


def test_kernel_is_the_ntk_expectation_and_psd():
    X, _ = sphere_data(40, 5, seed=1)
    K = ntk_kernel(X)
    assert np.array_equal(K, K.T)  # exact: ntk_kernel(X) is symmetrized by construction
    assert np.linalg.eigvalsh(K).min() > -1e-12
    # E_v[<x, x'> 1[v·x >= 0] 1[v·x' >= 0]] by Monte Carlo
    V = np.random.default_rng(2).standard_normal((200_000, 5))
    M = (V @ X[:6].T >= 0).astype(float)
    mc = (X[:6] @ X[:6].T) * (M.T @ M) / V.shape[0]
    assert np.abs(mc - K[:6, :6]).max() < 5e-3


def test_kernel_numpy_and_torch_agree():
    X, _ = sphere_data(20, 4, seed=3)
    K_np = ntk_kernel(X, X[:7])
    K_t = ntk_kernel(torch.tensor(X), torch.tensor(X[:7]))
    assert isinstance(K_np, np.ndarray) and torch.is_tensor(K_t) and K_t.dtype == torch.float64
    assert np.array_equal(K_np, K_t.numpy())
    Kb = ntk_kernel(np.stack([X, -X]))  # leading batch dimension
    assert Kb.shape == (2, 20, 20) and np.allclose(Kb[0], Kb[1], rtol=0, atol=1e-15)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-50, 50, allow_nan=False), min_size=1, max_size=12),
    st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_simplex_projection_is_the_euclidean_projection(values, keep):
    v = torch.tensor(values, dtype=torch.float64)
    mask = torch.tensor(keep[: len(values)])
    mask[0] = True
    p = project_simplex(v.unsqueeze(0), mask.unsqueeze(0))[0]
    assert torch.all(p >= 0) and float(p.sum()) == pytest.approx(1.0, abs=1e-12)
    assert torch.all(p[~mask] == 0)
    # optimality: p = max(v - θ, 0) on the mask for one θ (the KKT conditions of the projection)
    on = mask & (p > 0)
    theta = (v[on] - p[on]).mean()
    assert torch.allclose(v[on] - p[on], theta.expand(int(on.sum())), atol=1e-9)
    assert torch.all(v[mask & (p == 0)] <= theta + 1e-9)


# --------------------------------------------------------------------------------------------
# the margin


def test_two_orthogonal_points():
    # H = diag(1/2, 1/2): q = (1/2, 1/2), qᵀHq = 1/4, γ_ntk,2 = 1/2
    res = kernel_margin(np.eye(2), np.array([1.0, -1.0]))
    assert res.status == OPTIMAL
    assert res.value == pytest.approx(0.5, abs=1e-12)
    assert res.lower <= 0.5 <= res.upper
    assert np.allclose(res.q, [0.5, 0.5], atol=1e-9)


@pytest.mark.parametrize(
    "kind,n,d,seed", [("sphere", 60, 3, 0), ("sphere", 150, 8, 1), ("parity", 300, 8, 2), ("sphere", 300, 20, 3)]
)
def test_agrees_with_clarabel(kind, n, d, seed):
    if kind == "parity":
        X = sample_parity(n, d, np.random.default_rng(seed))
        y = parity_labels(X, (0, 1))
    else:
        X, y = sphere_data(n, d, seed)
    ref = _clarabel_qp(X, y)
    res = kernel_margin(X, y, tol=1e-6)
    assert res.status == OPTIMAL
    assert res.gap <= 1e-6 * res.qp_upper
    assert res.qp_upper == pytest.approx(ref, rel=1e-6)
    assert res.qp_lower <= ref * (1 + 1e-7) and ref <= res.qp_upper * (1 + 1e-7)
    assert res.lower <= math.sqrt(ref) * (1 + 1e-7) and math.sqrt(ref) <= res.upper * (1 + 1e-7)
    assert res.q.min() >= 0 and res.q.sum() == pytest.approx(1.0, abs=1e-12)


def test_batched_matches_single_problems():
    rng = np.random.default_rng(5)
    # problem 0 repeats a few points (fewest distinct points: the most padding in the batch)
    Xb = np.stack([np.tile(sample_parity(30, 6, rng), (4, 1))] + [sample_parity(120, 6, rng) for _ in range(2)])
    yb = np.stack([parity_labels(X, (0, 1)) for X in Xb])
    batch = kernel_margin_batched(Xb, yb, tol=1e-7)
    for b in range(3):
        one = kernel_margin(Xb[b], yb[b], tol=1e-7)
        assert batch[b].status == one.status == OPTIMAL
        assert batch[b].qp_upper == pytest.approx(one.qp_upper, rel=2e-7)
        assert batch[b].qp_lower <= one.qp_upper and one.qp_lower <= batch[b].qp_upper
        # duplicates merged: n_distinct counts the distinct cube points in the sample
        assert batch[b].n_distinct == np.unique(Xb[b], axis=0).shape[0]


def test_duplicates_do_not_change_the_margin():
    X, y = sphere_data(50, 4, seed=6)
    base = kernel_margin(X, y)
    Xd, yd = np.vstack([X, X[:20]]), np.concatenate([y, y[:20]])
    dup = kernel_margin(Xd, yd)
    assert dup.value == pytest.approx(base.value, rel=1e-6)
    assert dup.q.shape == (70,) and dup.q.sum() == pytest.approx(1.0)


def _orthogonal_problem(n, seed):
    """n orthogonal points of norms r_i in [0.5, 1]: H = diag(r_i²/2), so min qᵀHq = 1 / Σ 2/r_i²
    at q_i ∝ 1/r_i² (closed form)."""
    rng = np.random.default_rng(seed)
    r = rng.uniform(0.5, 1.0, n)
    y = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    return np.diag(r), y, 1.0 / np.sum(2.0 / r**2)


def test_tol_zero_stops_at_the_rounding_floor():
    X, y, f_star = _orthogonal_problem(24, seed=0)
    res = kernel_margin(X, y, tol=0.0)
    # the floor: a certified width of at most 4 rounding bounds, reached at the exact optimum
    assert res.status == OPTIMAL and res.rounding > 0
    assert 1.99 * res.rounding <= res.gap <= 4 * res.rounding  # >= 2 err up to the rounding of the width itself
    assert res.qp_lower <= f_star <= res.qp_upper
    assert res.lower <= math.sqrt(f_star) <= res.upper and res.lower <= res.value <= res.upper
    # a relative perturbation of the inputs at the 1e-15 level: same status, a bracket at the floor
    # that still contains the optimum (which moves by O(1e-15) relative, far below the bracket width)
    Xp = X * (1.0 + 1e-15 * np.random.default_rng(1).standard_normal(X.shape))
    Xp += 1e-15 * np.random.default_rng(2).uniform(0, 1, X.shape) * (X == 0)  # points no longer exactly orthogonal
    per = kernel_margin(Xp, y, tol=0.0)
    assert per.status == OPTIMAL and per.gap <= 4 * per.rounding
    slack = 1e-13 * f_star  # how far the perturbation can move the optimum (generous)
    assert per.qp_lower - slack <= f_star <= per.qp_upper + slack
    assert abs(per.value - res.value) <= res.upper - res.lower + per.upper - per.lower + slack


def test_result_does_not_depend_on_the_input_buffer():
    # the solver copies its inputs into torch's own aligned memory, so a numpy buffer at an odd
    # 8-byte offset gives the same bits (BLAS rounding may depend on operand alignment)
    X, y = sphere_data(90, 6, seed=4)
    buf = np.empty(X.size + 1)
    Xo = buf[1:].reshape(X.shape)
    Xo[:] = X
    a, b = kernel_margin(X, y), kernel_margin(Xo, y)
    assert (a.qp_lower, a.qp_upper, a.value, a.iterations) == (b.qp_lower, b.qp_upper, b.value, b.iterations)
    assert np.array_equal(a.q, b.q)


def test_iteration_limit_reports_a_valid_bracket():
    X, y = sphere_data(150, 8, seed=1)
    ref = _clarabel_qp(X, y)
    res = kernel_margin(X, y, max_iter=2, polish=False)
    assert res.status == ITERATION_LIMIT and res.iterations == 2
    assert res.qp_lower <= ref <= res.qp_upper
    assert res.gap > 1e-6 * res.qp_upper


def test_torch_input_and_device():
    X, y = sphere_data(80, 5, seed=7)
    a = kernel_margin(X, y)
    b = kernel_margin(torch.tensor(X), torch.tensor(y), device="cpu")
    assert b.value == pytest.approx(a.value, rel=1e-9)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu():
    X, y = sphere_data(200, 6, seed=8)
    a = kernel_margin(X, y)
    b = kernel_margin(X, y, device="cuda")
    assert b.status == OPTIMAL and b.value == pytest.approx(a.value, rel=1e-6)


def test_bad_input_is_rejected():
    X, y = sphere_data(10, 3, seed=9)
    with pytest.raises(DataError, match="labels"):
        kernel_margin(X, np.where(y > 0, 1.0, 0.0))
    with pytest.raises(DataError, match=r"\|\|x\|\| > 1"):
        kernel_margin(3 * X, y)


# --------------------------------------------------------------------------------------------
# the kernel machine


def test_kernel_machine_fits_its_training_set_and_the_cube():
    X = hypercube(5)
    y = parity_labels(X, (0, 1))
    res = kernel_margin(X, y)
    # y_i s(x_i) = (Hq)_i >= qᵀHq > 0 at the optimum: every training point is classified correctly
    assert kernel_machine_test_error(X, y, res.q, X, y) == 0.0
    Xs = sample_parity(40, 5, np.random.default_rng(0))
    ys = parity_labels(Xs, (0, 1))
    small = kernel_margin(Xs, ys)
    pred = kernel_machine_predict(Xs, ys, small.q, Xs)
    assert np.array_equal(pred, ys)
    err = kernel_machine_test_error(Xs, ys, small.q, X, y)
    assert 0.0 <= err <= 0.5
