"""Aggregated tables of the regimes: n* per seed and per curve, exponents, width statistics, runs.

Every interval here comes from seeds by the rules of lowrot.stats (per-seed values, Student-t over
seeds, censored values kept as intervals); counts of seeds, censored values and diverged runs travel
with the numbers, nothing is averaged away.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .stats import Interval, crossing, seed_interval, slope_interval, t_quantile, weighted_slope

CURVE_KEYS = ["sweep", "learner", "dataset", "m", "d", "groups"]
MILESTONES = ("interpolation", "risk_below", "final")
WIDTH_VALUES = ("motion", "motion_per_sqrt_m", "rot_weighted_deg")


def final_networks(traj: pd.DataFrame, kernel: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per trained network (its 'final' event), plus the kernel machine's rows if given."""
    fin = traj[traj["event"] == "final"]
    if kernel is not None and len(kernel):
        fin = pd.concat([fin, kernel], ignore_index=True)
    return fin


def n_star_seeds(final: pd.DataFrame, epsilons, value: str = "test_error") -> pd.DataFrame:
    """n*(eps) per (curve, seed): columns CURVE_KEYS, seed, epsilon, n_star, n_low, n_high, censored,
    sample_sizes. Curves with fewer than 2 sample sizes are left out."""
    rows = []
    for key, g in final.groupby(CURVE_KEYS + ["seed"], sort=True):
        curve = g.groupby("n")[value].mean()
        if len(curve) < 2:
            continue
        for eps in epsilons:
            v, lo, hi, cens = crossing(curve.index, curve.to_numpy(), eps)
            rows.append({**dict(zip(CURVE_KEYS + ["seed"], key)), "epsilon": eps, "n_star": v, "n_low": lo, "n_high": hi, "censored": cens, "sample_sizes": len(curve)})
    return pd.DataFrame(rows)


def _interval_columns(iv: Interval, prefix: str = "") -> dict:
    return {f"{prefix}estimate": iv.estimate, f"{prefix}ci_low": iv.low, f"{prefix}ci_high": iv.high, "seeds": iv.replicates, "censored_seeds": iv.censored}


def sample_complexity(seeds: pd.DataFrame) -> pd.DataFrame:
    """Per curve and epsilon: the geometric mean of n* over seeds with its 95% t-interval (on log n*),
    and the counts of left- and right-censored seeds."""
    rows = []
    if seeds.empty:
        return pd.DataFrame()
    for key, g in seeds.groupby(CURVE_KEYS + ["epsilon"], sort=True):
        iv = seed_interval(np.log(g["n_star"]), np.log(g["n_low"]), np.log(g["n_high"]), method="seeds")
        cens = g["censored"].value_counts()
        kinds = sorted(set(g["censored"]) - {"none"})
        rows.append(
            {
                **dict(zip(CURVE_KEYS + ["epsilon"], key)),
                "n_star": math.exp(iv.estimate) if np.isfinite(iv.estimate) else math.nan,
                "n_star_lo": math.exp(iv.low),
                "n_star_hi": math.exp(iv.high),
                "seeds": iv.replicates,
                "censored_left": int(cens.get("left", 0)),
                "censored_right": int(cens.get("right", 0)),
                "censored": "none" if not kinds else ("mixed" if len(kinds) > 1 else kinds[0]),
            }
        )
    return pd.DataFrame(rows)


def seed_points(df: pd.DataFrame, x: str, value: str, low: str | None = None, high: str | None = None) -> dict:
    """{seed: (x, value, low, high)} arrays for per-seed slope fits (rows with a non-positive or
    missing value and no bounds are dropped)."""
    out = {}
    for seed, g in df.sort_values(x).groupby("seed"):
        lo = g[low] if low else g[value]
        hi = g[high] if high else g[value]
        ok = np.isfinite(lo) & (lo > 0) & (hi >= lo)
        g, lo, hi = g[ok], lo[ok], hi[ok]
        out[int(seed)] = (g[x].to_numpy(float), g[value].to_numpy(float), lo.to_numpy(float), hi.to_numpy(float))
    return out


