"""The claims table of SPEC §6: one row per claim, its statistic, the theory value, the rule applied
and the verdict, all computed from the aggregated tables (never typed in by hand).

Verdicts are 'consistent', 'inconsistent' or 'inconclusive'. Each claim states its own rule in the
``rule`` column; two generic rules are used for fitted exponents with a 95% interval [lo, hi]:

- ``band(theory, tol)``: consistent if [lo, hi] meets [theory - tol, theory + tol]; inconsistent if
  it misses [theory - 2 tol, theory + 2 tol]; otherwise, or when the interval is missing or wider
  than 8 tol, or fewer than 3 points were fitted, inconclusive.
- ``at_most(bound, tol)``: consistent if lo <= bound + tol; inconsistent if lo > bound + 2 tol;
  inconclusive with fewer than 3 points or no interval.
A claim whose inputs are absent from this run (e.g. no neural-collapse sweep) is 'inconclusive' with
the reason in ``statistic``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .analysis import loglog_slope

CONSISTENT, INCONSISTENT, INCONCLUSIVE = "consistent", "inconsistent", "inconclusive"


def _fmt(x, p=3) -> str:
    return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{p}g}"


def band(fit: dict | None, theory: float, tol: float, min_points: int = 3) -> tuple[str, str]:
    """Verdict of a fitted slope against theory +- tol (rule in the module docstring)."""
    if fit is None or fit.get("points", 0) < min_points or not np.isfinite(fit.get("ci_low", np.nan)):
        pts = 0 if fit is None else fit.get("points", 0)
        return INCONCLUSIVE, f"slope {_fmt(None if fit is None else fit.get('slope'))} from {pts} points (need >= 3 and a CI)"
    lo, hi, s = fit["ci_low"], fit["ci_high"], fit["slope"]
    stat = f"slope {_fmt(s)} [95% CI {_fmt(lo)}, {_fmt(hi)}], {fit['points']} points"
    if hi - lo > 8 * tol:
        return INCONCLUSIVE, stat + " (CI too wide)"
    if hi >= theory - tol and lo <= theory + tol:
        return CONSISTENT, stat
    if hi < theory - 2 * tol or lo > theory + 2 * tol:
        return INCONSISTENT, stat
    return INCONCLUSIVE, stat


def at_most(fit: dict | None, bound: float, tol: float) -> tuple[str, str]:
    if fit is None or fit.get("points", 0) < 3 or not np.isfinite(fit.get("ci_low", np.nan)):
        pts = 0 if fit is None else fit.get("points", 0)
        return INCONCLUSIVE, f"slope {_fmt(None if fit is None else fit.get('slope'))} from {pts} points (need >= 3 and a CI)"
    stat = f"slope {_fmt(fit['slope'])} [95% CI {_fmt(fit['ci_low'])}, {_fmt(fit['ci_high'])}], {fit['points']} points"
    if fit["ci_low"] <= bound + tol:
        return CONSISTENT, stat
    if fit["ci_low"] > bound + 2 * tol:
        return INCONSISTENT, stat
    return INCONCLUSIVE, stat


def _one(df: pd.DataFrame, **eq) -> dict | None:
    """The single row of df matching every column == value (None when absent)."""
    if df is None or df.empty:
        return None
    m = np.ones(len(df), dtype=bool)
    for k, v in eq.items():
        if k not in df:
            return None
        m &= (df[k] == v).to_numpy()
    return df[m].iloc[0].to_dict() if m.any() else None


def _row(cid, statement, verdict_stat, theory, rule, **extra):
    verdict, stat = verdict_stat
    return {"id": cid, "statement": statement, "statistic": stat, "theory": theory, "rule": rule, "verdict": verdict, **extra}


# ------------------------------------------------------------------------------------------------
# claims


def margin_claims(mexp: pd.DataFrame, pop: pd.DataFrame) -> list[dict]:
    rows = []
    ntk = _one(mexp, quantity="gamma_ntk")
    gl = _one(mexp, quantity="gamma_gl")
    v, s = band(ntk, -1.0, 0.15)
    if ntk is not None:
        g = pop[(pop["quantity"] == "gamma_ntk")].sort_values("d")
        s += f"; d*gamma_ntk at d={int(g['d'].iloc[-1])}: {_fmt(g['d'].iloc[-1] * g['value'].iloc[-1])} (asymptote 1/2)"
    rows.append(_row("M1", "gamma_ntk(2-parity) = Theta(1/d)", (v, s), "slope -1 (d*gamma_ntk -> 1/2)", "band(-1, 0.15) on the log-log slope vs d"))
    g = pop[(pop["quantity"] == "gamma_gl") & pop["value"].notna()]
    if g.empty:
        rows.append(_row("M2", "gamma_gl(2-parity) = 1/(4 sqrt(2d))", (INCONCLUSIVE, "no gamma_gl computed"), "1/(4 sqrt(2d)), slope -1/2", "-"))
    else:
        exact = 1 / (4 * np.sqrt(2 * g["d"].to_numpy(float)))
        rel = np.abs(g["value"].to_numpy(float) - exact) / exact
        inside = ((g["lower"] <= exact * (1 + 1e-6)) & (exact <= g["upper"] * (1 + 1e-6))).all()
        vb, sb = band(gl, -0.5, 0.01)
        ok = inside and rel.max() <= 1e-3
        verdict = CONSISTENT if ok and vb == CONSISTENT else (INCONSISTENT if (not inside or vb == INCONSISTENT) else INCONCLUSIVE)
        stat = f"max relative deviation {_fmt(rel.max())} over d={sorted(g['d'].astype(int).tolist())}, exact value inside every bracket: {bool(inside)}; {sb}"
        rows.append(_row("M2", "gamma_gl(2-parity) = 1/(4 sqrt(2d))", (verdict, stat), "1/(4 sqrt(2d)), slope -1/2", "consistent if every bracket contains the exact value, the relative deviation is <= 1e-3 and band(-0.5, 0.01) holds"))
    if ntk is not None and gl is not None:
        diff = {"slope": gl["slope"] - ntk["slope"], "ci_low": gl["ci_low"] - ntk["ci_high"], "ci_high": gl["ci_high"] - ntk["ci_low"], "points": min(gl["points"], ntk["points"])}
        rows.append(_row("M3", "gamma_gl / gamma_ntk grows like sqrt(d)", band(diff, 0.5, 0.15), "slope +1/2", "band(0.5, 0.15) on slope_gl - slope_ntk (conservative interval: difference of the two intervals' ends)"))
    else:
        rows.append(_row("M3", "gamma_gl / gamma_ntk grows like sqrt(d)", (INCONCLUSIVE, "missing margin exponents"), "slope +1/2", "-"))
    return rows


def _fit(exps, learner, x="d"):
    if exps is None or exps.empty:
        return None
    e = exps[(exps["learner"] == learner) & (exps["x"] == x) & (exps["groups"].fillna(0) == 0 if x == "d" else True)]
    if e.empty:
        return None
    e = e[e["epsilon"] == e["epsilon"].min()]
    e = e[e["m"] == e["m"].max()]
    return e.iloc[0].to_dict()


def regime1_claims(T: dict, eps_max: float) -> list[dict]:
    rows = []
    final, exps = T["final_networks"], T["exponents"]
    # R1: every network with m >= d^2 at the largest n of its sweep fits and generalizes
    gf = final[(final["learner"] == "gf") & (final["groups"].fillna(0) == 0)]
    big = gf[(gf["m"] >= gf["d"] ** 2) & (gf["n"] == gf.groupby(["sweep", "d"])["n"].transform("max"))]
    if big.empty:
        rows.append(_row("R1", "width m ~ d^2 suffices", (INCONCLUSIVE, "no GF network with m >= d^2"), "train error 0, test error small at m >= d^2", "-"))
    else:
        ok = (big["train_error"] == 0) & (big["test_error"] <= eps_max)
        v = CONSISTENT if ok.all() else INCONSISTENT
        rows.append(_row("R1", "width m ~ d^2 suffices", (v, f"{int(ok.sum())}/{len(ok)} networks with m >= d^2 (largest n) have train error 0 and test error <= {eps_max}; max test error {_fmt(big['test_error'].max())}"), "train error 0 and test error <= eps", f"consistent if all such networks have zero training error and test error <= {eps_max} (the largest epsilon)"))
    kern = _fit(exps, "kernel")
    vk, sk = band(kern, 2.0, 0.5)
    g = _fit(exps, "gf")
    vg, sg = at_most(g, 2.0, 0.25)
    v = CONSISTENT if vk == CONSISTENT and vg == CONSISTENT else (INCONSISTENT if INCONSISTENT in (vk, vg) else INCONCLUSIVE)
    rows.append(_row("R2", "kernel machine n* ~ d^2; GF needs at most that", (v, f"kernel: {sk}; GF: {sg}"), "kernel slope 2, GF slope <= 2", "kernel band(2, 0.5) and GF at_most(2, 0.25), on n*(smallest eps) vs d"))
    # R3, R4: width fits at the milestones
    wf = T["width_fits"]
    if wf is None or wf.empty:
        rows.append(_row("R3", "motion/sqrt(m) bounded, motion far above O(1)", (INCONCLUSIVE, "no width sweep with >= 3 widths"), "slope of motion vs m <= 1/2", "-"))
        rows.append(_row("R4", "low rotation, shrinking with m", (INCONCLUSIVE, "no width sweep with >= 3 widths"), "slope of rotation vs m < 0", "-"))
    else:
        mot = wf[wf["value"] == "motion"]
        ws = T["width_stats"]
        worst = mot.sort_values("ci_low").iloc[-1].to_dict()
        worst["points"] = worst["widths"]
        vm, sm = at_most(worst, 0.5, 0.1)
        fin = ws[ws["event"] == "final"]
        big_motion = fin["motion_mean"].min() if len(fin) else np.nan
        if vm == CONSISTENT and not big_motion > 1.0:
            vm = INCONSISTENT
        rows.append(_row("R3", "||W_t - W_0||_F / sqrt(m) bounded across m; ||W_t - W_0||_F >> O(1)", (vm, f"largest motion slope over milestones ({worst['event']}): {sm}; smallest final motion {_fmt(big_motion)}"), "slope of ||W - W0|| vs m <= 1/2, motion > 1", "at_most(0.5, 0.1) at every milestone (the worst shown) and final motion > 1 at every width"))
        rot = wf[(wf["value"] == "rot_weighted_deg") & (wf["event"] == "final")]
        if rot.empty:
            rows.append(_row("R4", "low rotation, shrinking with m", (INCONCLUSIVE, "no final rotation fit"), "slope < 0", "-"))
        else:
            r = rot.iloc[0].to_dict()
            stat = f"slope of mass-weighted rotation vs m {_fmt(r['slope'])} [95% CI {_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"
            widest = fin.sort_values("m").iloc[-1]
            stat += f"; at m={int(widest['m'])}: {_fmt(widest['rot_weighted_deg_mean'])} deg"
            v = CONSISTENT if r["ci_high"] < 0 else (INCONSISTENT if r["ci_low"] > 0 else INCONCLUSIVE)
            rows.append(_row("R4", "mass-weighted rotation small and shrinking as m grows", (v, stat), "slope < 0", "consistent if the CI of the log-log slope (final) lies below 0, inconsistent if above"))
    return rows


def margin_ratio_claims(T: dict) -> list[dict]:
    rows = []
    final, pop, training = T["final_networks"], T["margins_population"], T["margins_training"]
    gf = final[(final["learner"] == "gf") & (final["groups"].fillna(0) == 0)]
    if len(gf):  # the GF sweep over the most dimensions, its widest network
        gf = gf[gf["sweep"] == gf.groupby("sweep")["d"].nunique().idxmax()]
        gf = gf[gf["m"] == gf["m"].max()]
    gf = gf[gf["n"] == gf.groupby(["sweep", "d"])["n"].transform("max")]
    ntk = pop[pop["quantity"] == "gamma_ntk"].set_index("d")["value"] if pop is not None and len(pop) else pd.Series(dtype=float)
    if gf.empty or ntk.empty:
        rows.append(_row("R5", "final margin >= c gamma_ntk across d, never above gamma_gl", (INCONCLUSIVE, "missing GF runs or gamma_ntk"), "ratio does not decay with d", "-"))
    else:
        per_d = gf.groupby("d")["normalized_margin"].mean()
        dims = [d for d in per_d.index if d in ntk.index]
        ratio = per_d[dims] / ntk[dims]
        slope = loglog_slope(dims, ratio.to_numpy())[0] if len(dims) >= 2 else np.nan
        over = 0
        checked = 0
        if training is not None and len(training):
            glt = training[(training["quantity"] == "gamma_gl")][["dataset", "d", "n", "seed", "upper"]]
            j = final[final["learner"] == "gf"].merge(glt, on=["dataset", "d", "n", "seed"])
            checked = len(j)
            over = int((j["normalized_margin"] > j["upper"] * (1 + 1e-9)).sum())
        stat = "ratio final margin / gamma_ntk by d: " + ", ".join(f"d={int(d)}: {_fmt(r)}" for d, r in ratio.items()) + f"; log-log slope {_fmt(slope)}; networks above their training set's gamma_gl upper bound: {over}/{checked}"
        if over > 0:
            v = INCONSISTENT
        elif len(dims) < 3:
            v = INCONCLUSIVE
        else:
            v = CONSISTENT if slope >= -0.25 and ratio.min() > 0 else INCONSISTENT
        rows.append(_row("R5", "final margin >= c gamma_ntk with one c across d; never above gamma_gl", (v, stat), "ratio bounded below across d; margin <= gamma_gl", "consistent if ratio > 0 at every d, its log-log slope vs d >= -0.25 (>= 3 dims) and no network exceeds its training set's gamma_gl"))
    # R6: GF margin above the memorizing network's margin on the same training set
    if training is None or training.empty:
        rows.append(_row("R6", "GF escapes the memorizing KKT point", (INCONCLUSIVE, "no training-set margins"), "GF margin > memorizing margin ~ 1/n", "-"))
    else:
        mem = training[training["quantity"] == "memorizing_margin"][["dataset", "d", "n", "seed", "value"]].rename(columns={"value": "memorizing"})
        j = final[final["learner"] == "gf"].merge(mem, on=["dataset", "d", "n", "seed"])
        if j.empty:
            rows.append(_row("R6", "GF escapes the memorizing KKT point", (INCONCLUSIVE, "no GF network shares a training set with the margin table"), "GF margin > memorizing margin", "-"))
        else:
            win = (j["normalized_margin"] > j["memorizing"]).mean()
            stat = f"GF margin > memorizing-network margin for {_fmt(100 * win)}% of {len(j)} networks; median ratio {_fmt((j['normalized_margin'] / j['memorizing'].abs()).median())}"
            rows.append(_row("R6", "GF's final margin exceeds that of a memorizing KKT-type network", (CONSISTENT if win == 1 else INCONSISTENT, stat), "GF margin > memorizing margin (~1/n)", "consistent if every GF network beats the memorizing network on its own training set"))
    return rows


def sgd_and_features(T: dict) -> list[dict]:
    rows = []
    final, traj = T["final_networks"], T["trajectories"]
    sgd = final[(final["learner"] == "sgd") & (final["groups"].fillna(0) == 0)]
    if sgd.empty:
        rows.append(_row("R7", "SGD test error <= C d^2 / n", (INCONCLUSIVE, "no SGD sweep"), "err <= C d^2/n", "-"))
    else:
        s = sgd.groupby(["d", "n"])["test_error"].mean().reset_index()
        s["C"] = s["test_error"] * s["n"] / s["d"] ** 2
        nmin = s.groupby("d")["n"].transform("min")
        C = s.loc[s["n"] == nmin, "C"].max()
        viol = s[(s["n"] > nmin) & (s["C"] > C * (1 + 1e-12))]
        stat = f"C fitted at the smallest n of each d: {_fmt(C)}; larger-n points above C d^2/n: {len(viol)}/{int((s['n'] > nmin).sum())}"
        rows.append(_row("R7", "one-pass SGD test error <= C d^2 / n", (CONSISTENT if viol.empty else INCONSISTENT, stat), "err(n) <= C d^2 / n", "C = max over d of err(n_min) n_min / d^2; consistent if every larger n satisfies err <= C d^2 / n"))
    gf = final[(final["learner"] == "gf") & (final["support_size"].fillna(0) > 0)] if "support_size" in final else pd.DataFrame()
    if gf.empty:
        rows.append(_row("R8", "feature selection", (INCONCLUSIVE, "no parity GF runs"), "mass on S >> |S|/d", "-"))
    else:
        gf = gf[(gf["m"] == gf.groupby("sweep")["m"].transform("max")) & (gf["n"] == gf.groupby(["sweep", "d"])["n"].transform("max"))]
        per = gf.groupby("d").agg(mass=("feature_mass", "mean"), k=("support_size", "first"))
        per["init"] = per["k"] / per.index
        ok = (per["mass"] >= 2 * per["init"]).all()
        stat = ", ".join(f"d={int(d)}: {_fmt(r.mass)} (|S|/d = {_fmt(r.init)})" for d, r in per.iterrows())
        rows.append(_row("R8", "weight mass on the support S rises well above |S|/d", (CONSISTENT if ok else INCONSISTENT, stat), "mass on S >> |S|/d", "consistent if the final mass on S (widest m, largest n, mean over seeds) is >= 2 |S|/d at every d"))
    return rows


def nc_claims(T: dict) -> list[dict]:
    exps = T["exponents"]
    k = exps[(exps["x"] == "groups")] if exps is not None and len(exps) else pd.DataFrame()
    if k.empty:
        return [_row("N1", "NC: n* ~ k, flat in d", (INCONCLUSIVE, "no neural-collapse sweep with >= 2 values of k"), "slope 1 in k, 0 in d", "-")]
    k = k[k["epsilon"] == k["epsilon"].min()]
    verdicts, stats = [], []
    for _, r in k.iterrows():
        v, s = band(r.to_dict(), 1.0, 0.5)
        verdicts.append(v)
        stats.append(f"d={int(r['d'])}: {s}")
    dfit = exps[(exps["x"] == "d") & (exps["groups"].fillna(0) > 0)]
    dfit = dfit[dfit["epsilon"] == dfit["epsilon"].min()] if len(dfit) else dfit
    for _, r in dfit.iterrows():
        v, s = band(r.to_dict(), 0.0, 0.5, min_points=2)
        stats.append(f"k={int(r['groups'])}, slope in d: {s}")
        verdicts.append(v)
    v = INCONSISTENT if INCONSISTENT in verdicts else (CONSISTENT if all(x == CONSISTENT for x in verdicts) else INCONCLUSIVE)
    return [_row("N1", "NC: n*(k) grows about linearly in k and is flat in d", (v, "; ".join(stats)), "slope 1 in k (up to logs), 0 in d", "band(1, 0.5) on the slope in k for each d; band(0, 0.5) on the slope in d for each k (2-point fits allowed there); all must be consistent")]


def regime3_claims(T: dict) -> list[dict]:
    rows = []
    traj, frozen, pop, exps = T["trajectories"], T["margins_frozen"], T["margins_population"], T["exponents"]
    nr = traj[(traj["learner"] == "norot") & (traj["event"] == "final")] if traj is not None else pd.DataFrame()
    if nr.empty or "frozen_lp_value" not in nr:
        rows.append(_row("G1", "no-rotation GF margin -> LP margin over its frozen directions", (INCONCLUSIVE, "no no-rotation runs with frozen-direction LP margins"), "ratio -> 1", "-"))
    else:
        pos = nr[nr["frozen_lp_value"] > 0]
        ratio = pos["normalized_margin"] / pos["frozen_lp_value"]
        over = int((nr["normalized_margin"] > nr["frozen_lp_upper"] * (1 + 1e-9) + 1e-12).sum())
        stat = f"final margin / LP margin: median {_fmt(ratio.median())}, min {_fmt(ratio.min())} over {len(pos)} networks with a positive LP margin ({len(nr) - len(pos)} without); above the LP upper bound: {over}"
        v = INCONSISTENT if over else (CONSISTENT if len(ratio) and ratio.median() >= 0.8 else INCONCLUSIVE)
        rows.append(_row("G1", "no-rotation GF's normalized margin tends to the LP margin over its m frozen directions", (v, stat), "ratio -> 1 (never above 1)", "consistent if no network exceeds the LP bound and the median ratio at the end is >= 0.8; inconclusive if below (not yet converged)"))
    if frozen is None or frozen.empty or pop is None or pop.empty:
        rows.append(_row("G2", "frozen LP margin rises toward gamma_gl with m", (INCONCLUSIVE, "no frozen-direction margins"), "increasing in m, <= gamma_gl", "-"))
    else:
        fr = frozen[frozen["quantity"] == "frozen_lp"].groupby(["d", "m"])["value"].mean().reset_index()
        gl = pop[pop["quantity"] == "gamma_gl"].set_index("d")
        stats, ok_all, bad = [], True, False
        for d, g in fr.groupby("d"):
            g = g.sort_values("m")
            glv = gl["upper"].get(d, np.nan)
            first, last = g["value"].iloc[0], g["value"].iloc[-1]
            below = (g["value"] <= glv * (1 + 1e-6)).all() if np.isfinite(glv) else True
            rising = last > first
            ok_all &= bool(below and rising)
            bad |= not below
            stats.append(f"d={int(d)}: {_fmt(first)} at m={int(g['m'].iloc[0])} -> {_fmt(last)} at m={int(g['m'].iloc[-1])} (gamma_gl {_fmt(glv)})")
        rows.append(_row("G2", "the LP margin over m frozen random directions rises toward gamma_gl as m grows", (CONSISTENT if ok_all else (INCONSISTENT if bad else INCONCLUSIVE), "; ".join(stats)), "increasing in m, <= gamma_gl", "consistent if, for every d, the mean LP margin at the largest m exceeds that at the smallest m and never exceeds gamma_gl's upper bound"))
    f = _fit(exps, "norot")
    kern = _fit(exps, "kernel")
    v, s = band(f, 1.0, 0.5)
    if kern is not None:
        s += f"; kernel machine slope {_fmt(kern.get('slope'))}"
    rows.append(_row("G3", "no-rotation n*(d) slope ~ 1 for 2-parity (kernel ~ 2)", (v, s), "slope 1", "band(1, 0.5) on n*(smallest eps) vs d, widest no-rotation sweep"))
    return rows


def run_counts(runs: pd.DataFrame) -> dict:
    total = int(runs["networks"].sum()) if runs is not None and len(runs) else 0
    failed = int(runs["diverged"].sum()) if runs is not None and len(runs) else 0
    detail = ", ".join(f"{r.sweep}: {int(r.diverged)}/{int(r.networks)}" for r in runs.itertuples()) if total else "no runs"
    v = CONSISTENT if failed == 0 else INCONCLUSIVE
    return _row("RUNS", "training runs that diverged (non-finite loss or weights) and were excluded", (v, f"{failed} of {total} networks diverged ({detail})"), "0", "consistent if no run diverged; otherwise every verdict above rests on the remaining runs (inconclusive)")


def claims_table(T: dict, analysis: dict) -> pd.DataFrame:
    """All claims of SPEC §6 in order, from the tables in T (keys: trajectories, final_networks,
    sample_complexity, exponents, width_stats, width_fits, runs, margins_population,
    margins_training, margins_frozen, margin_exponents)."""
    rows = margin_claims(T["margin_exponents"], T["margins_population"])
    rows += regime1_claims(T, max(analysis["epsilons"]))
    rows += margin_ratio_claims(T)
    rows += sgd_and_features(T)
    rows += nc_claims(T)
    rows += regime3_claims(T)
    rows.append(run_counts(T["runs"]))
    order = ["M1", "M2", "M3", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "N1", "G1", "G2", "G3", "RUNS"]
    out = pd.DataFrame(rows)
    return out.set_index("id").loc[order].reset_index()


def claims_markdown(df: pd.DataFrame) -> str:
    return "# Claims of Telgarsky (ICLR 2023), checked on this run\n\n" + df.to_markdown(index=False) + "\n"


def claims_latex(df: pd.DataFrame) -> str:
    return df[["id", "statement", "statistic", "theory", "verdict"]].to_latex(index=False, longtable=True, escape=True)
