"""The n* estimator recovers known crossings; exponent fits recover known slopes."""

import numpy as np
import pandas as pd
import pytest

from lowrot.analysis import crossing_n, exponent_fit, loglog_slope, n_star_table


def test_crossing_interpolates_in_log_n():
    # error falls from 0.4 at n=100 to 0.1 at n=400: eps=0.25 is halfway in log n -> n* = 200
    assert crossing_n([100, 400, 1600], [0.4, 0.1, 0.0], 0.25) == (pytest.approx(200.0), "none")
    assert crossing_n([100, 400], [0.05, 0.0], 0.1) == (100.0, "left")
    n, c = crossing_n([100, 400], [0.5, 0.3], 0.1)
    assert np.isnan(n) and c == "right"
    # unsorted input is sorted first
    assert crossing_n([400, 100], [0.1, 0.4], 0.25)[0] == pytest.approx(200.0)


def _synthetic(dims, power, seeds=8, noise=0.0, rng=None):
    """Error curves err(n) = clip(1 - log(n / n0) / log(16), 0, 1) * 0.5 with n0 = 10 d^power, so that
    err crosses eps = 0.25 exactly at n = n0 * 4 = 40 d^power."""
    rows = []
    ns = np.unique(np.round(np.geomspace(4, 40 * max(dims) ** power * 20, 40)).astype(int))
    for d in dims:
        n0 = 10 * d**power
        for s in range(seeds):
            for n in ns:
                e = 0.5 * np.clip(1 - np.log(n / n0) / np.log(16), 0, 1)
                if noise:
                    e = np.clip(e + noise * rng.standard_normal(), 0, 1)
                rows.append({"d": d, "n": n, "seed": s, "test_error": e})
    return pd.DataFrame(rows)


def test_n_star_table_recovers_known_crossing():
    df = _synthetic([4, 8], 2.0)
    tab = n_star_table(df, ["d"], [0.25], n_boot=20)
    np.testing.assert_allclose(tab.n_star, [40 * 16, 40 * 64], rtol=0.02)
    assert (tab.censored == "none").all()
    # no noise: the bootstrap interval collapses on the estimate
    np.testing.assert_allclose(tab.n_star_lo, tab.n_star, rtol=1e-12)


@pytest.mark.parametrize("power", [1.0, 2.0])
def test_exponent_fit_recovers_slope_with_ci(power):
    rng = np.random.default_rng(0)
    df = _synthetic([4, 8, 16, 32], power, noise=0.02, rng=rng)
    fit = exponent_fit(df, "d", 0.25, n_boot=100)
    assert fit["slope"] == pytest.approx(power, abs=0.05)
    assert fit["ci_low"] <= power <= fit["ci_high"]
    assert fit["points"] == 4 and fit["boot_valid"] >= 90


def test_loglog_slope_exact():
    x = np.array([2.0, 4.0, 8.0])
    assert loglog_slope(x, 3 * x**-0.5)[0] == pytest.approx(-0.5)


def test_tables_are_deterministic():
    df = _synthetic([4, 8], 1.0, noise=0.05, rng=np.random.default_rng(1))
    a = n_star_table(df, ["d"], [0.2, 0.3], n_boot=30)
    b = n_star_table(df, ["d"], [0.2, 0.3], n_boot=30)
    pd.testing.assert_frame_equal(a, b)
