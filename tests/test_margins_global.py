"""Global margin γ_gl: closed forms, certificates, exact pricing against brute force, the LP over
fixed directions and its network reading (the factor 1/2)."""

import importlib
import math

import numpy as np
import pytest
from scipy.optimize import OptimizeResult

from lowrot.data import hypercube, parity_labels, random_rotation, sample_parity
from lowrot.sweep import frozen_lp_columns
from sphere_data import sphere_data

from lowrot.margins import (
    CONVERGED_UNCERTIFIED,
    ITERATION_LIMIT,
    OPTIMAL,
    global_margin,
    lp_margin_fixed_directions,
    parity_cube_certificate,
    price_exact,
)


def _brute_max(X, c, samples=200_000, seed=0):
    """max over many random unit u of Σ_i c_i σ(u·x_i): a lower estimate of the supremum."""
    U = np.random.default_rng(seed).standard_normal((samples, X.shape[1]))
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    return float((np.maximum(U @ X.T, 0.0) @ c).max())


def _gl_parity(d):
    return 1.0 / (4.0 * math.sqrt(2.0 * d))


# --------------------------------------------------------------------------------------------
# known answers


@pytest.mark.parametrize("d", [3, 4, 5, 6, 7, 8])
def test_two_sparse_parity_on_the_cube(d):
    X = hypercube(d)
    y = parity_labels(X, (0, 1))
    res = global_margin(X, y)
    exact = _gl_parity(d)
    assert res.status == OPTIMAL and res.certified and res.certificate == "parity_cube"
    assert abs(res.lower - exact) <= 1e-6 * exact
    assert res.lower <= exact * (1 + 1e-12) and exact <= res.upper * (1 + 1e-12)
    # the measure: four neurons (±e0 ± e1)/√2 with mass 1/4 and sign ε0 ε1
    assert np.abs(res.weights).sum() == pytest.approx(1.0, abs=1e-9)
    assert np.all(np.abs(res.directions[:, 2:]) < 1e-9)


def test_global_margin_slope_against_d_is_minus_one_half():
    ds = np.arange(3, 9)
    vals = []
    for d in ds:
        X = hypercube(int(d))
        vals.append(global_margin(X, parity_labels(X, (0, 1))).value)
    slope = np.polyfit(np.log(ds), np.log(vals), 1)[0]
    assert slope == pytest.approx(-0.5, abs=0.01)


def test_two_orthogonal_points():
    # x1 = e1 (y = +1), x2 = e2 (y = -1). ν = δ_e1/2 - δ_e2/2 gives margin 1/2 on both points; the dual
    # q = (1/2, 1/2) bounds sup_u |σ(u1) - σ(u2)|/2 = 1/2. So t* = 1/2 and γ_gl = 1/4.
    res = global_margin(np.eye(2), np.array([1.0, -1.0]))
    assert res.status == OPTIMAL and res.certified and res.certificate == "exact_pricing"
    assert res.lower == pytest.approx(0.25, abs=1e-12) and res.lower <= 0.25 <= res.upper
    atoms = {tuple(np.round(u, 9)): w for u, w in zip(res.directions, res.weights)}
    assert atoms[(1.0, 0.0)] == pytest.approx(0.5) and atoms[(0.0, 1.0)] == pytest.approx(-0.5)