def exponents(seeds: pd.DataFrame) -> pd.DataFrame:
    """Slope of log n*(eps) against log d (fixed sweep, learner, dataset, m, groups) and against log k
    (groups; fixed d), averaged over seeds with a 95% t-interval; censored n* enter as intervals."""
    rows = []
    if seeds.empty:
        return pd.DataFrame()
    for x, fixed in (("d", ["sweep", "learner", "dataset", "m", "groups"]), ("groups", ["sweep", "learner", "dataset", "m", "d"])):
        for key, g in seeds.groupby(fixed + ["epsilon"], sort=True):
            if g[x].nunique() < 2 or (x == "groups" and (g[x] <= 0).any()):
                continue
            iv = slope_interval(seed_points(g, x, "n_star", "n_low", "n_high"))
            rows.append({**dict(zip(fixed + ["epsilon"], key)), "x": x, "slope": iv.estimate, "ci_low": iv.low, "ci_high": iv.high, "seeds": iv.replicates, "censored_seeds": iv.censored, "points": g[x].nunique(), "x_min": g[x].min(), "x_max": g[x].max()})
    return pd.DataFrame(rows)


def width_summary(traj: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-width statistics at the milestones, per-seed log-log fits against m).

    Statistics per (sweep, learner, dataset, d, n, event, m) over seeds: mean, s.e.m. and the 95%
    t-interval (``_lo``/``_hi``) of motion, motion/sqrt(m), rotations, margin, test error, GF time and
    step count. Fits: slope of log value against log m per seed, t-interval over seeds, for groups
    with >= 3 widths.
    """
    cols = ["motion", "motion_per_sqrt_m", "rot_weighted_deg", "rot_mean_deg", "rot_frac_10", "rot_frac_30", "normalized_margin", "test_error", "feature_mass", "gf_time", "step"]
    cols = [c for c in cols if c in traj.columns]
    keys = ["sweep", "learner", "dataset", "d", "n", "event"]
    ms = traj[traj["event"].isin(MILESTONES)]
    ms = ms[ms.groupby(keys)["m"].transform("nunique") >= 3]
    if ms.empty:
        return pd.DataFrame(), pd.DataFrame()
    g = ms.groupby(keys + ["m"])
    stats = g[cols].mean().add_suffix("_mean").join(g[cols].sem().add_suffix("_sem")).join(g.size().rename("networks")).reset_index()
    tq = np.where(stats["networks"] >= 2, t_quantile(stats["networks"]), math.inf)
    for c in cols:
        stats[f"{c}_lo"] = stats[f"{c}_mean"] - tq * stats[f"{c}_sem"].fillna(math.inf)
        stats[f"{c}_hi"] = stats[f"{c}_mean"] + tq * stats[f"{c}_sem"].fillna(math.inf)
    fits = []
    for key, grp in ms.groupby(keys):
        for value in WIDTH_VALUES:
            iv = slope_interval(seed_points(grp, "m", value))
            fits.append({**dict(zip(keys, key)), "value": value, "slope": iv.estimate, "ci_low": iv.low, "ci_high": iv.high, "seeds": iv.replicates, "widths": grp["m"].nunique(), "m_min": int(grp["m"].min()), "m_max": int(grp["m"].max())})
    return stats, pd.DataFrame(fits)


def kernel_final_rows(training: pd.DataFrame) -> pd.DataFrame:
    """The NTK kernel machine as a learner: one 'final' row per (dataset, instance, seed, n)."""
    k = training[training["quantity"] == "kernel_test_error"]
    return pd.DataFrame(
        {"sweep": "kernel", "learner": "kernel", "dataset": k["dataset"], "instance": k["instance"], "m": 0, "d": k["d"],
         "groups": 0, "n": k["n"], "seed": k["seed"], "event": "final", "test_error": k["value"]}
    )


def short_horizon_final(traj: pd.DataFrame, factor: float = 100.0) -> pd.DataFrame:
    """For full-batch GF learners (gf, norot): per network, the last recorded row with GF time <= its
    final GF time / ``factor``, relabelled as that network's 'final' row (the run read at a horizon
    ``factor`` times shorter). SGD is left out: its horizon is its sample size."""
    t = traj[traj["learner"].isin(["gf", "norot"]) & traj["gf_time"].notna() & traj["test_error"].notna()]
    keys = ["sweep", "learner", "dataset", "instance", "m", "d", "groups", "n", "seed"]
    end = t[t["event"] == "final"].set_index(keys)["gf_time"].rename("end")
    t = t.join(end, on=keys)
    t = t[t["gf_time"] <= t["end"] / factor].sort_values(keys + ["gf_time", "step"], kind="mergesort")
    return t.groupby(keys, sort=False).tail(1).assign(event="final")


def n_star_horizons(traj: pd.DataFrame, epsilons, factor: float = 100.0) -> pd.DataFrame:
    """n*(eps) of the GF learners at the run's horizon and at a horizon ``factor`` times shorter (per
    network, its final GF time / factor), per curve: geometric mean over seeds with its 95% interval at
    both, and ``settled``: the two intervals overlap and the two estimates are within a factor sqrt 2
    (one step of the refined grid). An n* that has not settled is an n* of the horizon, not of GF."""
    long = traj[traj["learner"].isin(["gf", "norot"]) & (traj["event"] == "final")]
    if long.empty:
        return pd.DataFrame()
    a = sample_complexity(n_star_seeds(long, epsilons))
    b = sample_complexity(n_star_seeds(short_horizon_final(traj, factor), epsilons))
    if a.empty or b.empty:
        return pd.DataFrame()
    keys = CURVE_KEYS + ["epsilon"]
    out = a[keys + ["n_star", "n_star_lo", "n_star_hi", "censored"]].merge(
        b[keys + ["n_star", "n_star_lo", "n_star_hi", "censored"]], on=keys, suffixes=("", "_short"))
    overlap = (out["n_star_lo"] <= out["n_star_hi_short"]) & (out["n_star_lo_short"] <= out["n_star_hi"])
    close = np.abs(np.log(out["n_star_short"] / out["n_star"])) <= 0.5 * math.log(2) + 1e-12
    out["horizon_factor"] = factor
    out["settled"] = overlap & close.fillna(False)
    return out


def search_cost(final: pd.DataFrame, seeds: pd.DataFrame) -> pd.DataFrame:
    """Training flops per (sweep, learner, dataset, m, epsilon), and the share spent on networks with
    n > 4 n* of their own (curve, seed): n* where measured; for a left-censored seed its upper end
    n_min (so that share is a lower bound); a right-censored seed spends nothing past 4 n*. The row
    with sweep 'all' sums every sweep."""
    if "train_flops" not in final.columns or seeds.empty:
        return pd.DataFrame()
    net = final[final["train_flops"].notna()]
    rows = []
    keys = ["sweep", "learner", "dataset", "m", "d", "groups", "seed"]
    for eps, se in seeds.groupby("epsilon"):
        ref = se.assign(ref=np.where(se["censored"] == "right", math.inf, np.where(se["censored"] == "left", se["n_high"], se["n_star"])))
        j = net.merge(ref[keys + ["ref"]], on=keys, how="left")
        j["past"] = np.where(j["n"] > 4 * j["ref"].fillna(math.inf), j["train_flops"], 0.0)
        for key, g in list(j.groupby(["sweep", "learner", "dataset", "m"], sort=True)) + [(("all", "all", "all", 0), j)]:
            total = float(g["train_flops"].sum())
            rows.append({**dict(zip(["sweep", "learner", "dataset", "m"], key)), "epsilon": eps, "networks": len(g), "train_flops": total,
                         "flops_past_4nstar": float(g["past"].sum()), "share_past_4nstar": float(g["past"].sum()) / total if total > 0 else math.nan})
    return pd.DataFrame(rows)


def run_counts(traj: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (sweep, learner), g in traj.groupby(["sweep", "learner"], sort=True):
        rows.append({"sweep": sweep, "learner": learner, "networks": g.groupby(["dataset", "instance", "m", "n", "seed"]).ngroups, "diverged": int((g["event"] == "diverged").sum())})
    return pd.DataFrame(rows)


def regime_tables(traj: pd.DataFrame, training: pd.DataFrame, analysis: dict) -> dict[str, pd.DataFrame]:
    """All summary tables of the regimes, by name (each written as results/tables/<name>.csv)."""
    final = final_networks(traj, kernel_final_rows(training))
    final = final.assign(groups=final["groups"].fillna(0).astype(int))
    seeds = n_star_seeds(final, analysis["epsilons"])
    wstats, wfits = width_summary(traj)
    return {"final_networks": final, "n_star_seeds": seeds, "sample_complexity": sample_complexity(seeds), "exponents": exponents(seeds), "width_stats": wstats, "width_fits": wfits, "runs": run_counts(traj),
            "n_star_horizons": n_star_horizons(traj, analysis["epsilons"]), "search_cost": search_cost(final, seeds)}


def margin_exponents(pop: pd.DataFrame) -> pd.DataFrame:
    """Log-log slope of each population margin against d (weighted by the Monte-Carlo errors, widened
    to the certified brackets; see lowrot.stats.weighted_slope). Points without a finite certified
    bracket are left out and counted."""
    rows = []
    for q, g in pop[pop["value"].notna()].groupby("quantity", sort=True):
        g = g.sort_values("d")
        ok = np.isfinite(g["lower"]) & np.isfinite(g["upper"]) & (g["lower"] > 0)
        gg = g[ok]
        if gg["d"].nunique() < 2:
            continue
        se = gg["mc_stderr"].fillna(0).to_numpy(float) if "mc_stderr" in gg else np.zeros(len(gg))
        iv = weighted_slope(gg["d"], gg["value"], se, gg["lower"], gg["upper"])
        cert = gg["certified"].fillna(True).astype(bool).all() if "certified" in gg else True
        rows.append({"quantity": q, "slope": iv.estimate, "ci_low": iv.low, "ci_high": iv.high, "d_min": int(gg["d"].min()), "d_max": int(gg["d"].max()), "points": len(gg), "left_out": int((~ok).sum()), "all_certified": bool(cert), "statuses": ",".join(sorted(g["status"].astype(str).unique()))})
    return pd.DataFrame(rows)


def margin_report(pop: pd.DataFrame, fits: pd.DataFrame) -> tuple[str, str]:
    """(markdown, LaTeX) tables: population margins per d with brackets and status, then the exponents."""
    cols = ["dataset", "d", "quantity", "value", "lower", "upper", "estimate", "status", "certified", "mc_stderr", "method", "points"]
    vals = pop[[c for c in cols if c in pop.columns]].sort_values([c for c in ("dataset", "quantity", "d") if c in pop.columns])
    fcols = ["quantity", "slope", "ci_low", "ci_high", "d_min", "d_max", "points", "all_certified"]
    f = fits[[c for c in fcols if c in fits.columns]] if len(fits) else pd.DataFrame(columns=fcols)
    md = "## Population margins\n\n" + vals.to_markdown(index=False, floatfmt=".6g") + "\n\n## Fitted exponents (log margin vs log d, 95% interval)\n\n" + f.to_markdown(index=False, floatfmt=".4g") + "\n"
    tex = vals.to_latex(index=False, float_format="%.6g") + "\n" + f.to_latex(index=False, float_format="%.4g")
    return md, tex
