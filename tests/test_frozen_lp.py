"""frozen_lp_margin (column generation with exact pricing over frozen directions): agreement with the
dense HiGHS LP, closed forms, the not-separable case and solver failures as status rows."""

import importlib
import math

import numpy as np
import pytest
from scipy.optimize import OptimizeResult

from lowrot.data import hypercube, parity_labels
from lowrot.margins import NOT_SEPARABLE, OPTIMAL, LPMarginResult, lp_margin_fixed_directions
from lowrot.margins.frozen_lp import frozen_lp_margin, price_directions
from lowrot.model import init_network
from sphere_data import sphere_data


def _gl_parity(d):
    return 1.0 / (4.0 * math.sqrt(2.0 * d))


def _overlap(a, b, rtol=1e-9):
    return max(a.lower, b.lower) <= min(a.upper, b.upper) * (1 + rtol) + 1e-15


@pytest.mark.parametrize("d,n,m,seed", [(3, 40, 300, 0), (5, 60, 800, 1), (8, 80, 1500, 2), (4, 25, 60, 3)])
def test_agrees_with_dense_highs_on_random_problems(d, n, m, seed):
    X, y = sphere_data(n, d, seed)
    U = np.random.default_rng(100 + seed).standard_normal((m, d))
    dense = lp_margin_fixed_directions(X, y, U)
    # a small working set and batch force several rounds of column generation
    res = frozen_lp_margin(X, y, U, tol=1e-6, initial=8, batch=4)
    assert isinstance(res, LPMarginResult)
    assert dense.status == OPTIMAL and res.status == OPTIMAL
    assert res.rounds > 1 and res.columns < m
    assert res.relative_width <= 1e-6 and res.lower <= res.upper
    assert _overlap(res, dense)
    assert res.contains(dense.value, rtol=1e-6) and dense.contains(res.value, rtol=1e-6)
    # the returned measure lives on all m directions, has mass <= 1, and its margin is t
    assert res.weights.shape == (m,) and np.abs(res.weights).sum() <= 1 + 1e-12
    t = np.min(y * (np.maximum(X @ res.directions.T, 0.0) @ res.weights))
    assert t == pytest.approx(res.t, rel=1e-12, abs=1e-15) and res.value <= t / 2
    # the upper end is the exact pricing of its dual over all directions (plus the rounding slack)
    q = res.q
    assert q.min() >= 0 and q.sum() == pytest.approx(1.0, rel=1e-12)
    h = price_directions(X, q * y, res.directions)
    assert res.upper >= np.abs(h).max() / 2 and res.upper == pytest.approx(np.abs(h).max() / 2, rel=1e-9)


def test_parity_cube_with_the_optimal_sparse_directions_reaches_the_closed_form():
    # the dictionary LP never exceeds γ_gl = 1/(4 sqrt(2d)) (its directions are a subset of the sphere),
    # and the four directions (±e0 ± e1)/√2 carry a measure with that margin: with them appended to many
    # random directions the LP margin is exactly γ_gl
    d, m = 6, 2000
    X = hypercube(d)
    y = parity_labels(X, (0, 1))
    _, V = init_network(0, m, d)
    S = np.zeros((4, d))
    S[:, :2] = [[1, 1], [1, -1], [-1, 1], [-1, -1]]
    U = np.vstack([V.numpy(), S])
    res = frozen_lp_margin(X, y, U, tol=1e-9, initial=1, batch=2)
    assert res.status == OPTIMAL and res.rounds > 1
    assert res.contains(_gl_parity(d), rtol=1e-12)
    assert res.value == pytest.approx(_gl_parity(d), rel=1e-9)
    # random directions alone do strictly worse, and their bracket lies below γ_gl
    alone = frozen_lp_margin(X, y, V.numpy(), tol=1e-9)
    assert alone.status == OPTIMAL and alone.upper < _gl_parity(d)


def test_duplicated_and_rescaled_directions_change_nothing():
    # the LP depends only on the set of unit directions: copies and positive rescalings add nothing
    X, y = sphere_data(30, 4, 5)
    U = np.random.default_rng(5).standard_normal((200, 4))
    base = frozen_lp_margin(X, y, U, tol=1e-9)
    more = frozen_lp_margin(X, y, np.vstack([U * 3.0, U[::-1] * 0.5, np.zeros((1, 4))]), tol=1e-9, initial=4, batch=8)
    assert base.status == OPTIMAL and more.status == OPTIMAL
    assert more.directions.shape == (400, 4)  # the zero row is dropped
    assert _overlap(base, more) and more.value == pytest.approx(base.value, rel=1e-8)


