"""Figures from aggregated tables (never from training state): changing a colour never retrains.

Every figure has axis labels with units, a legend and a title that states the slice shown; each is
saved in every format of ``figures.formats``.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from .tables import TRAJECTORY_EVENTS, final_rows, mean_sem  # noqa: E402


def save(fig, paths, dpi: int = 150) -> None:
    """Save one figure to every path (the format follows the suffix), then close it."""
    fig.tight_layout()
    for p in paths:
        fig.savefig(p, dpi=dpi, metadata={"CreationDate": None} if str(p).endswith(".pdf") else None)
    plt.close(fig)


def _trajectory(traj: pd.DataFrame) -> pd.DataFrame:
    t = traj[traj["event"].isin(TRAJECTORY_EVENTS) & (traj["gf_time"] > 0)].copy()
    t["network"] = t["seed"].astype(str)
    return t


def test_error_vs_n(traj: pd.DataFrame):
    """Final test error against n for each d (largest width; mean +- s.e.m. over seeds)."""
    fin = final_rows(traj)
    m = fin["m"].max()
    s = mean_sem(fin[fin["m"] == m], ["d", "n"], "test_error")
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for d, g in s.groupby("d"):
        ax.errorbar(g["n"], g["test_error_mean"], yerr=g["test_error_sem"].fillna(0), marker="o", capsize=3, label=f"d = {d}")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("training samples n")
    ax.set_ylabel("test error (fraction, end of GF)")
    ax.set_title(f"2-sparse parity, GF, width m = {m}")
    ax.legend(title="input dimension")
    return fig


def margin_vs_time(traj: pd.DataFrame, population: pd.DataFrame | None = None):
    """Normalized margin gamma(W_t) against GF time for each d (largest m and n; one line per seed),
    with the population gamma_gl (dotted) and gamma_ntk (dashed) of each d when the table is given."""
    t = _trajectory(traj)
    t = t[(t["m"] == t["m"].max()) & (t["n"] == t["n"].max())]
    dims = sorted(t["d"].unique())
    pal = dict(zip(dims, sns.color_palette("viridis", len(dims))))
    fig, ax = plt.subplots(figsize=(5.5, 4))
    sns.lineplot(data=t, x="gf_time", y="normalized_margin", hue="d", units="network", estimator=None, palette=pal, ax=ax, lw=1)
    for d in dims:
        ax.axhline(1 / (4 * np.sqrt(2 * d)), ls=":", lw=0.8, color=pal[d])
        if population is not None:
            ntk = population[(population["d"] == d) & (population["quantity"] == "gamma_ntk")]
            if len(ntk):
                ax.axhline(ntk["value"].iloc[0], ls="--", lw=0.8, color=pal[d])
    ax.set_xscale("log")
    ax.set_xlabel("GF time t (sum of step sizes)")
    ax.set_ylabel(r"normalized margin $\min_i y_i g(x_i;W_t)/\|W_t\|_F^2$")
    ax.set_title(f"m = {t['m'].max()}, n = {t['n'].max()}; dotted: $\\gamma_{{gl}}$, dashed: $\\gamma_{{ntk}}$", fontsize=9)
    ax.legend(title="d")
    return fig


def motion_vs_time(traj: pd.DataFrame):
    """||W_t - W_0||_F / sqrt(m) against GF time for each width (largest d and n; one line per seed)."""
    t = _trajectory(traj)
    t = t[(t["d"] == t["d"].max()) & (t["n"] == t["n"].max())]
    fig, ax = plt.subplots(figsize=(5.5, 4))
    sns.lineplot(data=t, x="gf_time", y="motion_per_sqrt_m", hue="m", units="network", estimator=None, palette="viridis", ax=ax, lw=1, hue_norm=matplotlib.colors.LogNorm())
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("GF time t (sum of step sizes)")
    ax.set_ylabel(r"$\|W_t - W_0\|_F / \sqrt{m}$")
    ax.set_title(f"weight motion per sqrt(width); d = {t['d'].max()}, n = {t['n'].max()}")
    ax.legend(title="width m")
    return fig


def feature_selection(traj: pd.DataFrame):
    """Share of inner-weight mass on the support S against GF time, for each d (largest m and n)."""
    t = _trajectory(traj)
    t = t[(t["m"] == t["m"].max()) & (t["n"] == t["n"].max())]
    fig, ax = plt.subplots(figsize=(5.5, 4))
    pal = sns.color_palette("viridis", t["d"].nunique())
    sns.lineplot(data=t, x="gf_time", y="feature_mass", hue="d", units="network", estimator=None, palette=pal, ax=ax, lw=1)
    k = int(t["support_size"].iloc[0])
    for colour, d in zip(pal, sorted(t["d"].unique())):
        ax.axhline(k / d, ls=":", lw=0.8, color=colour)
    ax.set_xscale("log")
    ax.set_xlabel("GF time t (sum of step sizes)")
    ax.set_ylabel(r"$\sum_j \|P_S v_j\|^2 / \|V\|_F^2$")
    ax.set_title(f"feature selection, m = {t['m'].max()}, n = {t['n'].max()}; dotted: |S|/d at init")
    ax.legend(title="d")
    return fig


def neuron_scatter(weights: dict, index: int, title: str):
    """First two input coordinates (v_j0, v_j1) of every neuron at initialization and at the end.

    Marker area is proportional to |a_j|, colour is sign(a_j).
    """
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2), sharex=True, sharey=True)
    for ax, (a, V, when) in zip(axes, [(weights["a0"][index], weights["V0"][index], "initialization"), (weights["a"][index], weights["V"][index], "end of GF")]):
        size = 40 * np.abs(a) / np.abs(weights["a"][index]).max()
        for sign, colour, lab in [(1, "tab:red", "a_j > 0"), (-1, "tab:blue", "a_j < 0")]:
            k = np.sign(a) == sign
            ax.scatter(V[k, 0], V[k, 1], s=size[k], c=colour, alpha=0.6, label=lab, edgecolors="none")
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_xlabel(r"$v_{j,0}$ (weight on coordinate 0)")
        ax.set_title(when)
    axes[0].set_ylabel(r"$v_{j,1}$ (weight on coordinate 1)")
    axes[0].legend(loc="upper right", fontsize=8)
    fig.suptitle(title)
    return fig




# ------------------------------------------------------------------------------------------------
# regimes (SPEC §6): figures from the summary tables


def _learner_label(row) -> str:
    return f"{row['learner']} ({row['sweep']}, m={row['m']})" if row["learner"] != "kernel" else "NTK kernel machine"


def error_collapse(final: pd.DataFrame):
    """Test error against n/d^2 (left) and n/d (right) for each learner on parity data; curves
    collapse in the panel whose scaling holds. Mean over seeds, widest network of each sweep."""
    par = final[final["groups"].fillna(0) == 0].copy()
    par = par[par["m"] == par.groupby("sweep")["m"].transform("max")]
    s = mean_sem(par, ["sweep", "learner", "m", "d", "n"], "test_error")
    learners = sorted(s["sweep"].unique())
    fig, axes = plt.subplots(len(learners), 2, figsize=(9, 2.8 * len(learners)), squeeze=False)
    for r, sw in enumerate(learners):
        g = s[s["sweep"] == sw]
        for c, (power, lab) in enumerate([(2, "n / d^2"), (1, "n / d")]):
            ax = axes[r, c]
            for d, gd in g.groupby("d"):
                ax.errorbar(gd["n"] / d**power, gd["test_error_mean"], yerr=gd["test_error_sem"].fillna(0), marker="o", ms=3, capsize=2, label=f"d = {d}")
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            ax.set_xlabel(f"samples per {'d^2' if power == 2 else 'd'} ({lab})")
            ax.set_ylabel("test error")
            ax.set_title(_learner_label(g.iloc[0]), fontsize=9)
            ax.legend(fontsize=7)
    return fig


def n_star_vs_d(nstar: pd.DataFrame, fits: pd.DataFrame, epsilon: float):
    """n*(d) at one epsilon, log-log, one line per learner, fitted slope and 95% CI in the legend.
    Left-censored points (n* <= smallest n) are drawn hollow; right-censored ones are absent."""
    ns = nstar[(nstar["epsilon"] == epsilon) & (nstar["groups"].fillna(0) == 0)]
    fig, ax = plt.subplots(figsize=(6, 4.2))
    for key, g in ns.groupby(["sweep", "learner", "m"]):
        g = g.sort_values("d")
        f = fits[(fits["sweep"] == key[0]) & (fits["m"] == key[2]) & (fits["x"] == "d") & (fits["epsilon"] == epsilon)]
        slope = "" if f.empty or np.isnan(f["slope"].iloc[0]) else f", slope {f['slope'].iloc[0]:.2f} [{f['ci_low'].iloc[0]:.2f}, {f['ci_high'].iloc[0]:.2f}]"
        ok = g[g["censored"] == "none"]
        yerr = np.vstack([ok["n_star"] - ok["n_star_lo"], ok["n_star_hi"] - ok["n_star"]])
        line = ax.errorbar(ok["d"], ok["n_star"], yerr=np.nan_to_num(yerr), marker="o", capsize=3, label=_learner_label({"learner": key[1], "sweep": key[0], "m": key[2]}) + slope)
        left = g[g["censored"] == "left"]
        ax.scatter(left["d"], left["n_star"], facecolors="none", edgecolors=line[0].get_color())
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    dims = sorted(ns["d"].unique())
    ax.set_xticks(dims, [str(int(d)) for d in dims])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("input dimension d")
    ax.set_ylabel(f"n*: samples for test error <= {epsilon}")
    ax.set_title("sample complexity, 2-sparse parity (theory: kernel ~ d^2, global margin ~ d)", fontsize=9)
    ax.legend(fontsize=7)
    return fig


def motion_vs_width(stats: pd.DataFrame, fits: pd.DataFrame):
    """||W - W_0||_F and ||W - W_0||_F / sqrt(m) against m at the milestones (log-log), fitted slopes in the legend."""
    sweep = stats.groupby("sweep")["m"].nunique().idxmax()  # the width study: the sweep with most widths
    stats, fits = stats[stats["sweep"] == sweep], fits[fits["sweep"] == sweep]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, value, lab in [(axes[0], "motion", r"$\|W - W_0\|_F$"), (axes[1], "motion_per_sqrt_m", r"$\|W - W_0\|_F/\sqrt{m}$")]:
        for key, g in stats.groupby(["sweep", "d", "n", "event"]):
            f = fits[(fits["sweep"] == key[0]) & (fits["d"] == key[1]) & (fits["n"] == key[2]) & (fits["event"] == key[3]) & (fits["value"] == value)]
            slope = "" if f.empty else f", slope {f['slope'].iloc[0]:.2f} [{f['ci_low'].iloc[0]:.2f}, {f['ci_high'].iloc[0]:.2f}]"
            ax.errorbar(g["m"], g[f"{value}_mean"], yerr=g[f"{value}_sem"].fillna(0), marker="o", capsize=2, label=f"{key[3]} (d={key[1]}, n={key[2]}){slope}")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("width m")
        ax.set_ylabel(lab)
        ax.legend(fontsize=7)
    axes[0].set_title("weight motion at the milestones (lazy picture: O(1); analysis allows O(sqrt m))", fontsize=9)
    axes[1].set_title("motion per sqrt(width): bounded across widths", fontsize=9)
    return fig


def rotation_histograms(weights_by_m: dict):
    """Histogram of per-neuron rotation angles (degrees) at the end of training, one panel per width,
    weighted by neuron mass a_j^2 + ||v_j||^2 (all networks of the job pooled)."""
    from .metrics import rotation_degrees
    import torch

    ms = sorted(weights_by_m)
    fig, axes = plt.subplots(1, len(ms), figsize=(3 * len(ms), 3), sharey=True, squeeze=False)
    for ax, m in zip(axes[0], ms):
        w = weights_by_m[m]
        ang = rotation_degrees(torch.as_tensor(w["V0"]), torch.as_tensor(w["V"])).numpy().ravel()
        mass = (w["a"] ** 2 + (w["V"] ** 2).sum(-1)).ravel()
        ax.hist(ang, bins=np.linspace(0, 90, 31), weights=mass / mass.sum(), color="tab:purple")
        ax.axvline(10, ls=":", color="grey")
        ax.axvline(30, ls=":", color="grey")
        ax.set_xlabel("rotation angle of v_j (degrees)")
        ax.set_title(f"m = {m}")
    axes[0, 0].set_ylabel("share of weight mass")
    return fig


def nc_panels(final: pd.DataFrame, nstar: pd.DataFrame, fits: pd.DataFrame, epsilon: float):
    """Neural collapse: test error against n for several k (left), n*(k) per d with fitted slopes (right)."""
    nc = final[final["groups"].fillna(0) > 0]
    s = mean_sem(nc, ["d", "groups", "n"], "test_error")
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for (d, k), g in s.groupby(["d", "groups"]):
        axes[0].errorbar(g["n"], g["test_error_mean"], yerr=g["test_error_sem"].fillna(0), marker="o", ms=3, capsize=2, label=f"k = {k}, d = {d}")
    axes[0].set_xscale("log", base=2)
    axes[0].set_xlabel("training samples n")
    axes[0].set_ylabel("test error")
    axes[0].legend(fontsize=7)
    ns = nstar[(nstar["epsilon"] == epsilon) & (nstar["groups"].fillna(0) > 0)]
    for d, g in ns.groupby("d"):
        f = fits[(fits["x"] == "groups") & (fits["d"] == d) & (fits["epsilon"] == epsilon)]
        slope = "" if f.empty or np.isnan(f["slope"].iloc[0]) else f", slope {f['slope'].iloc[0]:.2f} [{f['ci_low'].iloc[0]:.2f}, {f['ci_high'].iloc[0]:.2f}]"
        ok = g[g["censored"] == "none"].sort_values("groups")
        axes[1].plot(ok["groups"], ok["n_star"], marker="o", label=f"d = {d}{slope}")
    axes[1].set_xscale("log", base=2)
    axes[1].set_yscale("log", base=2)
    axes[1].set_xlabel("number of groups k")
    axes[1].set_ylabel(f"n* (test error <= {epsilon})")
    axes[1].set_title("theory: n* grows ~ linearly in k, flat in d", fontsize=9)
    axes[1].legend(fontsize=7)
    return fig


def margins_vs_d(pop: pd.DataFrame, fits: pd.DataFrame):
    """Population margins against d (log-log) with their brackets as error bars (plus the Monte-Carlo
    standard error for gamma_ntk), the exact line 1/(4 sqrt(2d)) and fitted slopes in the legend."""
    fig, ax = plt.subplots(figsize=(6, 4.2))
    names = {"gamma_ntk": r"$\gamma_{ntk}$", "gamma_ntk2": r"$\gamma_{ntk,2}$", "gamma_gl": r"$\gamma_{gl}$"}
    for q, lab in names.items():
        g = pop[(pop["quantity"] == q) & pop["value"].notna()].sort_values("d")
        if g.empty:
            continue
        mc = g["mc_stderr"].fillna(0) if "mc_stderr" in g else 0
        lo = (g["value"] - g["lower"]).clip(lower=0) + mc
        hi = (g["upper"] - g["value"]).clip(lower=0) + mc
        f = fits[fits["quantity"] == q]
        slope = "" if f.empty else f", slope {f['slope'].iloc[0]:.3f} [{f['ci_low'].iloc[0]:.3f}, {f['ci_high'].iloc[0]:.3f}]"
        ax.errorbar(g["d"], g["value"], yerr=np.vstack([lo, hi]), marker="o", capsize=3, label=lab + slope)
    d = np.array(sorted(pop["d"].unique()), dtype=float)
    ax.plot(d, 1 / (4 * np.sqrt(2 * d)), "k:", label=r"$1/(4\sqrt{2d})$ (exact $\gamma_{gl}$)")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set_xlabel("input dimension d")
    ax.set_ylabel("margin (normalized, SPEC §2)")
    ax.set_title("2-sparse parity margins (theory: ntk ~ 1/d, gl ~ 1/sqrt(d))", fontsize=9)
    ax.legend(fontsize=7)
    return fig


def frozen_margin_vs_width(frozen: pd.DataFrame, pop: pd.DataFrame):
    """LP margin over the m frozen initial directions (the best a no-rotation network of width m can
    reach) against m, mean +- s.e.m. over seeds, with gamma_gl of each d (dotted)."""
    s = mean_sem(frozen[frozen["quantity"] == "frozen_lp"], ["d", "m"], "value")
    dims = sorted(s["d"].unique())
    pal = dict(zip(dims, sns.color_palette("viridis", len(dims))))
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for d in dims:
        g = s[s["d"] == d]
        ax.errorbar(g["m"], g["value_mean"], yerr=g["value_sem"].fillna(0), marker="o", capsize=2, color=pal[d], label=f"d = {d}")
        gl = pop[(pop["d"] == d) & (pop["quantity"] == "gamma_gl")]
        if len(gl) and np.isfinite(gl["value"].iloc[0]):
            ax.axhline(gl["value"].iloc[0], ls=":", color=pal[d])
    ax.set_xscale("log", base=2)
    ax.set_xlabel("width m (number of frozen random directions)")
    ax.set_ylabel("LP margin over the frozen directions")
    ax.set_title(r"no-rotation margin approaches $\gamma_{gl}$ (dotted) as m grows", fontsize=9)
    ax.legend(fontsize=7)
    return fig


def _sweep(traj, name):
    return traj[traj["sweep"] == name]


# name -> function of (tables by name, config) -> figure; lowrot.catalog.FIGURE_TABLES names the tables.
FIGURES = {
    "test_error_vs_n": lambda T, c: test_error_vs_n(_sweep(T["trajectories"], c["figures"]["training_sweep"])),
    "margin_vs_time": lambda T, c: margin_vs_time(_sweep(T["trajectories"], c["figures"]["training_sweep"]), T["margins_population"]),
    "motion_vs_time": lambda T, c: motion_vs_time(_sweep(T["trajectories"], c["figures"]["training_sweep"])),
    "feature_selection": lambda T, c: feature_selection(_sweep(T["trajectories"], c["figures"]["training_sweep"])),
    "error_collapse": lambda T, c: error_collapse(T["final_networks"]),
    "n_star_vs_d": lambda T, c: n_star_vs_d(T["sample_complexity"], T["exponents"], c["analysis"]["epsilons"][0]),
    "motion_vs_width": lambda T, c: motion_vs_width(T["width_stats"], T["width_fits"]),
    "nc_sample_complexity": lambda T, c: nc_panels(T["final_networks"], T["sample_complexity"], T["exponents"], c["analysis"]["epsilons"][0]),
    "margins_vs_d": lambda T, c: margins_vs_d(T["margins_population"], T["margin_exponents"]),
    "frozen_margin_vs_width": lambda T, c: frozen_margin_vs_width(T["margins_frozen"], T["margins_population"]),
}
