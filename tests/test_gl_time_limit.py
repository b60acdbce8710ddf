"""γ_gl under a clock or a node budget: whatever stops the search, the bracket still contains the
known answer, ``upper`` is a certified bound or +inf (never an estimate), and the status says why
the solver stopped."""

import importlib
import math

import numpy as np
import pytest

from lowrot.data import hypercube, parity_labels, random_rotation
from lowrot.margins import OPTIMAL, global_margin, price_exact
from lowrot.margins.global_margin import TIME_LIMIT
from lowrot.margins.pricing import exact_dual_bound
from sphere_data import sphere_data

# every status global_margin may end with when HiGHS does not fail (docstring of global_margin)
STATUSES = {"optimal", "not_separable", "iteration_limit", "time_limit", "stalled", "converged_uncertified"}


def _gl_parity(d):
    return 1.0 / (4.0 * math.sqrt(2.0 * d))


def _brute_max(X, c, samples=200_000, seed=0):
    U = np.random.default_rng(seed).standard_normal((samples, X.shape[1]))
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    return float((np.maximum(U @ X.T, 0.0) @ c).max())


def _honest(res, exact):
    """lower <= exact <= upper (rounding slack 1e-12), upper certified or +inf, statuses known."""
    assert res.status in STATUSES
    assert res.lower <= exact * (1 + 1e-12)
    assert exact <= res.upper * (1 + 1e-12)
    assert res.certified == math.isfinite(res.upper)
    if not res.certified:
        assert res.upper == math.inf and res.certificate is None
    assert res.lower <= res.estimate


@pytest.mark.parametrize("d", [4, 5, 6])
def test_time_limited_general_solver_brackets_the_closed_form(d):
    # the general solver (no parity certificate, no sparse sign directions) on the rotated cube, with
    # a clock far too short to converge: the bracket must still contain 1/(4 sqrt(2d))
    X = hypercube(d)
    y = parity_labels(X, (0, 1))
    R = random_rotation(d, np.random.default_rng(d))
    res = global_margin(X @ R.T, y, tol=1e-9, max_rounds=60, general=True, time_limit=0.3)
    _honest(res, _gl_parity(d))
    assert res.status in (TIME_LIMIT, OPTIMAL, "stalled")


def test_a_clock_that_stops_at_once_gives_a_valid_lower_end_and_says_so():
    d = 5
    X = hypercube(d)
    y = parity_labels(X, (0, 1))
    res = global_margin(X, y, tol=1e-9, general=True, time_limit=1e-6)
    assert res.status == TIME_LIMIT and res.rounds == 0
    _honest(res, _gl_parity(d))
    # the first LP's measure is kept: a network with a positive margin
    assert res.lower > 0 and np.abs(res.weights).sum() <= 1 + 1e-12


def test_time_limit_does_not_hide_the_parity_certificate():
    # a complete square certifies in closed form at once, whatever the clock
    d = 6
    X = hypercube(d)
    y = parity_labels(X, (0, 1))
    res = global_margin(X, y, tol=1e-6, time_limit=5.0)
    assert res.status == OPTIMAL and res.certificate == "parity_cube"
    assert res.lower == pytest.approx(_gl_parity(d), rel=1e-6)
    _honest(res, _gl_parity(d))


def test_default_time_limit_is_finite_and_none_means_no_clock():
    X, y = sphere_data(12, 3, 0)
    a = global_margin(X, y, tol=1e-7)
    b = global_margin(X, y, tol=1e-7, time_limit=None)
    assert a.status == OPTIMAL and b.status == OPTIMAL
    assert a.lower == pytest.approx(b.lower, rel=1e-6)
    with pytest.raises(ValueError):
        global_margin(X, y, time_limit=0.0)
    with pytest.raises(ValueError):
        global_margin(X, y, time_limit="soon")


def test_the_general_solver_runs_without_a_clock_by_default(monkeypatch):
    # claim M2 needs its certified bracket within 2e-3 at d = 8, which takes about a minute: 'auto'
    # gives the general solver no clock (the searches get no deadline), the default solver 20 s
    gm = importlib.import_module("lowrot.margins.global_margin")
    seen = []
    real = gm.exact_dual_bound

    def spy(*args, **kwargs):
        seen.append(kwargs.get("deadline"))
        return real(*args, **kwargs)

    monkeypatch.setattr(gm, "exact_dual_bound", spy)
    X, y = sphere_data(10, 4, 1)
    global_margin(X, y, tol=1e-6, general=True)
    assert seen and all(dl is None for dl in seen)
    seen.clear()
    global_margin(X, y, tol=1e-6)
    assert seen and all(dl is not None for dl in seen)


@pytest.mark.parametrize("d,n,seed", [(4, 24, 0), (5, 30, 1)])
def test_an_interrupted_exact_search_still_bounds_the_supremum(d, n, seed):
    # the node budget runs out: the bound of the open nodes is still an upper bound of sup h (checked
    # against the exact value of a complete search and a dense random sampling)
    X, _ = sphere_data(n, d, seed)
    c = np.random.default_rng(seed + 10).standard_normal(n) / n
    up_full, best_full, _, complete = price_exact(X, c)
    assert complete
    for budget in (1, 3, 10, 30):
        up, best, u, done = price_exact(X, c, max_nodes=budget)
        assert best <= best_full * (1 + 1e-12) + 1e-15  # attained values
        assert up >= best_full * (1 - 1e-12)  # a bound of the supremum
        if not done:
            assert up >= _brute_max(X, c)
    # and a deadline in the past stops it the same way (the root is never bounded: +inf)
    up, _, _, done = price_exact(X, c, deadline=0.0)
    assert not done and up == math.inf


def test_dual_bound_under_a_budget_is_valid_for_both_signs():
    X, _ = sphere_data(20, 4, 3)
    c = np.random.default_rng(3).standard_normal(20) / 20
    exact = max(price_exact(X, c)[1], price_exact(X, -c)[1])
    for budget in (2, 20, 20000):
        up, cols, complete, exhausted = exact_dual_bound(X, c, -math.inf, budget)
        assert exhausted != complete
        assert up >= exact * (1 - 1e-12)
        if complete:
            assert up <= exact * (1 + 1e-9) + 1e-14
    # a cutoff below what the +h side can prove makes the result +inf, never a one-sided bound
    up, _, complete, exhausted = exact_dual_bound(X, c, -math.inf, 20000, cutoff=1e-9)
    assert up == math.inf and not complete and not exhausted
