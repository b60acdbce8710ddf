"""Figures draw what their tables say: synthetic tables with known answers, checked on the drawn data."""

from __future__ import annotations

import math
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.container import ErrorbarContainer

from lowrot import plots
from lowrot.pipeline.figures import FIGURES

ROOT = Path(__file__).resolve().parents[1]
CFG = {
    "datasets": {"cube": {"kind": "parity", "dims": [4, 8, 16], "coords": [0, 1]}, "blobs": {"kind": "nc", "dims": [6], "groups": [2, 4], "radius": 0.2}},
    "seeds": [0, 1, 2],
    "train": {"risk_milestone": 0.01},
    "analysis": {"epsilons": [0.1]},
    "figures": {"training_sweep": "gf"},
}
T975_DF2 = 0.95 / math.sqrt(2 * 0.975 * 0.025)  # closed form of the t quantile with 2 degrees of freedom


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


# ---------------------------------------------------------------------------------------------- helpers


def finite_everywhere(fig) -> bool:
    """No drawn coordinate of any line, marker set or bar segment is infinite or NaN-free-infinite."""
    for ax in fig.axes:
        for line in ax.get_lines():
            xy = np.asarray(line.get_xydata(), float)
            if np.isinf(xy).any():
                return False
        for coll in ax.collections:
            if isinstance(coll, LineCollection):
                segs = coll.get_segments()
                if any(np.isinf(np.asarray(s, float)).any() for s in segs):
                    return False
            elif isinstance(coll, PathCollection) and np.isinf(np.asarray(coll.get_offsets(), float)).any():
                return False
    return True


def series(ax, label_start: str):
    """(x, y, bar segments) of the errorbar whose label starts with label_start."""
    for c in ax.containers:
        if isinstance(c, ErrorbarContainer) and str(c.get_label()).startswith(label_start):
            data, _, bars = c.lines
            segs = bars[0].get_segments() if bars else []
            return np.asarray(data.get_xdata(), float), np.asarray(data.get_ydata(), float), [np.asarray(s) for s in segs]
    raise AssertionError(f"no errorbar labelled {label_start!r} in {[c.get_label() for c in ax.containers]}")


def line(ax, label_start: str):
    for ln in ax.get_lines():
        if str(ln.get_label()).startswith(label_start):
            return np.asarray(ln.get_xdata(), float), np.asarray(ln.get_ydata(), float)
    raise AssertionError(f"no line labelled {label_start!r} in {[ln.get_label() for ln in ax.get_lines()]}")


def loglog_slope(x, y) -> float:
    return float(np.diff(np.log(y))[0] / np.diff(np.log(x))[0])


def title(fig) -> str:
    """The figure title with line wraps undone."""
    return " ".join(fig._suptitle.get_text().split())


# ---------------------------------------------------------------------------------------------- intervals


def test_t_halfwidth_is_the_student_quantile_times_sem():
    h = plots.t_halfwidth([1.0, 2.0, 1.0], [3, 3, 1])
    assert h[0] == pytest.approx(T975_DF2, rel=1e-12)
    assert h[1] == pytest.approx(2 * T975_DF2, rel=1e-12)
    assert np.isnan(h[2])  # one seed: no interval


def test_interval_bars_never_draws_an_infinite_bar():
    fig, ax = plt.subplots()
    plots.interval_bars(ax, [1, 2], [1.0, 2.0], [0.5, 1.5], [1.5, np.inf], label="x")
    _, _, segs = series(ax, "x")
    assert finite_everywhere(fig)
    assert [tuple(s[:, 1]) for s in segs] == [(0.5, 1.5), (1.5, 2.0)]  # the open end has no upper half
    opens = [c for c in ax.collections if c.get_label() == "upper end not certified (open)"]
    assert len(opens) == 1 and np.allclose(opens[0].get_offsets(), [[2.0, 2.0]])


# ---------------------------------------------------------------------------------------------- margins


def population(dims=(4, 8, 16), uncertified_gl_at=16):
    rows = []
    for d in dims:
        ntk = 0.5 / d * (1 + 1 / d)
        rows.append({"dataset": "cube", "d": d, "quantity": "gamma_ntk", "value": ntk, "lower": ntk - 1e-3 / d, "upper": ntk + 2e-3 / d, "status": "optimal", "certified": True, "mc_stderr": 1e-4 / d})
        gl = 1 / (4 * math.sqrt(2 * d))
        up = np.inf if d == uncertified_gl_at else gl
        rows.append({"dataset": "cube", "d": d, "quantity": "gamma_gl", "value": gl, "lower": gl, "upper": up, "status": "optimal", "certified": d != uncertified_gl_at, "mc_stderr": np.nan})
    return pd.DataFrame(rows)