@pytest.mark.parametrize("alpha", [0.3, 0.6, 1.0])
def test_symmetric_toy_with_known_max_margin_neurons(alpha):
    # positives p_k = (cos α, sin α cos β_k, sin α sin β_k), β_k = 2πk/5, negatives -p_k.
    # ν = (δ_e1 - δ_-e1)/2 has margin cos(α)/2 on every point; the uniform q gives
    # h(u) = (1/10) Σ_k (σ(u·p_k) - σ(-u·p_k)) = u·Σ_k p_k / 10 = cos(α) u1 / 2 <= cos(α)/2.
    # So γ_gl = cos(α)/4, attained by the neurons ±e1.
    K = 5
    beta = 2 * math.pi * np.arange(K) / K
    P = np.stack([np.full(K, math.cos(alpha)), math.sin(alpha) * np.cos(beta), math.sin(alpha) * np.sin(beta)], 1)
    X, y = np.vstack([P, -P]), np.r_[np.ones(K), -np.ones(K)]
    res = global_margin(X, y)
    exact = math.cos(alpha) / 4
    assert res.status == OPTIMAL and res.certified
    assert res.lower <= exact * (1 + 1e-12) and exact <= res.upper
    assert res.lower == pytest.approx(exact, rel=1e-6)
    big = np.abs(res.weights) > 1e-6
    assert np.allclose(np.abs(res.directions[big][:, 0]), 1.0, atol=1e-6)


@pytest.mark.parametrize("seed", [0, 1])
def test_random_planar_problem_against_a_fine_grid(seed):
    # d = 2: the LP over 7200 directions on the circle is a lower bound of t*, within grid resolution;
    # the certified upper bound is checked against a dense sampling of |h| at the returned dual q
    X, y = sphere_data(25, 2, seed)
    ang = np.linspace(0, 2 * math.pi, 7200, endpoint=False)
    grid = lp_margin_fixed_directions(X, y, np.stack([np.cos(ang), np.sin(ang)], 1))
    res = global_margin(X, y, tol=1e-7)
    assert res.status == OPTIMAL and res.certified
    assert res.width <= 1e-7 * res.upper
    assert grid.value <= res.upper * (1 + 1e-9)
    assert res.lower >= grid.value * (1 - 1e-7)
    assert res.lower == pytest.approx(grid.value, rel=1e-2)
    c = res.q * y
    sup = max(_brute_max(X, c), _brute_max(X, -c))
    assert res.lower * (1 - 1e-3) <= sup / 2 <= res.upper * (1 + 1e-9)


# --------------------------------------------------------------------------------------------
# exact pricing and certificates


@pytest.mark.parametrize("d,n,seed", [(2, 30, 0), (3, 12, 1), (3, 40, 2), (4, 10, 3)])
def test_exact_pricing_against_brute_force(d, n, seed):
    X, _ = sphere_data(n, d, seed)
    c = np.random.default_rng(seed + 10).standard_normal(n) / n
    up, best, u, complete = price_exact(X, c)
    brute = _brute_max(X, c)
    assert complete and u is not None
    assert best == pytest.approx(float(np.maximum(X @ u, 0) @ c), rel=1e-12)  # attained
    assert brute <= up and best <= up <= best * (1 + 1e-8) + 1e-14
    assert best >= brute - 1e-12
    assert best - brute <= 1e-3 * abs(best)


def test_branch_and_bound_matches_the_sphere_enumeration():
    # a d = 3 problem embedded in R^4 (last coordinate 0) has the same supremum
    X, _ = sphere_data(12, 3, 4)
    c = np.random.default_rng(4).standard_normal(12)
    up3, best3, _, ok3 = price_exact(X, c)
    up4, best4, _, ok4 = price_exact(np.hstack([X, np.zeros((12, 1))]), c)
    assert ok3 and ok4
    assert best4 == pytest.approx(best3, rel=1e-9)


