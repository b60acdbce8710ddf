"""Figures from aggregated tables (never from training state): changing a colour never retrains.

Every figure describes itself: a title names the dataset (its config name and kind), the learner
and sweep, d / m / n, the number of seeds, epsilon and the milestone where they apply, and what the
error bars are. Conventions used throughout (stated once, here):

- Error bars over seeds are "mean +- 95% t-interval": the mean over seeds +- t_{0.975, N-1} times the
  standard error of the mean, N = number of seeds (networks) in the cell. A cell with one seed has
  no interval (drawn without a bar, and the title gives the number of seeds).
- Margin brackets are [lower, upper] from the solvers, widened by 2 Monte-Carlo standard errors where
  a ``mc_stderr`` is reported. An infinite or missing upper end is never drawn as a bar: the point
  gets an open upward triangle ("upper end not certified").
- Milestones (docs/science.md): ``interpolation`` = first step with zero training error,
  ``risk_below`` = first step with risk below ``train.risk_milestone``, ``final`` = end of the run.
- No panel is drawn with a single point: such panels are dropped and the figure says which.

Each figure function takes its tables and an optional ``cfg`` (the subset of the config given by
``figure_config`` in workflow/rules/common.smk: datasets, seeds, train, analysis, figures); without
it, titles fall back to the names found in the tables.
"""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from .stats import t_quantile
from .tables import TRAJECTORY_EVENTS, final_rows, mean_sem

T_BARS = "bars: mean ± 95% t-interval over seeds"
T_BARS_ERR = T_BARS + " (intersected with [0, 1])"
MILESTONES = ("interpolation", "risk_below", "final")
MILESTONE_STYLE = {"interpolation": ("o", "tab:blue"), "risk_below": ("s", "tab:orange"), "final": ("D", "tab:green")}


def _subplots(*args, **kwargs):
    """plt.subplots with constrained layout (it leaves room for the multi-line figure title)."""
    return plt.subplots(*args, layout="constrained", **kwargs)


def _legend(ax, **kwargs):
    """Legend with one entry per label (repeated markers such as "open" ends are listed once)."""
    handles, labels = ax.get_legend_handles_labels()
    seen = {}
    for h, lab in zip(handles, labels):
        seen.setdefault(lab, h)
    return ax.legend(list(seen.values()), list(seen.keys()), **kwargs)


def save(fig, paths, dpi: int = 150) -> None:
    """Save one figure to every path (the format follows the suffix), then close it."""
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    for p in paths:
        fig.savefig(p, dpi=dpi, metadata={"CreationDate": None} if str(p).endswith(".pdf") else None)
    plt.close(fig)


# ------------------------------------------------------------------------------------------------
# shared helpers: intervals, labels, titles


def t_halfwidth(sem, count):
    """Half-width of the two-sided 95% t-interval, t_{0.975, count-1} * sem (NaN where count < 2)."""
    return t_quantile(count) * np.asarray(sem, float)