def test_margins_vs_d_draws_rates_with_brackets_asymptotes_and_guide():
    pop = population()
    fits = pd.DataFrame([{"quantity": "gamma_ntk", "slope": -1.1, "ci_low": -1.2, "ci_high": -1.0}])
    fig = plots.margins_vs_d(pop, fits, CFG)
    ax_ntk, ax_gl, ax_ratio = fig.axes[:3]
    d = np.array([4.0, 8.0, 16.0])
    ntk = pop[pop.quantity == "gamma_ntk"]
    x, y, segs = series(ax_ntk, "d·$\\gamma_{ntk}$")
    assert np.allclose(x, d) and np.allclose(y, d * ntk["value"])
    mc = ntk["mc_stderr"].to_numpy()
    assert np.allclose([s[0, 1] for s in segs], d * (ntk["lower"] - 2 * mc))
    assert np.allclose([s[1, 1] for s in segs], d * (ntk["upper"] + 2 * mc))
    assert np.allclose(line(ax_ntk, "$d\\cdot\\gamma_{ntk}\\to 1/2$")[1], 0.5)
    _, y_gl, _ = series(ax_gl, "√d·$\\gamma_{gl}$")
    assert np.allclose(y_gl, 1 / (4 * math.sqrt(2)))  # the closed form is flat at its asymptote
    assert np.allclose(line(ax_gl, "$\\sqrt{d}")[1], 1 / (4 * math.sqrt(2)))
    _, y_r, _ = series(ax_ratio, "$\\gamma_{gl}/\\gamma_{ntk}$")
    assert np.allclose(y_r, (1 / (4 * np.sqrt(2 * d))) / (0.5 / d * (1 + 1 / d)))
    gx, gy = line(ax_ratio, "$\\sqrt{d}/(2\\sqrt{2})$")
    assert np.allclose(gy, np.sqrt(gx) / (2 * math.sqrt(2)))
    # gamma_gl at d = 16 is not certified: an open marker, never an infinite bar
    assert finite_everywhere(fig)
    opens = [c for c in ax_gl.collections if c.get_label() == "upper end not certified (open)"]
    assert len(opens) == 1 and opens[0].get_offsets()[0][0] == 16
    # levels of gamma_ntk and gamma_gl never share an axis
    for ax in fig.axes:
        labels = " ".join(str(c.get_label()) for c in ax.containers)
        assert not ("ntk" in labels and "gl}$" in labels and "/" not in labels)
    assert "'cube': 2-sparse parity" in title(fig) and "unit sphere of R^{d+1}" in title(fig)


def test_margins_vs_d_prefers_the_parity_table_when_the_workflow_produces_it():
    pop = population(dims=(4, 8), uncertified_gl_at=None)
    fits = pd.DataFrame([{"quantity": "gamma_ntk", "slope": -1.1, "ci_low": -1.2, "ci_high": -1.0}])
    cfg = {**CFG, "figures": {"training_sweep": "gf"}}
    without = FIGURES["margins_vs_d"].draw({"margins_population": pop, "margin_exponents": fits}, cfg)
    assert np.allclose(series(without.axes[0], "d·$\\gamma_{ntk}$")[0], [4, 8])
    parity = population(dims=(4, 12, 24), uncertified_gl_at=None).drop(columns="dataset")
    general = parity[parity.quantity == "gamma_gl"].assign(quantity="gamma_gl_general", upper=np.inf)
    parity = pd.concat([parity, general[general.d == 4]], ignore_index=True)
    fig = FIGURES["margins_vs_d"].draw({"margins_population": pop, "margin_exponents": fits, "margins_parity": parity}, cfg)
    x, y, _ = series(fig.axes[0], "d·$\\gamma_{ntk}$")
    assert np.allclose(x, [4, 12, 24]) and np.allclose(y, 0.5 * (1 + 1 / x))
    xg, yg, _ = series(fig.axes[1], "√d·$\\gamma_{gl}^{general}$")
    assert np.allclose(xg, [4]) and np.allclose(yg, 1 / (4 * math.sqrt(2)))
    assert finite_everywhere(fig) and "margins_parity" in title(fig)


