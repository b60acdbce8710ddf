"""Aggregated tables of the regimes (SPEC §6): sample complexity, exponents, width statistics.

Every table is computed from the tidy trajectory table (and the kernel-machine table) by the rules
stated in lowrot.analysis; nothing is averaged away: counts of networks, of censored points and of
diverged runs travel with the numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .analysis import exponent_fit, loglog_slope, n_star_table

CURVE_KEYS = ["sweep", "learner", "dataset", "m", "d", "groups"]
MILESTONES = ("interpolation", "risk_below", "final")


def final_networks(traj: pd.DataFrame, kernel: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per trained network (its 'final' event), plus the kernel machine's rows if given."""
    fin = traj[traj["event"] == "final"]
    if kernel is not None and len(kernel):
        fin = pd.concat([fin, kernel], ignore_index=True)
    return fin


def sample_complexity(final: pd.DataFrame, epsilons, *, n_boot: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(n* table, exponent table).

    n*: per curve (sweep, learner, dataset, m, d, groups) with >= 2 sample sizes.
    Exponents: log n* against log d for curves that share (sweep, learner, dataset, m, groups) across
    >= 2 values of d, and against log k (groups) for neural-collapse curves across >= 2 values of k.
    """
    multi = final.groupby(CURVE_KEYS)["n"].transform("nunique") >= 2
    fin = final[multi]
    if fin.empty:
        return pd.DataFrame(), pd.DataFrame()
    nstar = n_star_table(fin, CURVE_KEYS, epsilons, n_boot=n_boot, seed=seed)
    fits = []
    for x, fixed in (("d", ["sweep", "learner", "dataset", "m", "groups"]), ("groups", ["sweep", "learner", "dataset", "m", "d"])):
        for key, g in fin.groupby(fixed):
            if g[x].nunique() < 2 or (x == "groups" and (g[x] <= 0).any()):
                continue
            for eps in epsilons:
                fits.append({**dict(zip(fixed, key)), **exponent_fit(g, x, eps, n_boot=n_boot, seed=seed)})
    return nstar, pd.DataFrame(fits)


def width_summary(traj: pd.DataFrame, *, n_boot: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-width statistics at the milestones, log-log fits of motion against m).

    Statistics per (sweep, learner, dataset, d, n, m, event) over seeds: mean and s.e.m. of the
    motion, motion/sqrt(m), mass-weighted and plain rotation, fractions above 10 and 30 degrees,
    normalized margin, test error, and the GF time of the milestone. Fits: slope of log mean motion
    against log m per (sweep, ..., event) with a seed-bootstrap 95% interval, for groups with >= 3 widths.
    """
    cols = ["motion", "motion_per_sqrt_m", "rot_weighted_deg", "rot_mean_deg", "rot_frac_10", "rot_frac_30", "normalized_margin", "test_error", "gf_time"]
    keys = ["sweep", "learner", "dataset", "d", "n", "event"]
    ms = traj[traj["event"].isin(MILESTONES)]
    ms = ms[ms.groupby(keys)["m"].transform("nunique") >= 3]
    if ms.empty:
        return pd.DataFrame(), pd.DataFrame()
    g = ms.groupby(keys + ["m"])
    stats = g[cols].mean().add_suffix("_mean").join(g[cols].sem().add_suffix("_sem")).join(g.size().rename("networks")).reset_index()
    fits = []
    for key, grp in ms.groupby(keys):
        rng = np.random.default_rng([seed, len(fits)])
        for value in ("motion", "motion_per_sqrt_m", "rot_weighted_deg"):
            cells = {m: c[value].to_numpy(float) for m, c in grp.groupby("m")}
            widths = np.array(sorted(cells))
            means = np.array([cells[m].mean() for m in widths])
            if (means <= 0).any():
                continue
            slope = loglog_slope(widths, means)[0]
            boots = []
            for _ in range(n_boot):
                bm = np.array([rng.choice(cells[m], cells[m].size).mean() for m in widths])
                if (bm > 0).all():
                    boots.append(loglog_slope(widths, bm)[0])
            lo, hi = np.percentile(boots, [2.5, 97.5]) if len(boots) >= 0.9 * n_boot else (np.nan, np.nan)
            fits.append({**dict(zip(keys, key)), "value": value, "slope": slope, "ci_low": lo, "ci_high": hi, "widths": len(widths), "m_min": int(widths.min()), "m_max": int(widths.max())})
    return stats, pd.DataFrame(fits)


def kernel_final_rows(training: pd.DataFrame) -> pd.DataFrame:
    """The NTK kernel machine as a learner: one 'final' row per (dataset, instance, seed, n)."""
    k = training[training["quantity"] == "kernel_test_error"]
    return pd.DataFrame(
        {"sweep": "kernel", "learner": "kernel", "dataset": k["dataset"], "instance": k["instance"], "m": 0, "d": k["d"],
         "groups": 0, "n": k["n"], "seed": k["seed"], "event": "final", "test_error": k["value"]}
    )


def regime_tables(traj: pd.DataFrame, training: pd.DataFrame, analysis: dict) -> dict[str, pd.DataFrame]:
    """All summary tables of the regimes, by name (each written as results/tables/<name>.csv)."""
    final = final_networks(traj, kernel_final_rows(training))
    final = final.assign(groups=final["groups"].fillna(0).astype(int))
    nstar, exps = sample_complexity(final, analysis["epsilons"], n_boot=analysis["bootstrap"])
    wstats, wfits = width_summary(traj, n_boot=analysis["bootstrap"])
    runs = traj.groupby(["sweep", "learner"]).apply(
        lambda g: pd.Series({"networks": g.groupby(["dataset", "instance", "m", "n", "seed"]).ngroups, "diverged": int((g["event"] == "diverged").sum())}),
        include_groups=False,
    ).reset_index()
    return {"final_networks": final, "sample_complexity": nstar, "exponents": exps, "width_stats": wstats, "width_fits": wfits, "runs": runs}


def margin_exponents(pop: pd.DataFrame, *, n_boot: int, seed: int = 0) -> pd.DataFrame:
    """Log-log slope of each population margin against d, over the instances with a finite value.

    CI rule (parametric bootstrap): each point is redrawn uniformly inside its certified bracket
    [lower, upper], plus a normal Monte-Carlo error with the reported mc_stderr (gamma_ntk), and the
    slope refitted; the 2.5 and 97.5 percentiles of the refits give the interval. Uncertified upper
    ends (gamma_gl without exact pricing) are used as they are and flagged in ``all_certified``.
    """
    rows = []
    for qi, (q, g) in enumerate(pop[pop["value"].notna()].groupby("quantity", sort=True)):
        g = g.sort_values("d")
        if g["d"].nunique() < 2:
            continue
        d = g["d"].to_numpy(float)
        slope, intercept = loglog_slope(d, g["value"].to_numpy(float))
        rng = np.random.default_rng([seed, qi])
        lo, hi = g["lower"].to_numpy(float), g["upper"].to_numpy(float)
        mc = g["mc_stderr"].fillna(0).to_numpy(float) if "mc_stderr" in g else np.zeros(len(g))
        draws = rng.uniform(lo, np.maximum(hi, lo), size=(n_boot, len(g))) + mc * rng.standard_normal((n_boot, len(g)))
        slopes = [loglog_slope(d, row)[0] for row in draws if (row > 0).all()]
        ci = np.percentile(slopes, [2.5, 97.5]) if len(slopes) >= 0.9 * n_boot else (np.nan, np.nan)
        cert = g["certified"].fillna(True).astype(bool).all() if "certified" in g else True
        rows.append({"quantity": q, "slope": slope, "intercept": intercept, "ci_low": ci[0], "ci_high": ci[1], "d_min": int(d.min()), "d_max": int(d.max()), "points": len(g), "all_certified": bool(cert), "statuses": ",".join(sorted(g["status"].astype(str).unique()))})
    return pd.DataFrame(rows)


def margin_report(pop: pd.DataFrame, fits: pd.DataFrame) -> tuple[str, str]:
    """(markdown, LaTeX) tables: population margins per d with brackets and status, then the exponents."""
    cols = ["dataset", "d", "quantity", "value", "lower", "upper", "status", "certified", "mc_stderr", "method", "points"]
    vals = pop[[c for c in cols if c in pop.columns]].sort_values(["dataset", "quantity", "d"])
    fcols = ["quantity", "slope", "ci_low", "ci_high", "d_min", "d_max", "points", "all_certified"]
    f = fits[[c for c in fcols if c in fits.columns]] if len(fits) else pd.DataFrame(columns=fcols)
    md = "## Population margins\n\n" + vals.to_markdown(index=False, floatfmt=".6g") + "\n\n## Fitted exponents (log margin vs log d, 95% CI)\n\n" + f.to_markdown(index=False, floatfmt=".4g") + "\n"
    tex = vals.to_latex(index=False, float_format="%.6g") + "\n" + f.to_latex(index=False, float_format="%.4g")
    return md, tex
