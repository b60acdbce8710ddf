"""The DAG's two frozen-direction LP margins (lowrot.sweep.frozen_lp_columns for the no-rotation learner,
lowrot.margin_jobs.frozen_direction_margins for the population) solve by column generation
(frozen_lp_margin, tol FROZEN_LP_TOL): their brackets agree with the dense HiGHS LP
(lp_margin_fixed_directions) on small cube problems, including widths m too small to separate 2-parity
(status 'not_separable', value 0), and invalid data or solver failures are status rows."""

import importlib
import math

import numpy as np
import pytest
from scipy.optimize import OptimizeResult

from lowrot.data import Dataset, hypercube, parity_labels
from lowrot.margin_jobs import frozen_direction_margins
from lowrot.margins import NOT_SEPARABLE, OPTIMAL, lp_margin_fixed_directions
from lowrot.margins.frozen_lp import FROZEN_LP_TOL, frozen_lp_margin
from lowrot.model import init_network
from lowrot.sweep import frozen_lp_columns
from sphere_data import sphere_data

# the statuses the two call sites may write (lowrot.margins.frozen_lp, lowrot.sweep)
DOCUMENTED = {"optimal", "not_separable", "stalled", "iteration_limit"}


def _agree(lower, upper, dense, rtol=1e-9):
    """The two certified brackets intersect (up to rounding) and the column-generation bracket holds
    the dense LP's value (its measure's margin, a lower bound, and optimal to HiGHS's tolerance)."""
    slack = 1e-14
    assert lower <= dense.upper * (1 + rtol) + slack
    assert dense.lower <= upper * (1 + rtol) + slack
    assert lower - slack <= dense.value * (1 + rtol) and dense.value <= upper * (1 + rtol) + slack


def _cube(d, seed, n=None):
    X = hypercube(d)
    y = parity_labels(X, (0, 1))
    if n is not None:
        idx = np.random.default_rng(seed).permutation(len(y))[:n]
        X, y = X[idx], y[idx]
    return X, y


def test_the_dag_asks_for_relative_width_1e_3():
    assert FROZEN_LP_TOL == 1e-3


@pytest.mark.parametrize("d,m", [(6, 8), (6, 64), (7, 16), (7, 256), (8, 16), (8, 128)])
def test_frozen_lp_columns_agree_with_dense_highs(d, m):
    # per no-rotation network (seed, n): the full cube and a random 40-point training set
    networks = [(0, 2**d), (1, 2**d), (0, 40), (1, 40)]
    data = [_cube(d, s) if n == 2**d else _cube(d, s, n) for s, n in networks]
    V0 = np.stack([init_network(s, m, d)[1].numpy() for s, _ in networks])  # unnormalized, as the learner keeps them
    out = frozen_lp_columns(networks, [X for X, _ in data], [y for _, y in data], V0)
    assert list(out.columns) == ["seed", "n", "frozen_lp_value", "frozen_lp_upper", "frozen_lp_status"]
    assert list(zip(out["seed"], out["n"])) == networks
    for row, (X, y), V in zip(out.itertuples(), data, V0):
        dense = lp_margin_fixed_directions(X, y, V)
        assert row.frozen_lp_status == dense.status and row.frozen_lp_status in DOCUMENTED
        lo, up = row.frozen_lp_value, row.frozen_lp_upper
        assert 0.0 <= lo <= up
        _agree(lo, up, dense)
        if row.frozen_lp_status == OPTIMAL:
            assert (up - lo) / up <= FROZEN_LP_TOL and lo > 0
        else:
            assert lo == 0.0 and up <= 1e-12
    if (d, m) in ((6, 8), (8, 16)):  # too few directions to separate 2-parity on the whole cube: both solvers certify 0
        assert set(out.loc[out["n"] == 2**d, "frozen_lp_status"]) == {NOT_SEPARABLE}
    if m >= 128:
        assert set(out["frozen_lp_status"]) == {OPTIMAL}


def test_frozen_lp_columns_one_class_training_set_is_a_row():
    X, y = _cube(6, 0)
    keep = y > 0
    V = init_network(0, 32, 6)[1].numpy()
    out = frozen_lp_columns([(0, 5), (1, 64)], [X[keep][:5], X], [y[keep][:5], y], [V, V])
    bad, good = out.iloc[0], out.iloc[1]
    assert bad["frozen_lp_status"].startswith("invalid_data: ") and "one class" in bad["frozen_lp_status"]
    assert math.isnan(bad["frozen_lp_value"]) and bad["frozen_lp_upper"] == math.inf
    assert good["frozen_lp_status"] == OPTIMAL