def test_directions_that_never_see_a_point_give_not_separable():
    # every direction has u·x0 <= 0, so every network over them outputs 0 at x0: t* = 0 (q = δ_{x0} certifies)
    X, y = sphere_data(20, 3, 7)
    x0 = X[0] / np.linalg.norm(X[0])
    U = np.random.default_rng(7).standard_normal((500, 3))
    U -= np.maximum(U @ x0, 0.0)[:, None] * x0 + 1e-3 * x0  # project into the open half-space u·x0 < 0
    assert np.all(U @ X[0] < 0)
    res = frozen_lp_margin(X, y, U, initial=4, batch=4)
    dense = lp_margin_fixed_directions(X, y, U)
    assert dense.status == NOT_SEPARABLE
    assert res.status == NOT_SEPARABLE and res.value == 0.0 and res.lower == 0.0
    assert 0.0 <= res.upper <= 1e-12


@pytest.mark.parametrize("d,m", [(6, 8), (8, 32)])
def test_too_few_frozen_directions_for_parity_give_not_separable_over_several_rounds(d, m):
    # a width too small to separate 2-parity on the cube (the dense LP certifies 0 too); a small working
    # set makes column generation reach the certificate over several rounds
    X = hypercube(d)
    y = parity_labels(X, (0, 1))
    U = init_network(0, m, d)[1].numpy()
    assert lp_margin_fixed_directions(X, y, U).status == NOT_SEPARABLE
    res = frozen_lp_margin(X, y, U, initial=2, batch=2)
    assert res.status == NOT_SEPARABLE and res.rounds > 1
    assert res.value == 0.0 and res.lower == 0.0 and 0.0 <= res.upper <= 1e-12
    assert res.certified and res.gap == res.upper and not np.any(res.weights)


def test_a_point_and_its_half_with_opposite_labels_are_not_separable():
    x = np.array([0.6, 0.0, 0.8])
    X, y = np.vstack([x, x / 2]), np.array([1.0, -1.0])
    res = frozen_lp_margin(X, y, np.random.default_rng(0).standard_normal((50, 3)))
    assert res.status == NOT_SEPARABLE and res.value == 0.0 and res.upper <= 1e-12


def _failing_linprog(*args, **kwargs):
    return OptimizeResult(status=4, success=False, message="Numerical difficulties (injected)", x=None, fun=None)


def test_a_highs_failure_is_a_status_row(monkeypatch):
    monkeypatch.setattr(importlib.import_module("lowrot.margins.lp"), "linprog", _failing_linprog)
    X, y = sphere_data(10, 3, 0)
    res = frozen_lp_margin(X, y, np.random.default_rng(0).standard_normal((40, 3)))
    assert res.status.startswith("solver_error: ") and "injected" in res.status
    assert math.isnan(res.value) and math.isnan(res.lower) and res.upper == math.inf


def test_a_failure_after_the_first_round_keeps_a_certified_bracket(monkeypatch):
    lp_module = importlib.import_module("lowrot.margins.lp")
    real, calls = lp_module.linprog, []

    def fail_second(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs) if len(calls) == 1 else _failing_linprog()

    X, y = sphere_data(40, 4, 3)
    U = np.random.default_rng(3).standard_normal((400, 4))
    ref = lp_margin_fixed_directions(X, y, U)
    monkeypatch.setattr(lp_module, "linprog", fail_second)
    res = frozen_lp_margin(X, y, U, tol=1e-9, initial=4, batch=2)
    assert res.status.startswith("solver_error: ") and res.rounds == 1
    assert math.isfinite(res.lower) and math.isfinite(res.upper) and res.lower < res.upper
    assert res.contains(ref.value, rtol=1e-9)


def test_round_limit_reports_a_valid_bracket():
    X, y = sphere_data(60, 5, 4)
    U = np.random.default_rng(4).standard_normal((1000, 5))
    ref = lp_margin_fixed_directions(X, y, U)
    res = frozen_lp_margin(X, y, U, tol=1e-9, initial=2, batch=1, max_rounds=2)
    assert res.status == "iteration_limit" and res.rounds == 2
    assert res.relative_width > 1e-9 and res.contains(ref.value, rtol=1e-9)


@pytest.mark.parametrize("key,value", [("tol", -1.0), ("initial", 0), ("batch", 1.5), ("max_rounds", 0)])
def test_bad_settings_name_the_key(key, value):
    X, y = sphere_data(10, 3, 0)
    with pytest.raises(ValueError, match=key):
        frozen_lp_margin(X, y, np.eye(3), **{key: value})