def frozen_table(gl_by_d, seeds=(0, 1, 2)):
    rows = []
    for d, gl in gl_by_d.items():
        for m in (2, 16, 64, 256, 1024):
            ratio = 0.0 if m == 2 else 1 - 2 * m**-0.5
            rows += [{"dataset": "cube", "d": d, "quantity": "frozen_lp", "seed": s, "m": m, "value": ratio * gl, "lower": ratio * gl, "upper": ratio * gl, "status": "optimal"} for s in seeds]
    return pd.DataFrame(rows)


def test_frozen_margin_ratio_and_its_fitted_rate():
    pop = population(dims=(8,))
    gl = 1 / (4 * math.sqrt(16))
    fig = plots.frozen_margin_vs_width(frozen_table({8: gl}), pop, CFG)
    x, y, _ = series(fig.axes[0], "d = 8")
    assert np.allclose(x, [16, 64, 256, 1024]) and np.allclose(y, 1 - 2 * x**-0.5)
    assert fig.axes[0].get_yscale() == "log" and fig.axes[0].get_xscale() == "log"
    # 1 - ratio = 2 m^-1/2 exactly: rate -0.50, ratio 0.9 at m = 400
    legend = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert any("m^-0.50" in t and "m ≈ 400" in t for t in legend), legend
    assert plots.fit_rate([4, 16, 64], 2 * np.array([4, 16, 64]) ** -0.5) == pytest.approx((-0.5, 400.0))
    assert "d=8 m=2" in title(fig)  # the zero cell is named, not silently dropped
    assert finite_everywhere(fig)


# ---------------------------------------------------------------------------------------------- sample complexity


def nstar_table():
    rows = []
    for d in (4, 8, 16):
        rows.append({"sweep": "kernel", "learner": "kernel", "dataset": "cube", "m": 0, "d": d, "groups": 0, "epsilon": 0.1, "n_star": 2.0 * d**2, "n_star_lo": 1.5 * d**2, "n_star_hi": 3.0 * d**2, "censored": "none"})
        rows.append({"sweep": "gf", "learner": "gf", "dataset": "cube", "m": 64, "d": d, "groups": 0, "epsilon": 0.1, "n_star": 3.0 * d if d > 4 else 16.0, "n_star_lo": 2.0 * d, "n_star_hi": 4.0 * d, "censored": "left" if d == 4 else "none"})
        rows.append({"sweep": "norot", "learner": "norot", "dataset": "cube", "m": 16, "d": d, "groups": 0, "epsilon": 0.1, "n_star": np.nan if d == 16 else 5.0 * d, "n_star_lo": np.nan, "n_star_hi": np.nan, "censored": "right" if d == 16 else "none"})
    return pd.DataFrame(rows)


def test_n_star_vs_d_guides_have_slopes_one_and_two_through_one_anchor():
    ns = nstar_table()
    fits = pd.DataFrame([{"sweep": "kernel", "m": 0, "x": "d", "epsilon": 0.1, "slope": 2.0, "ci_low": 1.9, "ci_high": 2.1}])
    fig = plots.n_star_vs_d(ns, fits, 0.1, CFG)
    ax = fig.axes[0]
    x1, y1 = line(ax, "guide: slope 1")
    x2, y2 = line(ax, "guide: slope 2")
    assert loglog_slope(x1, y1) == pytest.approx(1.0) and loglog_slope(x2, y2) == pytest.approx(2.0)
    anchor = math.exp(np.mean(np.log([2.0 * 16, 16.0, 20.0])))  # geometric mean of n* at d = 4
    assert (x1[0], y1[0]) == pytest.approx((4, anchor)) and (x2[0], y2[0]) == pytest.approx((4, anchor))
    x, y, _ = series(ax, "NTK kernel machine, slope 2.00 [1.90, 2.10]")
    assert np.allclose(y, 2.0 * x**2)
    # the left-censored gf point is hollow, the right-censored norot point is named
    hollow = [c for c in ax.collections if len(c.get_offsets()) and np.allclose(c.get_offsets(), [[4, 16.0]])]
    assert hollow and np.allclose(hollow[0].get_facecolor()[0][:3], 1.0)
    assert "norot d=16" in title(fig) and "ε = 0.1" in title(fig) and "3 seeds" in title(fig)
    assert finite_everywhere(fig)