def _dataset(X, y, seeds=(0, 1), kind="full_cube"):
    S = len(seeds)
    return Dataset(X_pool=np.repeat(X[None, :8], S, 0), y_pool=np.repeat(y[None, :8], S, 0), seeds=np.array(seeds), X_test=X, y_test=y, test_kind=kind, spec={})


def test_frozen_direction_margins_agree_with_dense_highs():
    # m = 512 > the first working set (256 columns): several rounds of column generation
    d, widths = 7, [8, 64, 512]
    X, y = _cube(d, 0)
    out = frozen_direction_margins(_dataset(X, y), {"global_max_points": 4096, "frozen_widths": widths})
    assert len(out) == 2 * len(widths)
    assert set(out["problem"]) == {"population"} and set(out["quantity"]) == {"frozen_lp"} and set(out["n"]) == {2**d}
    assert (out["d"] == d).all()
    for row in out.itertuples():
        U = init_network(row.seed, row.m, d)[1].numpy()
        dense = lp_margin_fixed_directions(X, y, U)
        assert row.status == dense.status and row.status in DOCUMENTED
        assert row.value == row.lower and 0.0 <= row.lower <= row.upper
        _agree(row.lower, row.upper, dense)
        # the fields the other margin rows carry are filled
        assert row.certified is True and row.gap == row.upper - row.lower and row.iterations >= 1
        assert math.isnan(row.mc_stderr) and math.isnan(row.estimate)
        if row.m == 8:
            assert row.status == NOT_SEPARABLE and row.value == 0.0 and row.upper <= 1e-12
        else:
            assert row.status == OPTIMAL and row.value > 0 and (row.upper - row.lower) / row.upper <= FROZEN_LP_TOL
    assert out.loc[out["m"] == 512, "iterations"].min() > 1


def test_frozen_direction_margins_on_a_test_sample_and_on_one_class():
    X, y = sphere_data(300, 5, 0)
    out = frozen_direction_margins(_dataset(X, y, seeds=(3,), kind="sampled"), {"global_max_points": 120, "frozen_widths": [32]})
    row = out.iloc[0]
    assert row["problem"] == "test_sample" and row["n"] == 120
    _agree(row["lower"], row["upper"], lp_margin_fixed_directions(X[:120], y[:120], init_network(3, 32, 5)[1].numpy()))
    y1 = np.ones_like(y)
    out = frozen_direction_margins(_dataset(X, y1, seeds=(3,), kind="sampled"), {"global_max_points": 120, "frozen_widths": [32]})
    row = out.iloc[0]
    assert row["status"].startswith("invalid_data: ") and math.isnan(row["value"]) and row["upper"] == math.inf


def _failing_linprog(*args, **kwargs):
    return OptimizeResult(status=4, success=False, message="Numerical difficulties (injected)", x=None, fun=None)


def test_a_solver_failure_is_a_row_at_both_call_sites(monkeypatch):
    monkeypatch.setattr(importlib.import_module("lowrot.margins.lp"), "linprog", _failing_linprog)
    X, y = _cube(6, 0)
    V = init_network(0, 64, 6)[1].numpy()
    row = frozen_lp_columns([(0, 64)], [X], [y], [V]).iloc[0]
    assert row["frozen_lp_status"].startswith("solver_error: ") and "injected" in row["frozen_lp_status"]
    assert math.isnan(row["frozen_lp_value"]) and row["frozen_lp_upper"] == math.inf
    row = frozen_direction_margins(_dataset(X, y, seeds=(0,)), {"global_max_points": 4096, "frozen_widths": [64]}).iloc[0]
    assert row["status"].startswith("solver_error: ") and "injected" in row["status"]
    assert math.isnan(row["value"]) and math.isnan(row["lower"]) and row["upper"] == math.inf
    assert not row["certified"]
    assert row["gap"] == math.inf


def test_optimal_means_the_reported_relative_width_is_within_tol():
    # a loose tolerance stops column generation before the bracket closes; the reported bracket is
    # then at most tol wide (relative) and still holds the dense LP's value
    X, y = _cube(7, 0)
    U = init_network(0, 600, 7)[1].numpy()
    dense = lp_margin_fixed_directions(X, y, U)
    widths = []
    for tol in (0.3, 0.1):
        res = frozen_lp_margin(X, y, U, tol=tol, initial=4, batch=2)
        assert res.status == OPTIMAL and res.relative_width <= tol
        assert res.certified and res.gap == res.upper - res.lower and res.iterations == res.rounds
        _agree(res.lower, res.upper, dense)
        widths.append(res.relative_width)
    assert max(widths) > 1e-3  # it did stop early