def test_parity_cube_certificate():
    d = 3
    X = hypercube(d)
    y = parity_labels(X, (0, 2))
    q, t_up = parity_cube_certificate(X, y)
    assert t_up == pytest.approx(1 / (2 * math.sqrt(2 * d)))
    assert np.allclose(q, 1 / 8)
    # the closed form is the exact supremum of |h| at the uniform q
    _, best_pos, _, _ = price_exact(X, q * y)
    _, best_neg, _, _ = price_exact(X, -q * y)
    assert max(best_pos, best_neg) == pytest.approx(t_up, rel=1e-9)
    assert parity_cube_certificate(X, -y) is not None  # negated labels
    assert parity_cube_certificate(X, parity_labels(X, (0,))) is None  # no square carries a 2-parity
    assert parity_cube_certificate(0.9 * X, y) is None  # not cube points
    # one point missing: the other complete square still certifies, and exactly
    q1, _ = parity_cube_certificate(X[1:], y[1:])
    assert np.count_nonzero(q1) == 4 and q1.sum() == pytest.approx(1.0)
    up, _, _, complete = price_exact(X[1:], q1 * y[1:])
    up_neg, _, _, _ = price_exact(X[1:], -q1 * y[1:])
    assert complete and max(up, up_neg) <= t_up * (1 + 1e-8)
    Xd, yd = np.vstack([X, X[:3]]), np.concatenate([y, y[:3]])  # copies: weights split
    qd, _ = parity_cube_certificate(Xd, yd)
    assert qd.sum() == pytest.approx(1.0) and qd[0] == pytest.approx(1 / 16)


def test_parity_sample_is_certified_by_a_square():
    d = 6
    X = sample_parity(100, d, np.random.default_rng(0))
    res = global_margin(X, parity_labels(X, (0, 1)))
    assert res.status == OPTIMAL and res.certified and res.certificate == "parity_cube"
    assert res.lower == pytest.approx(_gl_parity(d), rel=1e-9)


# --------------------------------------------------------------------------------------------
# the LP over fixed directions (no-rotation model), statuses


def test_fixed_directions_lp_and_its_network_reading():
    d = 5
    X = hypercube(d)
    y = parity_labels(X, (0, 1))
    U = np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]], dtype=float)
    U = np.hstack([U, np.zeros((4, d - 2))]) * 3.0  # normalized inside
    res = lp_margin_fixed_directions(X, y, U)
    assert res.status == OPTIMAL
    assert res.gamma == pytest.approx(_gl_parity(d), rel=1e-9)
    assert res.lower <= res.upper * (1 + 1e-12)
    # a network with a_j = sign(w_j) sqrt|w_j|, v_j = sqrt|w_j| u_j has ||W||_F² = 2 Σ|w_j| and
    # normalized margin min_i y_i g(x_i; W) / ||W||_F² = t/2 = γ
    a = np.sign(res.weights) * np.sqrt(np.abs(res.weights))
    V = np.sqrt(np.abs(res.weights))[:, None] * res.directions
    g = np.maximum(X @ V.T, 0.0) @ a
    assert np.min(y * g) / (np.sum(a**2) + np.sum(V**2)) == pytest.approx(res.gamma, rel=1e-9)
    # random frozen directions do worse than the global optimum
    R = np.random.default_rng(0).standard_normal((50, d))
    assert lp_margin_fixed_directions(X, y, R).gamma <= _gl_parity(d) * (1 + 1e-9)


def test_round_limit_reports_a_valid_bracket():
    X, y = sphere_data(25, 2, 0)
    ref = global_margin(X, y, tol=1e-7)
    assert ref.status == OPTIMAL and ref.certified
    R = np.random.default_rng(1).standard_normal((6, 2))
    res = global_margin(X, y, dictionary=R, max_rounds=0)
    assert res.status == ITERATION_LIMIT and res.rounds == 0
    # the final exact pricing certifies a (wider) bracket, and it contains the reference value
    assert res.certified and res.certificate == "exact_pricing" and math.isfinite(res.upper)
    assert res.lower <= ref.lower * (1 + 1e-9) and ref.lower <= res.upper * (1 + 1e-12)
    # without exact pricing the same run has no upper bound at all
    blind = global_margin(X, y, dictionary=R, max_rounds=0, exact_pricing="never")
    assert not blind.certified and blind.upper == math.inf and blind.estimate >= blind.lower