def test_n_star_against_each_learners_own_inverse_squared_margin():
    ns = nstar_table()
    pop = population()
    frozen = frozen_table({4: 0.1, 8: 0.2, 16: 0.3})
    final = pd.DataFrame([{"sweep": "gf", "learner": "gf", "dataset": "cube", "m": 64, "d": d, "n": n, "seed": s, "event": "final", "normalized_margin": (0.05 if n == 128 else 1.0) / d + 0.001 * s}
                          for d in (4, 8, 16) for n in (32, 128) for s in (0, 1, 2)])
    pts, notes = plots.learner_margins(ns, pop, frozen, final)
    k = pts[pts.learner == "kernel"].sort_values("d")
    assert np.allclose(k["margin"], 0.5 / k["d"] * (1 + 1 / k["d"]))
    g = pts[pts.learner == "gf"].sort_values("d")
    assert np.allclose(g["margin"], 0.05 / g["d"] + 0.001)  # mean over seeds at the largest n
    r = pts[pts.learner == "norot"].sort_values("d")
    assert np.allclose(r["margin"], np.array([0.1, 0.2]) * 0.5)  # gamma_m at m = 16: ratio 1 - 2/4
    fig = plots.n_star_vs_inverse_margin_sq(ns, pop, frozen, final, 0.1, CFG)
    ax = fig.axes[0]
    x, y, _ = series(ax, "NTK kernel machine")
    assert np.allclose(x, 1 / k["margin"] ** 2) and np.allclose(y, k["n_star"])
    gx, gy = line(ax, "guide: slope 1")
    assert loglog_slope(gx, gy) == pytest.approx(1.0)
    assert finite_everywhere(fig)
    # a width with no frozen margin is said, not silently dropped
    _, notes = plots.learner_margins(ns.assign(m=ns["m"].where(ns.learner != "norot", 32)), pop, frozen, final)
    assert any("m=32 not computed" in n for n in notes)


# ---------------------------------------------------------------------------------------------- training figures


def trajectory(d_values=(4, 8), seeds=(0, 1, 2), learner="gf"):
    rows = []
    for d in d_values:
        gl = 1 / (4 * math.sqrt(2 * d))
        for s in seeds:
            base = {"sweep": learner, "learner": learner, "dataset": "cube", "d": d, "seed": s, "n": 64, "m": 32, "groups": 0, "support_size": 2}
            for k, t in enumerate([1.0, 10.0, 100.0, 1000.0]):
                rows.append({**base, "gf_time": t, "event": "checkpoint", "train_error": 0.0 if k >= 1 else 0.2,
                             "normalized_margin": (0.2 * k) * gl * (1 + 0.01 * s), "frozen_lp_value": 2 * gl if s < 2 else 0.0, "test_error": 0.1})
            lp = 2 * gl if s < 2 else 0.0
            rows.append({**base, "gf_time": 5.0, "event": "interpolation", "train_error": 0.0, "normalized_margin": 0.1 / d * (1 + 0.1 * s), "frozen_lp_value": lp, "test_error": 0.2})
            rows.append({**base, "gf_time": 50.0, "event": "risk_below", "train_error": 0.0, "normalized_margin": 0.4 * gl * (1 + 0.1 * s), "frozen_lp_value": lp, "test_error": 0.1})
            rows.append({**base, "gf_time": 1000.0, "event": "final", "train_error": 0.0, "normalized_margin": 0.6 * gl * (1 + 0.01 * s), "frozen_lp_value": lp, "test_error": 0.1})
    return pd.DataFrame(rows)


def test_margin_vs_time_shows_the_ratio_to_gamma_gl_not_gamma_ntk():
    traj, pop = trajectory(), population(dims=(4, 8), uncertified_gl_at=None)
    fig = plots.margin_vs_time(traj, pop, CFG)
    ax = fig.axes[0]
    seed0 = [ln for ln in ax.get_lines() if ln.get_label() == "d = 4"][0]
    assert np.allclose(seed0.get_ydata(), [0.0, 0.2, 0.4, 0.6, 0.6])  # 0.2 k and the final row at t = 1000
    ntk_over_gl = (pop[pop.quantity == "gamma_ntk"]["value"].to_numpy() / pop[pop.quantity == "gamma_gl"]["value"].to_numpy())
    for ln in ax.get_lines():
        assert not any(np.allclose(ln.get_ydata(), r) for r in ntk_over_gl)
    assert np.allclose(line(ax, "$\\gamma(W_t) = \\gamma_{gl}$")[1], 1.0)
    assert "3 seeds" in title(fig) and "'cube'" in title(fig)


