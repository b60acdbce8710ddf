"""Seed intervals: known crossings, exact slope ranges under censoring, and calibration by simulation."""

import math

import numpy as np
import pandas as pd
import pytest

from lowrot.stats import crossing, loglog_slope, paired_difference, seed_interval, slope_interval, slope_range, weighted_slope
from lowrot.summaries import exponents, n_star_seeds, sample_complexity


def test_crossing_interpolates_in_log_n_and_censors():
    # error falls from 0.4 at n=100 to 0.1 at n=400: eps=0.25 is halfway in log n -> n* = 200
    v, lo, hi, c = crossing([100, 400, 1600], [0.4, 0.1, 0.0], 0.25)
    assert (v, lo, hi, c) == (pytest.approx(200.0), pytest.approx(200.0), pytest.approx(200.0), "none")
    v, lo, hi, c = crossing([100, 400], [0.05, 0.0], 0.1)
    assert math.isnan(v) and (lo, hi, c) == (1.0, 100.0, "left")
    v, lo, hi, c = crossing([100, 400], [0.5, 0.3], 0.1)
    assert math.isnan(v) and (lo, hi, c) == (400.0, math.inf, "right")
    assert crossing([400, 100], [0.1, 0.4], 0.25)[0] == pytest.approx(200.0)


def test_slope_range_is_exact_on_a_box():
    x = np.array([2.0, 4.0, 8.0])
    y = 3 * x**-0.5
    assert loglog_slope(x, y) == pytest.approx(-0.5)
    lo, hi = slope_range(x, y, y)
    assert lo == pytest.approx(-0.5) and hi == pytest.approx(-0.5)
    # widen the first point to [y0/4, y0]: the steepest slope uses y0 (first point high), the
    # shallowest y0/4; brute force over the box's vertices agrees
    low, high = y.copy(), y.copy()
    low[0] /= 4
    lo, hi = slope_range(x, low, high)
    brute = [loglog_slope(x, [a, y[1], y[2]]) for a in (low[0], high[0])]
    assert (lo, hi) == (pytest.approx(min(brute)), pytest.approx(max(brute)))
    # an open end that matters makes the range unbounded
    high[2] = math.inf
    assert slope_range(x, low, high)[1] == math.inf


def test_seed_interval_is_students_t():
    v = np.array([1.0, 2.0, 3.0])
    iv = seed_interval(v)
    half = 4.302652729911275 * 1.0 / math.sqrt(3)  # t_{0.975, 2} * sd / sqrt(3), sd = 1
    assert (iv.estimate, iv.low, iv.high) == (pytest.approx(2.0), pytest.approx(2 - half), pytest.approx(2 + half))


def test_censored_seed_interval_is_the_union_over_the_box():
    lows, highs = np.array([1.0, 2.0, 2.5, 3.0]), np.array([1.0, 2.0, 4.0, 3.0])
    iv = seed_interval(np.full(4, np.nan), lows, highs)
    grid = [seed_interval(np.array([1.0, 2.0, z, 3.0])) for z in np.linspace(2.5, 4.0, 301)]
    assert iv.low == pytest.approx(min(g.low for g in grid), abs=1e-9)
    assert iv.high == pytest.approx(max(g.high for g in grid), abs=1e-9)
    assert iv.censored == 1
    assert seed_interval(np.full(2, np.nan), np.array([1.0, 2.0]), np.array([1.0, math.inf])).high == math.inf