def test_without_exact_pricing_the_upper_column_is_infinite():
    K = 5
    beta = 2 * math.pi * np.arange(K) / K
    P = np.stack([np.full(K, math.cos(0.6)), math.sin(0.6) * np.cos(beta), math.sin(0.6) * np.sin(beta)], 1)
    res = global_margin(np.vstack([P, -P]), np.r_[np.ones(K), -np.ones(K)], exact_pricing="never")
    assert not res.certified and res.certificate is None
    assert res.status == CONVERGED_UNCERTIFIED
    assert res.upper == math.inf and res.gap == math.inf
    # the estimate is reported in its own field; here it is the exact value cos(α)/4 found heuristically
    assert res.lower <= res.estimate and res.estimate == pytest.approx(math.cos(0.6) / 4, rel=1e-6)


# --------------------------------------------------------------------------------------------
# the general solver: no parity certificate, no sparse sign directions, any basis


@pytest.mark.parametrize("d", [3, 4, 5])
def test_general_solver_on_the_rotated_parity_cube_contains_the_closed_form(d):
    # held-out style: γ_gl = 1/(4 sqrt(2d)) is rotation invariant, but a rotated cube is not axis-aligned,
    # so neither the parity certificate nor the sparse sign directions can help
    X = hypercube(d)
    y = parity_labels(X, (0, 1))
    R = random_rotation(d, np.random.default_rng(d))
    res = global_margin(X @ R.T, y, tol=1e-6, max_rounds=60, general=True)
    assert res.general and res.certified and res.certificate == "exact_pricing"
    assert np.isfinite(res.upper)
    assert res.lower <= _gl_parity(d) * (1 + 1e-12) and _gl_parity(d) <= res.upper
    assert res.lower == pytest.approx(_gl_parity(d), rel=1e-5)


def test_general_solver_on_the_axis_aligned_cube_uses_no_parity_structure():
    d = 4
    X = hypercube(d)
    y = parity_labels(X, (0, 1))
    res = global_margin(X, y, tol=1e-6, max_rounds=60, general=True)
    assert res.certified and res.certificate == "exact_pricing"  # not "parity_cube"
    assert res.lower <= _gl_parity(d) * (1 + 1e-12) <= res.upper * (1 + 1e-12)
    assert res.status == OPTIMAL and res.relative_width <= 1e-6


@pytest.mark.parametrize("d,n,seed", [(4, 20, 0), (5, 16, 1)])
def test_exact_pricing_is_certified_on_random_data(d, n, seed):
    # random sphere data (no structure): exact pricing closes the bracket, and the fine-grained LP over
    # many random directions (a lower bound of γ_gl) stays below the certified upper bound
    X, y = sphere_data(n, d, seed)
    res = global_margin(X, y, tol=1e-6, max_rounds=60)
    assert res.status == OPTIMAL and res.certified and res.relative_width <= 1e-6
    R = np.random.default_rng(seed).standard_normal((4000, d))
    assert lp_margin_fixed_directions(X, y, R).value <= res.upper


# --------------------------------------------------------------------------------------------
# solver failures are status rows


def _failing_linprog(*args, **kwargs):
    return OptimizeResult(status=4, success=False, message="Numerical difficulties (injected)", x=None, fun=None)


def test_a_highs_failure_is_a_status_row(monkeypatch):
    monkeypatch.setattr(importlib.import_module("lowrot.margins.lp"), "linprog", _failing_linprog)
    X, y = sphere_data(10, 3, 0)
    res = lp_margin_fixed_directions(X, y, np.eye(3))
    assert res.status.startswith("solver_error: ") and "injected" in res.status
    assert math.isnan(res.value) and math.isnan(res.lower) and res.upper == math.inf
    gl = global_margin(X, y)
    assert gl.status.startswith("solver_error: ") and "injected" in gl.status
    assert math.isnan(gl.value) and gl.upper == math.inf and not gl.certified
    rows = frozen_lp_columns([(0, 10)], [X], [y], [np.eye(3)])
    assert rows["frozen_lp_status"].iloc[0].startswith("solver_error: ")
    assert math.isnan(rows["frozen_lp_value"].iloc[0]) and rows["frozen_lp_upper"].iloc[0] == math.inf