def test_gf_margin_vs_d_means_intervals_and_guides():
    traj, pop = trajectory(), population(dims=(4, 8), uncertified_gl_at=None)
    fig = plots.gf_margin_vs_d(traj, pop, CFG)
    ax = fig.axes[0]
    x, y, segs = series(ax, "first risk < 0.01")
    gl = 1 / (4 * np.sqrt(2 * x))
    assert np.allclose(x, [4, 8]) and np.allclose(y, 0.4 * gl * 1.1)  # mean of (1, 1.1, 1.2)
    sem = 0.4 * gl[0] * 0.1 / math.sqrt(3)
    assert segs[0][1, 1] - y[0] == pytest.approx(T975_DF2 * sem)
    _, y_end, _ = series(ax, "end of run")
    assert np.allclose(y_end, 0.6 * gl * 1.01)
    g1 = line(ax, "guide: slope -1")
    g2 = line(ax, "guide: slope -0.5")
    assert loglog_slope(*g1) == pytest.approx(-1.0) and loglog_slope(*g2) == pytest.approx(-0.5)
    assert g1[1][0] == pytest.approx(y_end[0]) and g2[1][0] == pytest.approx(y_end[0])
    gx, gy = line(ax, "$\\gamma_{gl}$")
    assert np.allclose(gy, 1 / (4 * np.sqrt(2 * gx)))
    assert finite_everywhere(fig)


def test_norot_convergence_median_band_and_excluded_seeds():
    traj = trajectory(d_values=(4,), learner="norot")
    t, notes = plots.norot_ratio_table(traj)
    assert set(t["seed"]) == {0, 1}  # seed 2 has frozen LP margin 0
    assert any("1 seed(s) with frozen LP margin 0" in n for n in notes)
    fig = plots.norot_margin_convergence(traj, CFG)
    ax = fig.axes[0]
    x, y = line(ax, "n = 64")
    # ratio = 0.2 k (1 + 0.01 s) / 2 for k >= 1 (zero training error), then the final row
    assert np.allclose(y[:3], [0.1 * k * 1.005 for k in (1, 2, 3)])
    assert np.allclose(line(ax, "n = 64")[0][:3], [10, 100, 1000])
    assert any(np.allclose(ln.get_ydata(), 0.9) for ln in ax.get_lines())
    assert any(np.allclose(ln.get_ydata(), 1.0) for ln in ax.get_lines())


def width_stats():
    rows = []
    for ev, base in (("interpolation", 40.0), ("final", 30.0)):
        for m in (16, 64, 256):
            rows.append({"sweep": "width", "learner": "gf", "dataset": "cube", "d": 8, "n": 128, "event": ev, "m": m,
                         "rot_weighted_deg_mean": base * (m / 16) ** -0.5, "rot_weighted_deg_sem": 1.0, "motion_mean": 2.0 * m**0.25,
                         "motion_sem": 0.1, "motion_per_sqrt_m_mean": 2.0 * m**-0.25, "motion_per_sqrt_m_sem": 0.01, "networks": 3})
    return pd.DataFrame(rows)


def test_rotation_vs_width_uses_t_intervals_from_mean_sem_and_networks():
    fits = pd.DataFrame([{"sweep": "width", "d": 8, "n": 128, "event": "final", "value": "rot_weighted_deg", "slope": -0.5, "ci_low": -0.6, "ci_high": -0.4}])
    fig = plots.rotation_vs_width(width_stats(), fits, CFG)
    ax = fig.axes[0]
    x, y, segs = series(ax, "end of run, slope -0.50 [-0.60, -0.40]")
    assert np.allclose(y, 30.0 * np.array([1, 0.5, 0.25]))
    assert np.allclose([s[1, 1] - s[0, 1] for s in segs], 2 * T975_DF2)  # sem 1, 3 networks
    assert np.allclose(x / np.array([16, 64, 256]), x[0] / 16)  # one common (dodge) factor
    series(ax, "first zero training error")
    assert ax.get_xscale() == "log"