def mean_ci(df: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame:
    """Mean, s.e.m., count (``networks``) and 95% t half-width (``<value>_half``) of ``value`` per group."""
    out = mean_sem(df, by, value)
    out[f"{value}_half"] = t_halfwidth(out[f"{value}_sem"], out["networks"])
    return out


def _bars(half) -> np.ndarray:
    """Error-bar lengths: NaN (one seed, no interval) becomes 0 so that matplotlib draws no bar."""
    return np.nan_to_num(np.asarray(half, float), nan=0.0)


def bounded_bars(mean, half, low: float, high: float) -> np.ndarray:
    """(2, k) yerr of the interval mean +- half intersected with the range [low, high] the quantity
    lives in (a test error in [0, 1], an angle in [0, 180]); the figure's text says so."""
    mean, half = np.asarray(mean, float), _bars(half)
    return np.vstack([mean - np.maximum(mean - half, low), np.minimum(mean + half, high) - mean])


def interval_bars(ax, x, y, lo, hi, *, label, color=None, marker="o", log=False, open_label="upper end not certified (open)", **kw):
    """Draw y with the interval [lo, hi]. Where hi is not finite, only the lower half is drawn and an
    open upward triangle marks the point (legend: ``open_label``); with ``log`` (a log y
    axis), a lower end <= 0 is drawn likewise as an open downward triangle instead of a bar. Points
    with y <= 0 on a log axis are not drawn (the caller says so). Nothing infinite reaches matplotlib.
    Returns the colour used."""
    x, y, lo, hi = (np.asarray(v, float) for v in (x, y, lo, hi))
    if log:
        keep = y > 0
        x, y, lo, hi = x[keep], y[keep], lo[keep], hi[keep]
    lo = np.where(np.isfinite(lo), lo, y)
    open_hi = ~np.isfinite(hi)
    open_lo = (lo <= 0) if log else np.zeros(len(y), bool)
    yerr = np.vstack([np.where(open_lo, 0.0, np.clip(y - lo, 0, None)), np.where(open_hi, 0.0, np.clip(hi - y, 0, None))])
    cont = ax.errorbar(x, y, yerr=yerr, marker=marker, capsize=3, color=color, label=label, **kw)
    colour = cont[0].get_color()
    if open_hi.any():
        ax.scatter(x[open_hi], y[open_hi], marker="^", s=70, facecolors="none", edgecolors=colour, zorder=5, label=open_label)
    if open_lo.any():
        ax.scatter(x[open_lo], y[open_lo], marker="v", s=70, facecolors="none", edgecolors=colour, zorder=5, label="interval reaches 0 (open below)")
    return colour


def describe_dataset(name, cfg: dict | None = None) -> str:
    """One phrase naming a dataset by its config name and kind (e.g. "'parity': 2-sparse parity on
    coordinates [0, 1] of {±1/√d}^d")."""
    spec = ((cfg or {}).get("datasets") or {}).get(name)
    if spec is None:
        return f"dataset '{name}'"
    kind = spec.get("kind")
    if kind == "parity":
        coords = list(spec.get("coords", [0, 1]))
        text = f"'{name}': {len(coords)}-sparse parity on coordinates {coords} of {{±1/√d}}^d"
        return text + (", randomly rotated" if spec.get("rotation") else "")
    if kind == "nc":
        return f"'{name}': neural-collapse clusters (k groups, radius {spec.get('radius', 0.1)})"
    if kind == "npz":
        return f"'{name}': data from {spec.get('path')}"
    return f"'{name}' ({kind})"


def _datasets(df: pd.DataFrame, cfg) -> str:
    names = sorted(df["dataset"].dropna().unique()) if "dataset" in df else []
    return "; ".join(describe_dataset(n, cfg) for n in names) or "dataset not recorded"


def _seeds(df: pd.DataFrame) -> str:
    k = df["seed"].nunique() if "seed" in df else 0
    return f"{k} seed{'s' if k != 1 else ''}"


def _list(values) -> str:
    v = sorted({int(x) if float(x).is_integer() else x for x in values})
    return str(v[0]) if len(v) == 1 else "{" + ", ".join(str(x) for x in v) + "}"


def milestone_label(event: str, cfg: dict | None = None) -> str:
    risk = ((cfg or {}).get("train") or {}).get("risk_milestone")
    return {
        "interpolation": "first zero training error",
        "risk_below": f"first risk < {risk:g}" if risk else "first risk below the risk milestone",
        "final": "end of run",
    }.get(event, event)


def header(fig, title: str, *details: str) -> None:
    """Figure title (bold line) and the self-description lines below it."""
    width = max(int(fig.get_figwidth() * 13), 60)
    lines = [w for d in (title, *details) if d for w in textwrap.wrap(d, width)]
    fig.suptitle("\n".join(lines), fontsize=8.5)


def _learner_label(row) -> str:
    if row["learner"] == "kernel":
        return "NTK kernel machine"
    return f"{row['learner']} (sweep {row['sweep']}, m={row['m']})"


def _trajectory(traj: pd.DataFrame) -> pd.DataFrame:
    t = traj[traj["event"].isin(TRAJECTORY_EVENTS) & (traj["gf_time"] > 0)].copy()
    t["network"] = t["seed"].astype(str)
    return t


def _log2_axis(ax) -> None:
    """Log x axis with ticks at powers of 2 written as plain numbers (0.25, 0.5, 1, 2, ...)."""
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def _log2_ticks(ax, values) -> None:
    v = sorted(set(values))
    ax.set_xticks(v, [f"{x:g}" for x in v])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def _dodge(i: int, k: int) -> float:
    """Horizontal offset factor (log axis) that separates k series drawn at the same x; the x tick
    labels stay at the true values."""
    return 2 ** (0.05 * (i - (k - 1) / 2))


def _fit_text(f: pd.DataFrame, fmt=".2f") -> str:
    if f.empty or not np.isfinite(f["slope"].iloc[0]):
        return ""
    lo, hi = f["ci_low"].iloc[0], f["ci_high"].iloc[0]
    ci = f" [{lo:{fmt}}, {hi:{fmt}}]" if np.isfinite(lo) and np.isfinite(hi) else " (no interval)"
    return f", slope {f['slope'].iloc[0]:{fmt}}{ci}"


# ------------------------------------------------------------------------------------------------
# training dynamics of one sweep (figures.training_sweep)


def test_error_vs_n(traj: pd.DataFrame, cfg: dict | None = None):
    """Final test error against n for each d (largest width; mean +- 95% t-interval over seeds),
    with the n* targets epsilon as horizontal lines."""
    fin = final_rows(traj)
    m = fin["m"].max()
    sel = fin[fin["m"] == m]
    s = mean_ci(sel, ["d", "n"], "test_error")
    fig, ax = _subplots(figsize=(6, 4.6))
    for d, g in s.groupby("d"):
        ax.errorbar(g["n"], g["test_error_mean"], yerr=bounded_bars(g["test_error_mean"], g["test_error_half"], 0, 1), marker="o", capsize=3, label=f"{d}")
    for eps in ((cfg or {}).get("analysis") or {}).get("epsilons", []):
        ax.axhline(eps, ls=":", color="grey", lw=0.8, label=f"ε = {eps:g} (n* target)")
    ax.set_xscale("log", base=2)
    _log2_ticks(ax, s["n"])
    ax.set_xlabel("training samples n")
    ax.set_ylabel("test error (fraction) at the end of the run")
    _legend(ax, title="input dimension d", fontsize=8)
    header(fig, f"Test error against n, {_learner_label(sel.iloc[0]) if len(sel) else ''}",
           _datasets(sel, cfg), f"width m = {m}, d ∈ {_list(s['d'])}, {_seeds(sel)}; milestone: end of run", T_BARS_ERR + "; dotted: ε (n* targets)")
    return fig


def _population_value(pop: pd.DataFrame | None, quantity: str) -> pd.Series:
    """value of one population margin per d (first row per d; NaN values dropped)."""
    if pop is None or pop.empty:
        return pd.Series(dtype=float)
    g = pop[(pop["quantity"] == quantity) & pop["value"].notna()]
    return g.groupby("d")["value"].first()


def margin_vs_time(traj: pd.DataFrame, population: pd.DataFrame | None = None, cfg: dict | None = None):
    """gamma(W_t) / gamma_gl(d) against GF time for each d (largest m and n; one line per seed).

    gamma_gl is the population value of the margins table (same scale as gamma(W_t)); a training
    set's own gamma_gl is >= the population's, so the ratio is <= 1 up to that gap. gamma_ntk is not
    drawn: it has no common unit with gamma(W_t) (compare it by its rate in d, figure gf_margin_vs_d).
    Milestones are marked on each line."""
    t = _trajectory(traj)
    t = t[(t["m"] == t["m"].max()) & (t["n"] == t["n"].max())]
    gl = _population_value(population, "gamma_gl")
    missing = sorted(set(t["d"]) - set(gl.index))
    t = t[t["d"].isin(gl.index)].copy()
    t["ratio"] = t["normalized_margin"] / t["d"].map(gl)
    dims = sorted(t["d"].unique())
    pal = dict(zip(dims, sns.color_palette("viridis", max(len(dims), 1))))
    fig, ax = _subplots(figsize=(6.4, 4.8))
    for d in dims:
        for i, (_, g) in enumerate(t[t["d"] == d].groupby("seed")):
            g = g.sort_values("gf_time")
            ax.plot(g["gf_time"], g["ratio"], color=pal[d], lw=1, label=f"d = {d}" if i == 0 else None)
    if len(t):
        ms = traj[traj["event"].isin(["interpolation", "risk_below"]) & (traj["m"] == t["m"].max()) & (traj["n"] == t["n"].max()) & traj["d"].isin(dims) & (traj["gf_time"] > 0)]
        for ev, g in ms.groupby("event"):
            ax.scatter(g["gf_time"], g["normalized_margin"] / g["d"].map(gl), marker=MILESTONE_STYLE[ev][0], facecolors="none", edgecolors="k", s=25, zorder=4, label=milestone_label(ev, cfg))
    ax.axhline(1.0, color="k", lw=0.8, ls="--", label=r"$\gamma(W_t) = \gamma_{gl}$")
    ax.set_xscale("log")
    ax.set_xlabel("GF time t (sum of step sizes)")
    ax.set_ylabel(r"$\gamma(W_t)\,/\,\gamma_{gl}$  (same scale; $\leq 1$ on the training set)")
    _legend(ax, fontsize=7)
    header(fig, r"GF's normalized margin as a fraction of the global margin $\gamma_{gl}$",
           _datasets(t, cfg), f"width m = {t['m'].max() if len(t) else '-'}, n = {t['n'].max() if len(t) else '-'}, d ∈ {_list(dims) if dims else '-'}, {_seeds(t)}; one line per seed",
           r"$\gamma_{gl}$: population value (margins table)" + (f"; d = {missing} omitted: no γ_gl in the margins table" if missing else ""))
    return fig


def motion_vs_time(traj: pd.DataFrame, cfg: dict | None = None):
    """||W_t - W_0||_F / sqrt(m) against GF time for each width (largest d and n; one line per seed)."""
    t = _trajectory(traj)
    t = t[(t["d"] == t["d"].max()) & (t["n"] == t["n"].max())]
    fig, ax = _subplots(figsize=(6, 4.6))
    sns.lineplot(data=t, x="gf_time", y="motion_per_sqrt_m", hue="m", units="network", estimator=None, palette="viridis", ax=ax, lw=1, hue_norm=matplotlib.colors.LogNorm())
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("GF time t (sum of step sizes)")
    ax.set_ylabel(r"$\|W_t - W_0\|_F / \sqrt{m}$")
    _legend(ax, title="width m", fontsize=7)
    header(fig, "Weight motion per √width during GF", _datasets(t, cfg),
           f"d = {t['d'].max()}, n = {t['n'].max()}, widths m ∈ {_list(t['m'])}, {_seeds(t)}; one line per seed (no averaging)")
    return fig


def feature_selection(traj: pd.DataFrame, cfg: dict | None = None):
    """Share of inner-weight mass on the support S against GF time, for each d (largest m and n)."""
    t = _trajectory(traj)
    t = t[(t["m"] == t["m"].max()) & (t["n"] == t["n"].max())]
    dims = sorted(t["d"].unique())
    pal = dict(zip(dims, sns.color_palette("viridis", max(len(dims), 1))))
    fig, ax = _subplots(figsize=(6, 4.6))
    sns.lineplot(data=t, x="gf_time", y="feature_mass", hue="d", units="network", estimator=None, palette=pal, ax=ax, lw=1)
    k = int(t["support_size"].iloc[0]) if len(t) else 0
    for d in dims:
        ax.axhline(k / d, ls=":", lw=0.8, color=pal[d])
    ax.set_xscale("log")
    ax.set_xlabel("GF time t (sum of step sizes)")
    ax.set_ylabel(r"$\sum_j \|P_S v_j\|^2 / \|V\|_F^2$")
    _legend(ax, title="d", fontsize=7)
    header(fig, "Feature selection: share of inner-weight mass on the support S", _datasets(t, cfg),
           f"width m = {t['m'].max()}, n = {t['n'].max()}, |S| = {k}, {_seeds(t)}; one line per seed; dotted: |S|/d (value at init)")
    return fig


def neuron_scatter(weights: dict, index: int, title: str):
    """First two input coordinates (v_j0, v_j1) of every neuron at initialization and at the end.

    Marker area is proportional to |a_j|, colour is sign(a_j).
    """
    fig, axes = _subplots(1, 2, figsize=(9, 4.6), sharex=True, sharey=True)
    for ax, (a, V, when) in zip(axes, [(weights["a0"][index], weights["V0"][index], "initialization"), (weights["a"][index], weights["V"][index], "end of GF")]):
        size = 40 * np.abs(a) / np.abs(weights["a"][index]).max()
        for sign, colour, lab in [(1, "tab:red", "a_j > 0"), (-1, "tab:blue", "a_j < 0")]:
            k = np.sign(a) == sign
            ax.scatter(V[k, 0], V[k, 1], s=size[k], c=colour, alpha=0.6, label=lab, edgecolors="none")
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_xlabel(r"$v_{j,0}$ (weight on coordinate 0)")
        ax.set_title(when, fontsize=9)
    axes[0].set_ylabel(r"$v_{j,1}$ (weight on coordinate 1)")
    _legend(axes[0], loc="upper right", fontsize=8)
    header(fig, "Inner weights on coordinates 0 and 1", title, "marker area ∝ |a_j| (scaled to the largest final |a_j|), colour: sign of a_j")
    return fig


# ------------------------------------------------------------------------------------------------
# regimes: figures from the summary tables


def error_collapse(final: pd.DataFrame, cfg: dict | None = None):
    """Test error against n/d^2 (left) and n/d (right) for each learner on parity data; curves
    collapse in the panel whose scaling holds. Mean +- 95% t-interval over seeds, widest network of
    each sweep. Sweeps with a single (d, n) point are dropped and named in the title."""
    par = final[final["groups"].fillna(0) == 0].copy()
    par = par[par["m"] == par.groupby("sweep")["m"].transform("max")]
    s = mean_ci(par, ["sweep", "learner", "dataset", "m", "d", "n"], "test_error")
    sweeps = sorted(s["sweep"].unique())
    dropped = [sw for sw in sweeps if len(s[s["sweep"] == sw]) < 2]
    sweeps = [sw for sw in sweeps if sw not in dropped]
    fig, axes = _subplots(max(len(sweeps), 1), 2, figsize=(10, 2.9 * max(len(sweeps), 1) + 0.8), squeeze=False)
    for r, sw in enumerate(sweeps):
        g = s[s["sweep"] == sw]
        for c, power in enumerate([2, 1]):
            ax = axes[r, c]
            for d, gd in g.groupby("d"):
                ax.errorbar(gd["n"] / d**power, gd["test_error_mean"], yerr=bounded_bars(gd["test_error_mean"], gd["test_error_half"], 0, 1), marker="o", ms=3, capsize=2, label=f"d = {d}")
            _log2_axis(ax)
            ax.set_xlabel("n / d²" if power == 2 else "n / d")
            ax.set_ylabel("test error")
            ax.set_title(f"{_learner_label(g.iloc[0])}, {_seeds(par[par['sweep'] == sw])}", fontsize=8)
            _legend(ax, fontsize=7)
    header(fig, "Test error against n/d² (left: kernel scaling) and n/d (right: global-margin scaling)", _datasets(par, cfg),
           "widest network of each sweep; end of run; " + T_BARS_ERR + (f"; dropped (a single point): {', '.join(dropped)}" if dropped else ""))
    return fig


def _censored_kind(value) -> str:
    return value if isinstance(value, str) else ("none" if not value or pd.isna(value) else "some")


def slope_guides(ax, x_anchor: float, y_anchor: float, x_max: float, slopes=(1, 2), styles=("--", ":")):
    """Lines y = y_anchor (x / x_anchor)^s for each slope s, from x_anchor to x_max (one common anchor)."""
    xs = np.array([x_anchor, x_max], float)
    for s, ls in zip(slopes, styles):
        ax.plot(xs, y_anchor * (xs / x_anchor) ** s, ls=ls, color="grey", lw=1, label=f"guide: slope {s:g}")


def n_star_vs_d(nstar: pd.DataFrame, fits: pd.DataFrame, epsilon: float, cfg: dict | None = None):
    """n*(d) at one epsilon, log-log, one line per learner, fitted slope and interval in the legend,
    theory guides of slope 1 and 2 through a common anchor (the geometric mean of the n* values at the
    smallest d). Bars: the table's [n_star_lo, n_star_hi]. Left-censored points (n* <= smallest n)
    are hollow; curves without a finite n* at some d are named in the title."""
    ns = nstar[np.isclose(nstar["epsilon"], epsilon) & (nstar["groups"].fillna(0) == 0)]
    fig, ax = _subplots(figsize=(7, 5.2))
    absent = []
    censored_drawn = False
    for key, g in ns.groupby(["sweep", "learner", "m"]):
        g = g.sort_values("d")
        f = fits[(fits["sweep"] == key[0]) & (fits["m"] == key[2]) & (fits["x"] == "d") & np.isclose(fits["epsilon"], epsilon)] if len(fits) else fits
        label = _learner_label({"learner": key[1], "sweep": key[0], "m": key[2]}) + _fit_text(f)
        ok = g[np.isfinite(g["n_star"])]
        # censored cells: no point estimate, but a finite interval is drawn as a bar with a hollow marker
        cens = g[~np.isfinite(g["n_star"])]
        if "n_star_lo" in cens:
            cens = cens[np.isfinite(cens["n_star_lo"]) & np.isfinite(cens["n_star_hi"]) & (cens["n_star_lo"] > 0)]
        else:
            cens = cens.iloc[:0]
        absent += [f"{key[0]} d={int(d)}" for d in g.loc[~np.isfinite(g["n_star"]) & ~g["d"].isin(cens["d"]), "d"]]
        colour = None
        if len(ok):
            lo = ok["n_star_lo"] if "n_star_lo" in ok else ok["n_star"]
            hi = ok["n_star_hi"] if "n_star_hi" in ok else ok["n_star"]
            colour = interval_bars(ax, ok["d"], ok["n_star"], lo, hi, label=label, open_label="n* interval open above (censored or not computed)")
            left = ok[ok["censored"].map(_censored_kind) == "left"] if "censored" in ok else ok.iloc[:0]
            if len(left):  # a point value at the grid floor that is really an upper bound
                ax.scatter(left["d"], left["n_star"], s=80, facecolors="white", edgecolors=colour, zorder=6, label="left-censored (n* <= smallest n)")
        if len(cens):
            mid = np.sqrt(cens["n_star_lo"] * cens["n_star_hi"])
            ax.errorbar(cens["d"], mid, yerr=[mid - cens["n_star_lo"], cens["n_star_hi"] - mid], fmt="o", mfc="white", color=colour, capsize=3, zorder=6,
                        label=None if len(ok) else label)
            censored_drawn = True
    pts = ns[np.isfinite(ns["n_star"])]
    if len(pts):
        d0 = pts["d"].min()
        y0 = float(np.exp(np.log(pts.loc[pts["d"] == d0, "n_star"]).mean()))
        slope_guides(ax, d0, y0, pts["d"].max())
    if censored_drawn:
        ax.scatter([], [], s=60, facecolors="white", edgecolors="k", label="some seed censored: 95% interval only (marker at its geometric middle)")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    _log2_ticks(ax, ns["d"])
    ax.set_xlabel("input dimension d")
    ax.set_ylabel(f"n*: samples for test error ≤ {epsilon:g}")
    _legend(ax, fontsize=7)
    seeds = (cfg or {}).get("seeds")
    header(fig, f"Sample complexity n*(ε = {epsilon:g}) against d", _datasets(ns, cfg),
           (f"{len(seeds)} seeds; " if seeds else "") + "n* per seed (first n with test error ≤ ε at the end of the run, interpolated in log n); points: geometric mean over seeds; bars: 95% t-interval over seeds (censored seeds as intervals)",
           "theory: kernel ~ d² (slope 2), global margin ~ d (slope 1); guides through the geometric mean of n* at the smallest d"
           + (f"; no n* and no finite interval: {', '.join(absent)}" if absent else ""))
    return fig


def _width_sweep(stats_: pd.DataFrame) -> str:
    """The width study: the sweep with the most widths in the width statistics."""
    return stats_.groupby("sweep")["m"].nunique().idxmax()


def motion_vs_width(stats_: pd.DataFrame, fits: pd.DataFrame, cfg: dict | None = None):
    """||W - W_0||_F (left) and ||W - W_0||_F / sqrt(m) (right) against m at the milestones (log-log),
    mean +- 95% t-interval over seeds, fitted slopes in the legend; the width study only, one row of
    panels per (d, n)."""
    sweep = _width_sweep(stats_)
    st = stats_[stats_["sweep"] == sweep]
    fits = fits[fits["sweep"] == sweep] if len(fits) else fits
    cells = [(k, g) for k, g in st.groupby(["d", "n"]) if g["m"].nunique() >= 2]
    dropped = [k for k, g in st.groupby(["d", "n"]) if g["m"].nunique() < 2]
    fig, axes = _subplots(max(len(cells), 1), 2, figsize=(11, 3.8 * max(len(cells), 1) + 0.9), squeeze=False)
    for row, ((d, n), g) in zip(axes, cells):
        events = [e for e in MILESTONES if e in set(g["event"])] + sorted(set(g["event"]) - set(MILESTONES))
        for ax, value, lab in [(row[0], "motion", r"$\|W - W_0\|_F$"), (row[1], "motion_per_sqrt_m", r"$\|W - W_0\|_F/\sqrt{m}$")]:
            for i, ev in enumerate(events):
                ge = g[g["event"] == ev].sort_values("m")
                f = fits[(fits["d"] == d) & (fits["n"] == n) & (fits["event"] == ev) & (fits["value"] == value)] if len(fits) else fits
                half = _bars(t_halfwidth(ge[f"{value}_sem"], ge["networks"]))
                marker, colour = MILESTONE_STYLE.get(ev, ("o", None))
                interval_bars(ax, ge["m"] * _dodge(i, len(events)), ge[f"{value}_mean"], ge[f"{value}_mean"] - half, ge[f"{value}_mean"] + half,
                              marker=marker, color=colour, log=True, label=f"{milestone_label(ev, cfg)}{_fit_text(f)}")
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            _log2_ticks(ax, g["m"])
            ax.set_xlabel("width m")
            ax.set_ylabel(lab)
            ax.set_title(f"d = {d}, n = {n}, {int(g['networks'].min())}–{int(g['networks'].max())} seeds per width", fontsize=8)
            _legend(ax, fontsize=6.5)
    header(fig, f"Weight motion against width at the milestones (width study: sweep {sweep})", _datasets(st, cfg),
           "left: lazy picture O(1) is slope 0, the analysis allows O(√m), slope 1/2; right: motion per √m, bounded across widths if the left slope is ≤ 1/2",
           T_BARS + "; slope: mean of per-seed log-log slopes against m with its 95% t-interval (width_fits)" + (f"; dropped (one width): {dropped}" if dropped else ""))
    return fig


def rotation_vs_width(stats_: pd.DataFrame, fits: pd.DataFrame, cfg: dict | None = None):
    """Mass-weighted mean rotation (degrees) against m, one line per milestone, mean +- 95% t-interval
    over seeds (t quantile with networks - 1 degrees of freedom), log x; one panel per (d, n) of the
    width study, with the fitted log-log slope (width_fits, value rot_weighted_deg) in the legend."""
    sweep = _width_sweep(stats_)
    st = stats_[stats_["sweep"] == sweep]
    fits = fits[(fits["sweep"] == sweep) & (fits["value"] == "rot_weighted_deg")] if len(fits) else fits
    cells = [(k, g) for k, g in st.groupby(["d", "n"]) if g["m"].nunique() >= 2]
    dropped = [k for k, g in st.groupby(["d", "n"]) if g["m"].nunique() < 2]
    ncol = min(len(cells), 3) or 1
    nrow = int(np.ceil(len(cells) / ncol)) or 1
    fig, axes = _subplots(nrow, ncol, figsize=(4.6 * ncol, 3.6 * nrow + 0.9), squeeze=False, sharey=True)
    for ax, ((d, n), g) in zip(axes.ravel(), cells):
        events = [e for e in MILESTONES if e in set(g["event"])] + sorted(set(g["event"]) - set(MILESTONES))
        for i, ev in enumerate(events):
            ge = g[g["event"] == ev].sort_values("m")
            f = fits[(fits["d"] == d) & (fits["n"] == n) & (fits["event"] == ev)] if len(fits) else fits
            marker, colour = MILESTONE_STYLE.get(ev, ("o", None))
            ax.errorbar(ge["m"] * _dodge(i, len(events)), ge["rot_weighted_deg_mean"], yerr=bounded_bars(ge["rot_weighted_deg_mean"], t_halfwidth(ge["rot_weighted_deg_sem"], ge["networks"]), 0, 180), marker=marker, color=colour, capsize=3,
                        label=f"{milestone_label(ev, cfg)}{_fit_text(f)}")
        ax.set_xscale("log", base=2)
        _log2_ticks(ax, g["m"])
        ax.set_xlabel("width m")
        ax.set_title(f"d = {d}, n = {n}, {int(g['networks'].min())}–{int(g['networks'].max())} seeds per width", fontsize=8)
        _legend(ax, fontsize=6.5)
    for ax in axes.ravel()[len(cells):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("mass-weighted mean rotation (degrees)")
    header(fig, f"Rotation of the inner weights against width at the milestones (width study: sweep {sweep})", _datasets(st, cfg),
           "rotation of neuron j = ∠(v_j(t), v_j(0)), averaged with weights a_j² + ‖v_j‖²; " + T_BARS + " (intersected with [0°, 180°])" + "; slope: log-log fit against m"
           + (f"; dropped (one width): {dropped}" if dropped else ""))
    return fig


ROTATION_BINS = np.linspace(0.0, 180.0, 37)  # 5 degree bins over the whole range of an angle


def rotation_histogram_data(w: dict, bins=ROTATION_BINS) -> dict:
    """Per-neuron rotation angles (degrees) of the networks in ``w`` (a, V, V0 with a leading network
    axis) and their histograms over ``bins``: ``mass`` = share of the weight mass a_j^2 + ||v_j||^2
    per bin (sums to 1), ``neurons`` = number of neurons per bin (sums to the number of neurons),
    ``weighted_mean`` = mass-weighted mean angle."""
    import torch

    from .metrics import rotation_degrees

    ang = rotation_degrees(torch.as_tensor(w["V0"]), torch.as_tensor(w["V"])).numpy().ravel()
    mass = (np.asarray(w["a"]) ** 2 + (np.asarray(w["V"]) ** 2).sum(-1)).ravel()
    if ang.min() < bins[0] or ang.max() > bins[-1]:
        raise ValueError(f"rotation angles outside the histogram range [{bins[0]}, {bins[-1]}]")
    return {
        "angles": ang,
        "bins": np.asarray(bins, float),
        "mass": np.histogram(ang, bins=bins, weights=mass / mass.sum())[0],
        "neurons": np.histogram(ang, bins=bins)[0],
        "weighted_mean": float((ang * mass).sum() / mass.sum()),
    }


def rotation_histograms(weights_by_m: dict, info: str = ""):
    """Per-neuron rotation angle (degrees, bins covering 0-180 so that no neuron is dropped) at the end
    of training, one panel per width: bars = share of weight mass a_j^2 + ||v_j||^2, step line = share
    of neurons. ``weights_by_m[m]`` holds a, V, V0 of the networks pooled for that width."""
    ms = sorted(weights_by_m)
    ncol = min(len(ms), 4) or 1
    nrow = int(np.ceil(len(ms) / ncol)) or 1
    fig, axes = _subplots(nrow, ncol, figsize=(3.4 * ncol, 2.9 * nrow + 1.0), squeeze=False)
    for ax, m in zip(axes.ravel(), ms):
        h = rotation_histogram_data(weights_by_m[m])
        edges, total = h["bins"], int(h["neurons"].sum())
        ax.bar(edges[:-1], h["mass"], width=np.diff(edges), align="edge", color="tab:purple", alpha=0.7, label="share of mass")
        ax.stairs(h["neurons"] / total, edges, color="k", lw=1, label="share of neurons")
        ax.axvline(h["weighted_mean"], color="tab:red", lw=1, label=f"mass-weighted mean {h['weighted_mean']:.1f}°")
        for ref in (10, 30):
            ax.axvline(ref, ls=":", color="grey", lw=0.8)
        nets = int(np.asarray(weights_by_m[m]["a"]).reshape(-1, m).shape[0])
        ax.set_title(f"m = {m}: {total} neurons ({nets} network{'s' if nets != 1 else ''})", fontsize=8)
        ax.set_xlim(0, 180)
        ax.set_xticks(range(0, 181, 30))
        ax.set_xlabel("rotation ∠(v_j(end), v_j(0)) (°)", fontsize=8)
        _legend(ax, fontsize=6)
    for ax in axes.ravel()[len(ms):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("share")
    header(fig, "Rotation of each neuron's inner weights at the end of training, one panel per width", info,
           "bins of 5° over 0–180° (every neuron counted); dotted: 10° and 30°")
    return fig


def nc_panels(final: pd.DataFrame, nstar: pd.DataFrame, fits: pd.DataFrame, epsilon: float, cfg: dict | None = None):
    """Neural collapse: test error against n for several k (left, mean +- 95% t-interval over seeds),
    n*(k) per d with fitted slopes (right; curves with fewer than 2 finite n* are named, not drawn)."""
    nc = final[final["groups"].fillna(0) > 0]
    s = mean_ci(nc, ["d", "groups", "n"], "test_error")
    fig, axes = _subplots(1, 2, figsize=(11, 4.8))
    for (d, k), g in s.groupby(["d", "groups"]):
        axes[0].errorbar(g["n"], g["test_error_mean"], yerr=bounded_bars(g["test_error_mean"], g["test_error_half"], 0, 1), marker="o", ms=3, capsize=2, label=f"k = {k}, d = {d}")
    axes[0].axhline(epsilon, ls=":", color="grey", lw=0.8, label=f"ε = {epsilon:g}")
    axes[0].set_xscale("log", base=2)
    axes[0].set_xlabel("training samples n")
    axes[0].set_ylabel("test error at the end of the run")
    _legend(axes[0], fontsize=7)
    ns = nstar[np.isclose(nstar["epsilon"], epsilon) & (nstar["groups"].fillna(0) > 0)]
    short = []
    for d, g in ns.groupby("d"):
        ok = g[np.isfinite(g["n_star"])].sort_values("groups")
        if len(ok) < 2:
            short.append(int(d))
            continue
        f = fits[(fits["x"] == "groups") & (fits["d"] == d) & np.isclose(fits["epsilon"], epsilon)] if len(fits) else fits
        colour = interval_bars(axes[1], ok["groups"], ok["n_star"], ok.get("n_star_lo", ok["n_star"]), ok.get("n_star_hi", ok["n_star"]), label=f"d = {d}{_fit_text(f)}", open_label="n* interval open above (censored or not computed)")
        left = ok[ok["censored"].map(_censored_kind) == "left"] if "censored" in ok else ok.iloc[:0]
        axes[1].scatter(left["groups"], left["n_star"], s=80, facecolors="white", edgecolors=colour, zorder=6, label="left-censored (n* ≤ smallest n)" if len(left) else None)
    axes[1].set_xscale("log", base=2)
    axes[1].set_yscale("log", base=2)
    _log2_ticks(axes[1], ns["groups"])
    axes[1].set_xlabel("number of groups k")
    axes[1].set_ylabel(f"n* (test error ≤ {epsilon:g})")
    axes[1].set_title("theory: n* ~ linear in k, flat in d; bars: table's 95% interval", fontsize=8)
    _legend(axes[1], fontsize=7)
    header(fig, "Neural-collapse data: test error against n, and n*(k)", _datasets(nc, cfg),
           f"widths m = {_list(nc['m'])}, {_seeds(nc)}; left: " + T_BARS_ERR + (f"; right: d = {short} not drawn (fewer than 2 finite n*)" if short else ""))
    return fig


# ------------------------------------------------------------------------------------------------
# margins: rates, not levels


def margin_interval(g: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """[lower - 2 mc, upper + 2 mc] of margin rows (mc = mc_stderr, 0 where absent); a missing lower
    end falls back to the value, a missing or infinite upper end stays +inf (not certified)."""
    mc = g["mc_stderr"].fillna(0).to_numpy(float) if "mc_stderr" in g else np.zeros(len(g))
    val = g["value"].to_numpy(float)
    lo = g["lower"].to_numpy(float) if "lower" in g else val.copy()
    lo = np.where(np.isfinite(lo), lo, val) - 2 * mc
    hi = g["upper"].to_numpy(float) if "upper" in g else np.full(len(g), np.inf)
    hi = np.where(np.isfinite(hi), hi + 2 * mc, np.inf)
    return lo, hi


MARGIN_LABELS = {"gamma_ntk": r"\gamma_{ntk}", "gamma_ntk2": r"\gamma_{ntk,2}", "gamma_gl": r"\gamma_{gl}", "gamma_gl_general": r"\gamma_{gl}^{general}"}


def margins_vs_d(pop: pd.DataFrame, fits: pd.DataFrame, cfg: dict | None = None, parity: pd.DataFrame | None = None):
    """Margin rates against d (log x): d*gamma_ntk (and d*gamma_ntk2), sqrt(d)*gamma_gl (and the general
    solver's gamma_gl_general if present), and gamma_gl/gamma_ntk, each with its bracket widened by
    2 Monte-Carlo standard errors (ratio: interval arithmetic on the two brackets), the asymptotes
    d*gamma_ntk -> 1/2 and sqrt(d)*gamma_gl = 1/(4 sqrt 2), and the guide sqrt(d)/(2 sqrt 2) for the ratio.
    Levels of gamma_ntk and gamma_gl are never drawn on one axis (they have no common unit).

    ``parity`` (the margins_parity table: 2-sparse parity on the full cube over margins.parity_dims)
    is drawn instead of ``pop`` when given and non-empty; the level slopes of ``fits`` (fitted on
    ``pop``) are then not shown."""
    if parity is not None and len(parity):
        pop, fits = parity, fits.iloc[:0]
        source = "2-sparse parity on the full cube {±1/√d}^d (table margins_parity)"
    else:
        source = _datasets(pop, cfg) + " (table margins_population)"
    pop = pop[pop["value"].notna()]
    fig, axes = _subplots(1, 3, figsize=(14, 4.9))
    panels = [
        (axes[0], [("gamma_ntk", 1.0), ("gamma_ntk2", 1.0)], r"$d\cdot\gamma$", 0.5, r"$d\cdot\gamma_{ntk}\to 1/2$"),
        (axes[1], [("gamma_gl", 0.5), ("gamma_gl_general", 0.5)], r"$\sqrt{d}\cdot\gamma$", 1 / (4 * np.sqrt(2)), r"$\sqrt{d}\cdot\gamma_{gl} = 1/(4\sqrt{2})$ (exact)"),
    ]
    markers = {"gamma_ntk": "o", "gamma_ntk2": "s", "gamma_gl": "o", "gamma_gl_general": "x"}
    for ax, quantities, ylab, asym, asym_lab in panels:
        for q, power in quantities:
            for ds, g in pop[pop["quantity"] == q].groupby("dataset") if "dataset" in pop else [(None, pop[pop["quantity"] == q])]:
                g = g.sort_values("d")
                if g.empty:
                    continue
                lo, hi = margin_interval(g)
                scale = g["d"].to_numpy(float) ** power
                f = fits[fits["quantity"] == q] if len(fits) and "quantity" in fits else fits.iloc[:0]
                lab = ("d" if power == 1 else "√d") + f"·${MARGIN_LABELS[q]}$" + (f" ({ds})" if ds is not None and pop["dataset"].nunique() > 1 else "") + (_fit_text(f, ".3f").replace("slope", "level slope") if len(f) else "")
                interval_bars(ax, g["d"], g["value"] * scale, lo * scale, hi * scale, label=lab, marker=markers[q])
        ax.axhline(asym, color="k", ls="--", lw=0.9, label=asym_lab)
        lo, hi = ax.get_ylim()
        ax.set_ylim(min(lo, 0.9 * asym), max(hi, 1.1 * asym))  # widen only (never hides data): ±10% of the asymptote in view
        ax.set_ylabel(ylab)
    # ratio
    ax = axes[2]
    for ds, g in pop.groupby("dataset") if "dataset" in pop else [(None, pop)]:
        ntk = g[g["quantity"] == "gamma_ntk"].set_index("d")
        gl = g[g["quantity"] == "gamma_gl"].set_index("d")
        if gl.empty:
            gl = g[g["quantity"] == "gamma_gl_general"].set_index("d")
        dims = sorted(set(ntk.index) & set(gl.index))
        if not dims:
            continue
        ntk, gl = ntk.loc[dims], gl.loc[dims]
        nlo, nhi = margin_interval(ntk)
        glo, ghi = margin_interval(gl)
        with np.errstate(divide="ignore"):
            lo = glo / nhi  # nhi = inf gives 0
            hi = np.where(nlo > 0, ghi / np.where(nlo > 0, nlo, 1.0), np.inf)
        interval_bars(ax, dims, gl["value"].to_numpy(float) / ntk["value"].to_numpy(float), lo, hi,
                      label=r"$\gamma_{gl}/\gamma_{ntk}$" + (f" ({ds})" if ds is not None and pop["dataset"].nunique() > 1 else ""))
    dd = np.array(sorted(pop["d"].unique()), float)
    if len(dd):
        dfine = np.geomspace(dd.min(), dd.max(), 50)
        ax.plot(dfine, np.sqrt(dfine) / (2 * np.sqrt(2)), "k--", lw=0.9, label=r"$\sqrt{d}/(2\sqrt{2})$ (ratio of the asymptotes; slope 1/2)")
    ax.set_yscale("log")
    ax.set_ylabel(r"$\gamma_{gl}/\gamma_{ntk}$ (log scale)")
    for a in axes:
        a.set_xscale("log", base=2)
        _log2_ticks(a, pop["d"])
        a.set_xlabel("input dimension d")
        _legend(a, fontsize=6.5)
    axes[0].set_title("NTK margin, rate 1/d", fontsize=8)
    axes[1].set_title("global margin, rate 1/√d", fontsize=8)
    axes[2].set_title("ratio grows like √d (log–log: slope 1/2)", fontsize=8)
    header(fig, "Population margins as rates in d (levels of γ_ntk and γ_gl are not compared: no common unit)", source,
           "γ_ntk: inner-layer sup-norm transport, v ~ N(0, I_d); γ_gl: probability measures on the unit sphere of R^{d+1} (joint norm on (a, v)); docs/science.md",
           "bars: solver bracket [lower, upper] widened by 2 Monte-Carlo standard errors (ratio: interval arithmetic)"
           + ("; legend 'level slope': fitted log-log slope of the level against d" if len(fits) else ""))
    return fig


def frozen_ratio_table(frozen: pd.DataFrame, pop: pd.DataFrame) -> pd.DataFrame:
    """Per (d, m): mean, s.e.m., count and 95% t half-width over seeds of gamma_m / gamma_gl(d)."""
    fr = frozen[frozen["quantity"] == "frozen_lp"] if "quantity" in frozen else frozen
    gl = _population_value(pop, "gamma_gl")
    fr = fr[fr["d"].isin(gl.index)].assign(ratio=lambda x: x["value"] / x["d"].map(gl))
    return mean_ci(fr, ["d", "m"], "ratio")


def fit_rate(m, gap) -> tuple[float, float]:
    """(slope b, m at which 1 - gamma_m/gamma_gl = 0.1) of the log-log line log gap = a + b log m."""
    b, a = np.polyfit(np.log(np.asarray(m, float)), np.log(np.asarray(gap, float)), 1)
    m90 = float(np.exp((np.log(0.1) - a) / b)) if b < 0 else float("inf")
    return float(b), m90


def frozen_margin_vs_width(frozen: pd.DataFrame, pop: pd.DataFrame, cfg: dict | None = None):
    """gamma_m / gamma_gl against m on log-log axes (left; gamma_m = LP margin over the m frozen random
    initial directions, gamma_gl = population value; mean +- 95% t-interval over seeds) and the gap
    1 - gamma_m/gamma_gl with its fitted rate m^b and the width where the ratio would reach 0.9
    (right; fit over the widths whose mean ratio is in (0, 1)). Cells with mean ratio 0 (the frozen
    directions do not separate the population for any seed) cannot be drawn on a log axis and are
    counted in the title."""
    s = frozen_ratio_table(frozen, pop)
    dims = sorted(s["d"].unique())
    pal = dict(zip(dims, sns.color_palette("viridis", max(len(dims), 1))))
    fig, axes = _subplots(1, 2, figsize=(11, 4.8))
    zero = s[s["ratio_mean"] <= 0]
    for d in dims:
        g = s[(s["d"] == d) & (s["ratio_mean"] > 0)].sort_values("m")
        if g.empty:
            continue
        half = _bars(g["ratio_half"])
        interval_bars(axes[0], g["m"], g["ratio_mean"], g["ratio_mean"] - half, g["ratio_mean"] + half, color=pal[d], label=f"d = {d}", log=True)
        gap = 1 - g["ratio_mean"]
        ok = (gap > 0).to_numpy()
        axes[1].plot(g["m"][ok], gap[ok], marker="o", color=pal[d], ls="none")
        if ok.sum() >= 3:
            b, m90 = fit_rate(g["m"][ok], gap[ok])
            mm = np.geomspace(g["m"][ok].min(), g["m"][ok].max(), 20)
            a = np.mean(np.log(gap[ok]) - b * np.log(g["m"][ok]))
            axes[1].plot(mm, np.exp(a) * mm**b, color=pal[d], label=f"d = {d}: 1 − γ_m/γ_gl ∝ m^{b:.2f}; ratio 0.9 at m ≈ {m90:.3g}")
        else:
            axes[1].plot([], [], marker="o", color=pal[d], ls="none", label=f"d = {d}: no fit ({ok.sum()} widths with 0 < ratio < 1; 3 needed)")
    axes[0].axhline(1.0, color="k", lw=0.8, ls="--", label="γ_m = γ_gl")
    axes[0].axhline(0.9, color="grey", lw=0.8, ls=":", label="0.9")
    for ax in axes:
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        if len(s):
            _log2_ticks(ax, s["m"])
        ax.set_xlabel("width m (number of frozen random directions)")
        _legend(ax, fontsize=7)
    axes[0].set_ylabel(r"$\gamma_m/\gamma_{gl}$")
    axes[1].set_ylabel(r"$1 - \gamma_m/\gamma_{gl}$ (mean over seeds)")
    n_seeds = frozen["seed"].nunique() if "seed" in frozen else 0
    header(fig, "Frozen-direction LP margin over the global margin against width (what no-rotation GF can reach)", _datasets(frozen, cfg),
           f"γ_m on the population, {n_seeds} seeds (initializations), widths {_list(s['m']) if len(s) else '-'}; γ_gl: population value; left: " + T_BARS,
           (f"not drawn (mean γ_m = 0, not separable by the frozen directions): {', '.join(f'd={int(r.d)} m={int(r.m)}' for r in zero.itertuples())}" if len(zero) else ""))
    return fig


# ------------------------------------------------------------------------------------------------
# new figures: n* against the inverse squared margin, GF margin rates, no-rotation convergence


def learner_margins(nstar: pd.DataFrame, pop: pd.DataFrame, frozen: pd.DataFrame, final: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Each n* curve (parity data) paired with its learner's own margin at that d.

    kernel: population gamma_ntk; norot: gamma_m (frozen-direction LP margin on the population,
    mean over seeds) at the sweep's width; gf: its achieved normalized margin, mean over seeds at the
    largest n of that (sweep, m, d), end of run. Other learners have no margin of their own. Returns
    (rows with columns of nstar + margin + margin_kind, notes about curves that were left out)."""
    ns = nstar[(nstar["groups"].fillna(0) == 0) & np.isfinite(nstar["n_star"])]
    ntk = _population_value(pop, "gamma_ntk")
    fr = frozen[frozen["quantity"] == "frozen_lp"] if "quantity" in frozen else frozen
    fr_mean = fr.groupby(["d", "m"])["value"].mean()
    fin = final[final["event"] == "final"] if "event" in final else final
    rows, notes = [], []
    for _, r in ns.iterrows():
        d, m = r["d"], r["m"]
        if r["learner"] == "kernel":
            margin, kind = ntk.get(d, np.nan), "population γ_ntk"
        elif r["learner"] == "norot":
            margin, kind = fr_mean.get((d, m), np.nan), f"γ_m (frozen LP, m={m})"
            if (d, m) not in fr_mean.index:
                notes.append(f"norot d={d}: γ_m at m={m} not computed (add {m} to margins.frozen_widths)")
                continue
        elif r["learner"] == "gf":
            g = fin[(fin["sweep"] == r["sweep"]) & (fin["m"] == m) & (fin["d"] == d)]
            g = g[g["n"] == g["n"].max()]
            margin, kind = g["normalized_margin"].mean() if len(g) else np.nan, "achieved γ(W), largest n"
        else:
            notes.append(f"{r['sweep']} ({r['learner']}): no margin of its own")
            continue
        if not np.isfinite(margin) or margin <= 0:
            notes.append(f"{r['sweep']} d={d}: margin {margin:.3g} (not positive) not drawn")
            continue
        rows.append({**r.to_dict(), "margin": float(margin), "margin_kind": kind})
    return pd.DataFrame(rows), sorted(set(notes))


def n_star_vs_inverse_margin_sq(nstar: pd.DataFrame, pop: pd.DataFrame, frozen: pd.DataFrame, final: pd.DataFrame, epsilon: float, cfg: dict | None = None):
    """n*(epsilon) against 1/gamma^2 (log-log) for each learner with its own margin (see
    learner_margins), one point per d, with a slope-1 guide through the geometric mean of all points."""
    pts, notes = learner_margins(nstar[np.isclose(nstar["epsilon"], epsilon)], pop, frozen, final)
    fig, ax = _subplots(figsize=(7, 5.2))
    if len(pts):
        pts["inv_sq"] = 1.0 / pts["margin"] ** 2
        for (sweep, learner, m), g in pts.groupby(["sweep", "learner", "m"]):
            g = g.sort_values("d")
            colour = interval_bars(ax, g["inv_sq"], g["n_star"], g.get("n_star_lo", g["n_star"]), g.get("n_star_hi", g["n_star"]),
                                   label=f"{_learner_label({'learner': learner, 'sweep': sweep, 'm': m})}: {g['margin_kind'].iloc[0]}", ls="-", open_label="n* interval open above (censored or not computed)")
            for _, r in g.iterrows():
                ax.annotate(f"d={int(r['d'])}", (r["inv_sq"], r["n_star"]), fontsize=6, color=colour, xytext=(3, -8), textcoords="offset points")
        x0 = float(np.exp(np.log(pts["inv_sq"]).mean()))
        y0 = float(np.exp(np.log(pts["n_star"]).mean()))
        xs = np.array([pts["inv_sq"].min(), pts["inv_sq"].max()])
        ax.plot(xs, y0 * xs / x0, "k--", lw=0.9, label="guide: slope 1 (n* ∝ 1/γ²)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        axis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel(r"$1/\gamma^2$ (each learner's own margin)")
    ax.set_ylabel(f"n*: samples for test error ≤ {epsilon:g}")
    _legend(ax, fontsize=7)
    seeds = (cfg or {}).get("seeds")
    header(fig, f"Sample complexity against the inverse squared margin, ε = {epsilon:g}", _datasets(nstar[nstar["groups"].fillna(0) == 0], cfg),
           (f"{len(seeds)} seeds; " if seeds else "") + "one point per d; bars: the n* table's 95% interval; theory: n* ~ 1/γ² (up to logs) for each learner's own γ",
           "; ".join(notes))
    return fig


def gf_margin_table(traj: pd.DataFrame) -> pd.DataFrame:
    """Per (d, event) at the milestones: mean, s.e.m., networks and 95% t half-width over seeds of GF's
    normalized margin, widest network and largest n of each d."""
    t = traj[traj["event"].isin(MILESTONES)]
    t = t[t["m"] == t["m"].max()]
    t = t[t["n"] == t.groupby("d")["n"].transform("max")]
    out = mean_ci(t, ["d", "m", "n", "event"], "normalized_margin")
    out["seeds_total"] = out["d"].map(t[t["event"] == "final"].groupby("d")["seed"].nunique())
    return out


def gf_margin_vs_d(traj: pd.DataFrame, pop: pd.DataFrame, cfg: dict | None = None):
    """GF's normalized margin gamma(W_t) against d at matched milestones (widest network, largest n),
    mean +- 95% t-interval over seeds, log-log, with gamma_gl (population, same scale) and guides 1/d
    and 1/sqrt(d) through the end-of-run value at the smallest d."""
    s = gf_margin_table(traj)
    fig, ax = _subplots(figsize=(7, 5.2))
    nonpos = []
    for ev in [e for e in MILESTONES if e in set(s["event"])]:
        g = s[(s["event"] == ev)].sort_values("d")
        pos = g[g["normalized_margin_mean"] > 0]
        marker, colour = MILESTONE_STYLE[ev]
        reached = ", ".join(f"{int(r.networks)}/{int(r.seeds_total)}" for r in pos.itertuples())
        half = _bars(pos["normalized_margin_half"])
        if len(pos):
            interval_bars(ax, pos["d"], pos["normalized_margin_mean"], pos["normalized_margin_mean"] - half, pos["normalized_margin_mean"] + half, marker=marker, color=colour,
                          label=f"{milestone_label(ev, cfg)} (seeds reaching it: {reached})", log=True)
        nonpos += [f"{milestone_label(ev, cfg)} d={int(d)}" for d in g.loc[g["normalized_margin_mean"] <= 0, "d"]]
    gl = _population_value(pop, "gamma_gl")
    dims = sorted(s["d"].unique())
    gl = gl[gl.index.isin(dims)]
    if len(gl):
        ax.plot(gl.index, gl.values, "k-", lw=1.2, marker="*", label=r"$\gamma_{gl}$ (population; same scale, upper bound on the population)")
    fin = s[(s["event"] == "final") & (s["normalized_margin_mean"] > 0)].sort_values("d")
    if len(fin) >= 1 and len(dims) >= 2:
        d0, y0 = fin["d"].iloc[0], fin["normalized_margin_mean"].iloc[0]
        slope_guides(ax, d0, y0, max(dims), slopes=(-1, -0.5), styles=("--", ":"))
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    _log2_ticks(ax, dims)
    ax.set_xlabel("input dimension d")
    ax.set_ylabel(r"normalized margin $\gamma(W_t)$ on the training set")
    _legend(ax, fontsize=7)
    sub = s[s["event"] == "final"]
    header(fig, "GF's normalized margin against d at matched milestones", _datasets(traj, cfg),
           f"widest network m = {_list(s['m']) if len(s) else '-'}, largest n per d: " + ", ".join(f"d={int(r.d)}: n={int(r.n)}" for r in sub.itertuples()) + f"; {_seeds(traj)}",
           T_BARS + "; guides: slope −1 (γ_ntk rate 1/d) and −1/2 (γ_gl rate 1/√d) through the end-of-run value at the smallest d",
           (f"not drawn (mean margin ≤ 0 on a log axis): {', '.join(nonpos)}" if nonpos else ""))
    return fig


def norot_ratio_table(traj: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """No-rotation GF's gamma(W_t) / frozen_lp_value per network row, from its first zero-training-error
    checkpoint on (before that gamma(W_t) <= 0). Returns (rows with ``ratio`` and checkpoint index
    ``k`` counted from the start of each network, notes on networks left out)."""
    t = traj[(traj["learner"] == "norot") & traj["event"].isin(TRAJECTORY_EVENTS) & (traj["gf_time"] > 0)].copy()
    notes = []
    if "frozen_lp_value" not in t:
        return t.iloc[:0].assign(ratio=[], k=[]), ["column frozen_lp_value missing from trajectories"]
    keys = ["d", "n", "m", "seed"]
    bad = t[~(t["frozen_lp_value"] > 0)].groupby(["d", "n"])["seed"].nunique()
    notes += [f"d={d} n={n}: {k} seed(s) with frozen LP margin 0 (own directions do not separate the training set)" for (d, n), k in bad.items()]
    t = t[t["frozen_lp_value"] > 0].sort_values(keys + ["gf_time"])
    t["k"] = t.groupby(keys).cumcount()
    never = t.groupby(keys)["train_error"].min().gt(0).groupby(["d", "n"]).sum()
    notes += [f"d={d} n={n}: {int(k)} seed(s) never at zero training error" for (d, n), k in never.items() if k > 0]
    t = t[t["train_error"] == 0]
    t["ratio"] = t["normalized_margin"] / t["frozen_lp_value"]
    return t, notes


def norot_margin_convergence(traj: pd.DataFrame, cfg: dict | None = None):
    """No-rotation GF: gamma(W_t) / (LP margin over its own frozen directions on its training set)
    against GF time (log), one panel per d, one line per n: median over seeds at each checkpoint index
    (time: median over seeds), band = min-max over seeds; horizontal lines at 1 and 0.9."""
    t, notes = norot_ratio_table(traj)
    dims = sorted(t["d"].unique())
    fig, axes = _subplots(1, max(len(dims), 1), figsize=(5 * max(len(dims), 1), 4.6), squeeze=False, sharey=True)
    for ax, d in zip(axes[0], dims):
        g = t[t["d"] == d]
        ns = sorted(g["n"].unique())
        pal = dict(zip(ns, sns.color_palette("viridis", len(ns))))
        for n in ns:
            agg = g[g["n"] == n].groupby("k").agg(time=("gf_time", "median"), med=("ratio", "median"), lo=("ratio", "min"), hi=("ratio", "max"), seeds=("seed", "nunique")).reset_index()
            ax.plot(agg["time"], agg["med"], color=pal[n], marker=".", label=f"n = {n} ({int(agg['seeds'].max())} seeds)")
            ax.fill_between(agg["time"], agg["lo"], agg["hi"], color=pal[n], alpha=0.2, lw=0)
        ax.axhline(1.0, color="k", ls="--", lw=0.8)
        ax.axhline(0.9, color="grey", ls=":", lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("GF time t (sum of step sizes)")
        ax.set_title(f"d = {d}, m = {_list(g['m'])}", fontsize=8)
        _legend(ax, fontsize=6.5)
    axes[0, 0].set_ylabel(r"$\gamma(W_t)\,/\,\gamma_m^{train}$ (own frozen directions)")
    header(fig, "No-rotation GF: normalized margin over the LP margin of its own frozen directions", _datasets(t if len(t) else traj, cfg),
           "line: median over seeds at each checkpoint (time: median); band: min–max over seeds; from the first zero-training-error checkpoint on; dashed 1, dotted 0.9",
           "; ".join(notes))
    return fig