def _simulate_slope_coverage(seeds: int, reps: int, rng, truth=1.5, sigma=0.3):
    """Per seed: log n*(d) = a_s + truth log d + noise, turned into error curves err(n) that cross
    eps = 0.25 exactly at n*; the full pipeline (crossing per seed -> per-seed slope -> t-interval)
    must cover ``truth`` about 95% of the time."""
    dims = np.array([8, 12, 16, 24, 32])
    grid = np.geomspace(4, 1e7, 60)
    hits = 0
    for _ in range(reps):
        rows = []
        for s in range(seeds):
            a = rng.normal(0, 0.5)
            for d in dims:
                nstar = math.exp(2.0 + a + truth * math.log(d) + sigma * rng.standard_normal())
                # linear in log n around n*, so the interpolated crossing is exact
                err = np.clip(0.25 - 0.1 * np.log(grid / nstar), 0, 0.5)
                rows += [{"d": d, "seed": s, "n": n, "test_error": e} for n, e in zip(grid, err)]
        df = pd.DataFrame(rows)
        pts = {}
        for s, g in df.groupby("seed"):
            ns = [crossing(h["n"], h["test_error"], 0.25)[0] for _, h in g.groupby("d")]
            pts[s] = (dims, np.array(ns), np.array(ns), np.array(ns))
        iv = slope_interval(pts)
        hits += iv.low <= truth <= iv.high
    return hits / reps


@pytest.mark.parametrize("seeds", [3, 5, 10])
def test_slope_interval_coverage_is_calibrated(seeds):
    rng = np.random.default_rng(seeds)
    cover = _simulate_slope_coverage(seeds, 400, rng)
    assert 0.92 <= cover <= 0.98, f"coverage {cover} at {seeds} seeds"


@pytest.mark.parametrize("seeds", [3, 5, 10])
def test_paired_difference_coverage_is_calibrated(seeds):
    """Two learners on the same seeds share a per-seed random effect; the paired interval of the
    slope difference covers the true difference 0.5 about 95% of the time."""
    rng = np.random.default_rng(7)
    dims = np.array([8.0, 16.0, 32.0])
    hits, reps = 0, 2000
    for _ in range(reps):
        a, b = {}, {}
        for s in range(seeds):
            shared = rng.normal(0, 0.4, size=dims.size)  # same data: correlated noise
            a[s] = (dims, *(3 * np.exp(2.0 * np.log(dims) + shared + 0.1 * rng.standard_normal(dims.size)),) * 3)
            b[s] = (dims, *(5 * np.exp(1.5 * np.log(dims) + shared + 0.1 * rng.standard_normal(dims.size)),) * 3)
        iv = paired_difference(a, b)
        hits += iv.low <= 0.5 <= iv.high
    assert 0.92 <= hits / reps <= 0.98


def test_weighted_slope_recovers_a_known_rate_within_its_error():
    rng = np.random.default_rng(0)
    d = np.array([12.0, 14, 16, 20, 24])
    se = 0.002 / d
    v = 0.5 / d + se * rng.standard_normal(d.size)
    iv = weighted_slope(d, v, se)
    assert iv.low <= -1.0 <= iv.high and iv.high - iv.low < 0.1


def test_pipeline_tables_on_a_known_slope_with_censoring():
    """Two seeds, n* = 10 d^2 exactly; at d=4 seed 1 is left-censored (error already low)."""
    rows = []
    grid = np.geomspace(16, 1e5, 30)
    for s in (0, 1, 2):
        for d in (4, 8, 16):
            nstar = 10.0 * d**2
            err = np.clip(0.25 - 0.1 * np.log(grid / nstar), 0, 0.5)
            if s == 1 and d == 4:
                err = np.zeros_like(err)
            rows += [{"sweep": "gf", "learner": "gf", "dataset": "p", "m": 8, "d": d, "groups": 0, "seed": s, "n": n, "test_error": e} for n, e in zip(grid, err)]
    seeds = n_star_seeds(pd.DataFrame(rows), [0.25])
    assert (seeds["censored"] == "left").sum() == 1
    ok = seeds[seeds["censored"] == "none"]
    np.testing.assert_allclose(ok["n_star"], 10.0 * ok["d"] ** 2, rtol=1e-9)
    sc = sample_complexity(seeds)
    assert sc.loc[sc["d"] == 4, "censored_left"].item() == 1 and math.isnan(sc.loc[sc["d"] == 4, "n_star"].item())
    ex = exponents(seeds)
    r = ex[ex["x"] == "d"].iloc[0]
    assert r["censored_seeds"] == 1 and math.isnan(r["slope"])
    assert r["ci_low"] <= 2.0 <= r["ci_high"]  # the censored seed widens, never excludes, the truth