def test_motion_vs_width_draws_both_quantities_per_milestone():
    fig = plots.motion_vs_width(width_stats(), pd.DataFrame(), CFG)
    _, y, _ = series(fig.axes[0], "end of run")
    _, y2, _ = series(fig.axes[1], "end of run")
    assert np.allclose(y, 2.0 * np.array([16, 64, 256]) ** 0.25) and np.allclose(y2, 2.0 * np.array([16, 64, 256]) ** -0.25)


def test_test_error_vs_n_and_dataset_named_in_title():
    traj = trajectory()
    traj.loc[traj.seed == 2, "test_error"] = 0.4
    fig = plots.test_error_vs_n(traj, CFG)
    _, y, segs = series(fig.axes[0], "4")
    assert np.allclose(y, 0.2)
    assert all(s[0, 1] >= 0 for s in segs)  # intersected with [0, 1]
    assert "'cube': 2-sparse parity" in title(fig)
    fig = plots.test_error_vs_n(traj.assign(dataset="blobs"), CFG)
    assert "neural-collapse" in title(fig) and "parity" not in title(fig)


def test_error_collapse_drops_single_point_panels_and_says_so():
    fin = pd.DataFrame([{"sweep": "gf", "learner": "gf", "dataset": "cube", "m": 8, "d": d, "n": n, "seed": s, "groups": 0, "test_error": 0.5 * 16 / n}
                        for d in (4, 8) for n in (16, 32) for s in (0, 1)]
                       + [{"sweep": "lonely", "learner": "gf", "dataset": "cube", "m": 8, "d": 4, "n": 16, "seed": 0, "groups": 0, "test_error": 0.3}])
    fig = plots.error_collapse(fin, CFG)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 2
    assert "dropped (a single point): lonely" in title(fig)
    x, y, _ = series(fig.axes[0], "d = 8")
    assert np.allclose(x, np.array([16, 32]) / 64) and np.allclose(y, [0.5, 0.25])


# ---------------------------------------------------------------------------------------------- rotation histograms


def rotated(angles_deg, d=3):
    """V0 = e_0 for every neuron and V at the given angles from it (in the (e_0, e_1) plane)."""
    th = np.deg2rad(np.asarray(angles_deg, float))
    V0 = np.zeros((1, th.size, d))
    V0[..., 0] = 1.0
    V = np.zeros_like(V0)
    V[0, :, 0], V[0, :, 1] = np.cos(th), np.sin(th)
    return V0, V


def test_rotation_histogram_covers_0_to_180_and_counts_every_neuron():
    angles = [2.5, 12.5, 47.5, 97.5, 122.5, 177.5]
    V0, V = rotated(angles)
    a = np.array([[1.0, 1.0, 2.0, 0.0, 1.0, 3.0]])
    h = plots.rotation_histogram_data({"a": a, "V": V, "V0": V0})
    assert h["bins"][0] == 0 and h["bins"][-1] == 180
    assert h["neurons"].sum() == len(angles)
    assert np.allclose(np.sort(h["angles"]), angles)
    mass = a[0] ** 2 + 1.0  # ||v_j|| = 1
    expected = np.zeros(36)
    for ang, w in zip(angles, mass):
        expected[int(ang // 5)] += w / mass.sum()
    assert np.allclose(h["mass"], expected)
    assert h["weighted_mean"] == pytest.approx(float(np.dot(angles, mass) / mass.sum()))
    fig = plots.rotation_histograms({6: {"a": a, "V": V, "V0": V0}}, "info line")
    ax = fig.axes[0]
    bars = [p for p in ax.patches if p.get_label() != "share of neurons" and hasattr(p, "get_height")]
    assert np.allclose([b.get_height() for b in bars], expected)
    assert min(b.get_x() for b in bars) == 0 and max(b.get_x() + b.get_width() for b in bars) == 180
    assert ax.get_xlim() == (0, 180)
    assert "info line" in title(fig) and "6 neurons" in ax.get_title()


# ---------------------------------------------------------------------------------------------- registry and captions


def test_every_figure_is_registered_with_its_inputs_and_has_a_caption():
    captions = {p.stem: p.read_text() for p in (ROOT / "workflow" / "report" / "figures").glob("*.rst")}
    assert set(captions) == set(FIGURES)  # one caption file per registry entry, and no other
    for name, entry in FIGURES.items():
        assert bool(entry.tables) != (entry.weights is not None), name  # reads tables or weights
        text = captions[name]
        assert "SPEC" not in text and "shared/" not in text  # captions cite docs/ only
        assert re.search(r"supports|illustrates", text)