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


def margin_vs_time(traj: pd.DataFrame):
    """Normalized margin gamma(W_t) against GF time for each d (largest m and n; one line per seed)."""
    t = _trajectory(traj)
    t = t[(t["m"] == t["m"].max()) & (t["n"] == t["n"].max())]
    fig, ax = plt.subplots(figsize=(5.5, 4))
    sns.lineplot(data=t, x="gf_time", y="normalized_margin", hue="d", units="network", estimator=None, palette="viridis", ax=ax, lw=1)
    for d in sorted(t["d"].unique()):
        ax.axhline(1 / (4 * np.sqrt(2 * d)), ls=":", lw=0.8, color="grey")
    ax.set_xscale("log")
    ax.set_xlabel("GF time t (sum of step sizes)")
    ax.set_ylabel(r"normalized margin $\min_i y_i g(x_i;W_t)/\|W_t\|_F^2$")
    ax.set_title(f"m = {t['m'].max()}, n = {t['n'].max()}; dotted: $\\gamma_{{gl}} = 1/(4\\sqrt{{2d}})$")
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


FIGURES = {
    "test_error_vs_n": test_error_vs_n,
    "margin_vs_time": margin_vs_time,
    "motion_vs_time": motion_vs_time,
    "feature_selection": feature_selection,
}
