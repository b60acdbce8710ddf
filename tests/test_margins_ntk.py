"""NTK margin γ_ntk: closed forms, an independent SOCP solver, the parity fast path, Jensen."""

import itertools
import math

import numpy as np
import pytest

from lowrot.data import hypercube, parity_labels
from sphere_data import sphere_data

from lowrot.margins import (
    ITERATION_LIMIT,
    OPTIMAL,
    gaussian_directions,
    kernel_margin,
    ntk_margin,
    ntk_margin_parity_cube,
)


def _clarabel_socp(X, y, V):
    """Reference: min_q (1/M) Σ_k ||A_k q|| over the simplex by cvxpy + Clarabel."""
    cp = pytest.importorskip("cvxpy")
    masks, counts = np.unique(V @ X.T >= 0, axis=0, return_counts=True)
    q = cp.Variable(X.shape[0])
    YX = y[:, None] * X
    obj = sum(w * cp.norm((YX * m[:, None]).T @ q) for m, w in zip(masks, counts)) / V.shape[0]
    prob = cp.Problem(cp.Minimize(obj), [q >= 0, cp.sum(q) == 1])
    prob.solve(solver="CLARABEL")
    return prob.value


def _sign_orbits(V):
    """All sign flips D v of each row v (the orbit of the cube's symmetry group acting on directions)."""
    d = V.shape[1]
    signs = np.array(list(itertools.product((1.0, -1.0), repeat=d)))
    return (signs[:, None, :] * V[None]).reshape(-1, d)


def test_two_orthogonal_points_closed_form():
    # x1 = e1 (y = +1), x2 = e2 (y = -1): E_v||q1 e1 1[v1 >= 0] - q2 e2 1[v2 >= 0]||
    # = (sqrt(q1² + q2²) + q1 + q2) / 4, minimized at q = (1/2, 1/2): (1 + 1/sqrt(2)) / 4.
    quadrants = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    res = ntk_margin(np.eye(2), np.array([1.0, -1.0]), directions=quadrants, tol=1e-9)
    exact = (1 + 1 / math.sqrt(2)) / 4
    assert res.status == OPTIMAL
    assert res.lower <= exact <= res.upper * (1 + 1e-12)
    assert res.value == pytest.approx(exact, rel=1e-9)
    assert np.allclose(res.q, [0.5, 0.5], atol=1e-6)
    # γ_ntk <= γ_ntk,2 = 1/2
    assert res.value <= kernel_margin(np.eye(2), np.array([1.0, -1.0])).lower


@pytest.mark.parametrize("n,d,M,seed", [(40, 4, 300, 0), (120, 8, 400, 1)])
def test_agrees_with_clarabel(n, d, M, seed):
    X, y = sphere_data(n, d, seed)
    V = gaussian_directions(d, M, seed)
    ref = _clarabel_socp(X, y, V)
    res = ntk_margin(X, y, directions=V, tol=1e-6)
    assert res.status == OPTIMAL
    assert res.lower <= ref * (1 + 1e-7) and ref <= res.upper * (1 + 1e-7)
    assert res.upper == pytest.approx(ref, rel=1e-6)
    assert res.num_directions == M and 0 < res.mc_stderr < res.value


def test_iteration_limit_reports_a_valid_bracket():
    X, y = sphere_data(40, 4, 0)
    V = gaussian_directions(4, 300, 0)
    ref = _clarabel_socp(X, y, V)
    res = ntk_margin(X, y, directions=V, max_iter=2, tol=1e-9)
    assert res.status == ITERATION_LIMIT and res.iterations == 2
    assert res.lower <= ref <= res.upper


@pytest.mark.parametrize("d", [3, 4])
def test_parity_fast_path_is_the_symmetric_optimum(d):
    # On the sign-flip orbits of the sampled v the uniform q is exactly optimal: the general solver's
    # bracket must contain the fast path's value (to the solver's tolerance).
    V = gaussian_directions(d, 150, 11)
    fast = ntk_margin_parity_cube(d, directions=V)
    X = hypercube(d)
    y = parity_labels(X, (0, 1))
    gen = ntk_margin(X, y, directions=_sign_orbits(V), tol=1e-7)
    assert gen.status == OPTIMAL
    assert gen.lower <= fast.value * (1 + 1e-9) and fast.value <= gen.upper * (1 + 1e-9)
    assert gen.mc_stderr == pytest.approx(fast.mc_stderr * math.sqrt(150 / (150 * 2**d)), rel=0.02)


def test_parity_fast_path_against_the_general_solver_on_samples():
    d = 4
    X = hypercube(d)
    y = parity_labels(X, (0, 1))
    # same v samples (no symmetrization): the general solver may only go lower (it optimizes q),
    # by about the Monte-Carlo error at most
    fast = ntk_margin_parity_cube(d, num_directions=3000, seed=1)
    same = ntk_margin(X, y, num_directions=3000, seed=1, tol=1e-5)
    assert same.lower <= fast.value * (1 + 1e-9)
    assert fast.value - same.upper <= 3 * fast.mc_stderr
    # independent v samples: agreement within a few standard errors
    other = ntk_margin(X, y, num_directions=3000, seed=2, tol=1e-5)
    assert abs(other.value - fast.value) <= 4 * math.hypot(other.mc_stderr, fast.mc_stderr) + fast.value - same.upper


def test_ntk_margin_is_below_the_kernel_margin():
    # Jensen: (1/M) Σ_k ||A_k q|| <= sqrt(qᵀ H_M q) with H_M = (1/M) Σ_k A_kᵀA_k, exactly, at any q;
    # and γ_ntk <= γ_ntk,2 in the population (checked within the Monte-Carlo error).
    for seed, (n, d) in enumerate([(30, 3), (80, 6), (150, 10)]):
        X, y = sphere_data(n, d, seed)
        ker = kernel_margin(X, y)
        V = gaussian_directions(d, 2000, seed)
        ntk = ntk_margin(X, y, directions=V, tol=1e-4)
        A = (V @ X.T >= 0)[:, :, None] * (y[:, None] * X)[None]  # (M, n, d)
        Z = np.einsum("kid,i->kd", A, ker.q)
        H_M = np.einsum("kid,kjd->ij", A, A) / V.shape[0]
        assert ntk.lower <= np.linalg.norm(Z, axis=1).mean() <= math.sqrt(ker.q @ H_M @ ker.q) * (1 + 1e-12)
        assert ntk.lower <= ker.upper + 3 * ntk.mc_stderr


@pytest.mark.parametrize("d", [4, 6, 8, 10, 12, 14])
def test_parity_population_value_is_about_half_over_d(d):
    res = ntk_margin_parity_cube(d, num_directions=4000, seed=d)
    assert res.mc_stderr < 0.015 * res.value
    assert 0.5 / d <= res.value <= 0.65 / d
    assert res.q.shape == (2**d,) and res.lower == res.upper == res.value


def test_bad_directions_are_rejected():
    X, y = sphere_data(10, 3, 0)
    with pytest.raises(ValueError, match="directions"):
        ntk_margin(X, y, directions=np.ones((5, 2)))
    with pytest.raises(ValueError, match="num_directions"):
        ntk_margin(X, y, num_directions=1)
