"""The claims table: one row per claim (docs/claims.md), its statistic with a 95% interval, the rule
and the verdict, all computed from the aggregated tables, never typed in by hand.

Every claim is one entry of :data:`CLAIMS` (value, delta, rival); the rule text of each row is
generated from that entry by lowrot.rules, and the verdict is ``rules.decide(spec, interval)``. A
claim whose inputs are absent from this run is 'inconclusive' with the reason; a claim whose
hypotheses cannot be met at this scale says 'not testable at this scale' and shows the finite-scale
statistic instead. Checks that cannot fail are 'sanity' rows and never count as claims.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .rules import CONSISTENT, INCONCLUSIVE, INCONSISTENT, NOT_TESTABLE, SHOWN, ClaimSpec, Verdict, decide, sanity
from .stats import NO_INTERVAL, Interval, fmt, loglog_slope, paired_difference, seed_interval, slope_interval, slope_range, weighted_slope
from .summaries import seed_points

M1_MIN_D = 12

CLAIMS = {
    c.id: c
    for c in [
        ClaimSpec("M1", "gamma_ntk(2-parity) = Theta(1/d)", f"log-log slope of the population gamma_ntk against d over d >= {M1_MIN_D} (weighted by Monte-Carlo errors)", "equal", -1.0, 0.25, -0.5, "slope -1/2 (the global-margin rate)"),
        ClaimSpec("M2", "gamma_gl(2-parity) = 1/(4 sqrt(2d)), found by the general solver", "certified bracket of the general solver (no parity certificate, no seeded dictionary) divided by 1/(4 sqrt(2d)), each d <= margins.general_max_dim", "equal", 1.0, 2e-3, 1 / math.sqrt(2), "a column-generation stall at 71% of the optimum"),
        ClaimSpec("M2-rate", "the general solver's gamma_gl decays like 1/sqrt(d), not like 1/d", "log-log slope of the general solver's certified gamma_gl against d", "equal", -0.5, 0.25, -1.0, "slope -1 (the NTK rate)"),
        ClaimSpec("M3", "gamma_gl / gamma_ntk grows like sqrt(d)", "slope of log(gamma_gl/gamma_ntk) against log d (follows from M1 and M2; shown, not double-counted)", "shown"),
        ClaimSpec("R1", "the minimal width m*(d) grows at most like d^2", "log-log slope of m*(d): smallest width where GF reaches test error <= eps at n >= 2 n*_kernel(d) in >= 90% of seeds (m* known up to its width-grid cell)", "at_most", 2.0, 0.5, 3.0, "slope 3"),
        ClaimSpec("R2-kernel", "the NTK kernel machine needs n* ~ d^2", "mean per-seed log-log slope of n*(eps) against d", "equal", 2.0, 0.5, 1.0, "slope 1"),
        ClaimSpec("R2-GF", "GF needs at most n* ~ d^2", "mean per-seed log-log slope of n*(eps) against d, widest GF network", "at_most", 2.0, 0.5, 3.0, "slope 3"),
        ClaimSpec("R2-diff", "kernel slope - GF slope (paired by seed: same training sets)", "per-seed difference of the two n* slopes", "shown"),
        ClaimSpec("R3", "weights move O(sqrt(m)), not O(1): ||W_t - W_0||_F against m", "mean per-seed log-log slope of ||W_t - W_0||_F against m at the milestone", "at_most", 0.5, 0.25, 0.0, "slope 0 (lazy, O(1) motion)"),
        ClaimSpec("R4", "mass-weighted rotation shrinks as m grows", "mean per-seed log-log slope of the mass-weighted mean rotation against m at the milestone", "at_most", 0.0, 0.0, 0.0, "slope 0 (rotation does not shrink)"),
        ClaimSpec("R5", "GF's margin gamma(W_t) decays in d no faster than gamma_ntk (between the 1/d and 1/sqrt(d) rates)", "mean per-seed log-log slope of gamma(W_t) against d at the milestone (widest GF network, largest n)", "equal", -0.75, 0.5, -2.0, "slope -2 (decays faster than gamma_ntk)"),
        ClaimSpec("R6", "GF escapes the memorizing KKT points: its margin does not decay like theirs (order 1/n)", "mean per-seed log-log slope of GF's final gamma(W_t) against n (widest GF network, averaged over d)", "equal", 0.0, 0.5, -1.0, "slope -1 (a memorizing KKT point, margin ~ 1/n)"),
        ClaimSpec("R7", "one-pass SGD needs at most n* ~ d^2", "mean per-seed log-log slope of SGD's n*(eps) against d", "at_most", 2.0, 0.5, 3.0, "slope 3"),
        ClaimSpec("R8", "feature selection: weight mass moves onto the parity support S", "enrichment (mass on S - |S|/d)/(1 - |S|/d) at the end, mean over d per seed (widest GF network, largest n)", "at_least", 0.0, 0.0, 0.0, "enrichment 0 (no selection)"),
        ClaimSpec("N1-k", "neural collapse: n* grows about linearly in the number of groups k", "mean per-seed log-log slope of n*(eps) against k at fixed d", "equal", 1.0, 0.5, 0.0, "slope 0 (no dependence on k)"),
        ClaimSpec("N1-d", "neural collapse: n* is flat in d at fixed k", "mean per-seed log-log slope of n*(eps) against d at fixed k", "equal", 0.0, 0.5, 1.0, "slope 1 (grows with d)"),
        ClaimSpec("G1", "no-rotation GF's margin tends to the LP margin over its own frozen directions", "gamma(W_t) / LP margin over the m frozen directions at the end, mean per seed over networks with a positive LP margin", "at_least", 0.9, 0.0, 0.5, "0.5 (stalls at half the LP margin)", "an 'inconsistent' also needs the ratio to have stopped rising: the 95% upper end of its rise over the last decade of GF time <= 0.005, else inconclusive (still rising)"),
        ClaimSpec("G2", "the LP margin over m frozen random directions approaches gamma_gl as m grows", "mean per-seed log-log slope of 1 - gamma_m/gamma_gl against m (population, gamma_m > 0)", "at_most", 0.0, 0.0, 0.0, "slope 0 (gamma_m stalls below gamma_gl)"),
        ClaimSpec("G3", "finite-width regime 3: n* gamma_m^2 does not grow with d", "mean per-seed log-log slope of n*(eps) gamma_m(d)^2 against d (no-rotation GF; gamma_m of that seed's frozen directions)", "at_most", 0.0, 0.5, 1.0, "slope 1 (grows like d)"),
        ClaimSpec("G3-asymptotic", "no-rotation n* ~ 1/gamma_gl^2 ~ d (needs widths where gamma_m ~ gamma_gl)", "mean per-seed log-log slope of no-rotation n*(eps) against d", "equal", 1.0, 0.5, 2.0, "slope 2 (the kernel rate)"),
        ClaimSpec("S-margin", "no GF network's margin exceeds its training set's certified gamma_gl upper bound", "count of networks above the bound", "sanity"),
        ClaimSpec("S-norot", "no no-rotation network's margin exceeds its frozen-direction LP upper bound", "count of networks above the bound", "sanity"),
        ClaimSpec("RUNS", "training runs that diverged (non-finite loss or weights)", "diverged networks / all networks", "sanity"),
    ]
}


def _row(cid: str, iv: Interval | None, detail: str = "", verdict: Verdict | None = None, label: str = "") -> dict:
    spec = CLAIMS[cid]
    if verdict is None:
        verdict = decide(spec, iv) if spec.kind not in ("shown", "sanity") else Verdict(SHOWN, "", None)
    stat = "" if iv is None else iv.text()
    if detail:
        stat = f"{stat}; {detail}" if stat else detail
    return {
        "id": cid + (f" ({label})" if label else ""),
        "statement": spec.statement,
        "statistic": spec.statistic,
        "value": stat,
        "estimate": np.nan if iv is None else iv.estimate,
        "ci_low": np.nan if iv is None else iv.low,
        "ci_high": np.nan if iv is None else iv.high,
        "theory": spec.theory,
        "rival": spec.rival_text or "-",
        "rival_excluded": "-" if verdict.rival_excluded is None else ("yes" if verdict.rival_excluded else "no"),
        "rule": spec.rule,
        "verdict": verdict.verdict,
        "reason": verdict.reason,
    }


def _missing(cid: str, why: str, label: str = "") -> dict:
    return _row(cid, None, why, Verdict(INCONCLUSIVE, why, None), label)


def _eps(analysis: dict) -> float:
    return min(analysis["epsilons"])


# ------------------------------------------------------------------------------------------ margins


def margin_claims(par: pd.DataFrame | None) -> list[dict]:
    """M1, M2, M3 from the parity margin table (population margins over a wide range of d)."""
    if par is None or par.empty:
        return [_missing(c, "no parity population margins in this run") for c in ("M1", "M2", "M2-rate", "M3")]
    rows = []
    ntk = par[(par["quantity"] == "gamma_ntk") & par["value"].notna()].sort_values("d")
    big = ntk[ntk["d"] >= M1_MIN_D]
    if big["d"].nunique() >= 2:
        iv = weighted_slope(big["d"], big["value"], big["mc_stderr"].fillna(0), big["lower"], big["upper"])
        detail = "d*gamma_ntk: " + ", ".join(f"d={int(r.d)}: {fmt(r.d * r.value, 4)}" for r in ntk.itertuples()) + " (asymptote 1/2)"
        rows.append(_row("M1", iv, detail))
    else:
        rows.append(_missing("M1", f"gamma_ntk at fewer than 2 dimensions d >= {M1_MIN_D} (have {sorted(ntk['d'].astype(int))})"))
    gen = par[par["quantity"] == "gamma_gl_general"].sort_values("d")
    if gen.empty:
        rows += [_missing("M2", "no general-solver gamma_gl"), _missing("M2-rate", "no general-solver gamma_gl")]
    else:
        exact = 1 / (4 * np.sqrt(2 * gen["d"].to_numpy(float)))
        lo, hi = gen["lower"].to_numpy(float) / exact, gen["upper"].to_numpy(float) / exact
        verdicts = [decide(CLAIMS["M2"], Interval(v / e, lo_i, hi_i, 1, 0, "bracket")) for v, e, lo_i, hi_i in zip(gen["value"], exact, lo, hi)]
        kinds = [v.verdict for v in verdicts]
        overall = INCONSISTENT if INCONSISTENT in kinds else (CONSISTENT if all(k == CONSISTENT for k in kinds) else INCONCLUSIVE)
        reason = "; ".join(f"d={int(d)}: {v.verdict} ({v.reason}, status {s})" for d, v, s in zip(gen["d"], verdicts, gen["status"]))
        rex = all(v.rival_excluded for v in verdicts)
        detail = "bracket / exact by d: " + ", ".join(f"d={int(d)}: [{fmt(a, 7)}, {fmt(b, 7)}]" for d, a, b in zip(gen["d"], lo, hi))
        iv = Interval(float(np.nanmean(gen["value"].to_numpy(float) / exact)), float(np.nanmin(lo)), float(np.nanmax(hi)), len(gen), 0, "dimensions")
        rows.append(_row("M2", iv, detail, Verdict(overall, reason, rex)))
        ok = np.isfinite(gen["lower"]) & np.isfinite(gen["upper"]) & (gen["lower"] > 0)
        if ok.sum() >= 2:
            g = gen[ok]
            rows.append(_row("M2-rate", weighted_slope(g["d"], g["value"], np.zeros(len(g)), g["lower"], g["upper"])))
        else:
            rows.append(_missing("M2-rate", "fewer than 2 dimensions with a finite certified bracket"))
    gl = par[(par["quantity"] == "gamma_gl") & np.isfinite(par["upper"]) & (par["lower"] > 0)].set_index("d")
    common = sorted(set(gl.index) & set(ntk["d"]))
    if len(common) >= 2:
        n = ntk.set_index("d").loc[common]
        ratio = gl.loc[common, "value"] / n["value"]
        se = ratio * n["mc_stderr"].fillna(0) / n["value"]
        iv = weighted_slope(common, ratio.to_numpy(float), se.to_numpy(float), (gl.loc[common, "lower"] / n["upper"]).to_numpy(float), (gl.loc[common, "upper"] / n["lower"]).to_numpy(float))
        rows.append(_row("M3", iv, "expected +1/2"))
    else:
        rows.append(_missing("M3", "gamma_gl and gamma_ntk share fewer than 2 dimensions"))
    return rows


# ------------------------------------------------------------------------------------------ regime 1


def _widest_sweep(final: pd.DataFrame, learner: str) -> pd.DataFrame:
    """The learner's sweep over the most dimensions, restricted to its widest width (parity data)."""
    f = final[(final["learner"] == learner) & (final["groups"].fillna(0) == 0)]
    if f.empty:
        return f
    sweep = f.groupby("sweep")["d"].nunique().sort_index().idxmax()
    f = f[f["sweep"] == sweep]
    return f[f["m"] == f["m"].max()]


def _nstar_slope(seeds: pd.DataFrame, learner: str, eps: float, x: str = "d") -> tuple[dict, pd.DataFrame]:
    s = seeds[(seeds["learner"] == learner) & (seeds["epsilon"] == eps) & (seeds["groups"] == 0)]
    if s.empty:
        return {}, s
    sweep = s.groupby("sweep")["d"].nunique().sort_index().idxmax()
    s = s[s["sweep"] == sweep]
    s = s[s["m"] == s["m"].max()]
    return seed_points(s, x, "n_star", "n_low", "n_high"), s


def _cens_text(s: pd.DataFrame) -> str:
    c = s["censored"].value_counts()
    return f"n* per seed: {int(c.get('none', 0))} values, {int(c.get('left', 0))} left-censored, {int(c.get('right', 0))} right-censored; d = {sorted(int(x) for x in s['d'].unique())}, m = {int(s['m'].max())}"


def sample_claims(T: dict, eps: float) -> list[dict]:
    seeds = T["n_star_seeds"]
    rows = []
    if seeds is None or seeds.empty:
        return [_missing(c, "no n* table") for c in ("R2-kernel", "R2-GF", "R2-diff", "R7")]
    kp, ks = _nstar_slope(seeds, "kernel", eps)
    gp, gs = _nstar_slope(seeds, "gf", eps)
    rows.append(_row("R2-kernel", slope_interval(kp), _cens_text(ks)) if kp else _missing("R2-kernel", "no kernel-machine curves"))
    rows.append(_row("R2-GF", slope_interval(gp), _cens_text(gs)) if gp else _missing("R2-GF", "no GF curves"))
    if kp and gp:
        iv = paired_difference(kp, gp)
        note = "GF's slope is smaller (interval above 0)" if iv.low > 0 else ("GF's slope is larger (interval below 0)" if iv.high < 0 else "no difference shown (interval contains 0)")
        rows.append(_row("R2-diff", iv, note))
    else:
        rows.append(_missing("R2-diff", "needs both kernel and GF curves"))
    sp, ss = _nstar_slope(seeds, "sgd", eps)
    rows.append(_row("R7", slope_interval(sp), _cens_text(ss)) if sp else _missing("R7", "no SGD sweep"))
    return rows


def width_claims(T: dict, eps: float) -> list[dict]:
    """R1: minimal width m*(d) at n >= 2 n*_kernel(d)."""
    final, sc = T["final_networks"], T["sample_complexity"]
    gf = final[(final["learner"] == "gf") & (final["groups"].fillna(0) == 0)]
    if gf.empty or sc is None or sc.empty:
        return [_missing("R1", "needs GF sweeps and the kernel machine's n*")]
    kern = sc[(sc["learner"] == "kernel") & (sc["epsilon"] == eps)].set_index("d")
    span = gf.groupby("sweep").agg(dims=("d", "nunique"), widths=("m", "nunique"))
    span = span[span["dims"] >= 2]
    if span.empty:
        return [_missing("R1", "no GF sweep over several dimensions")]
    sweep = span.sort_values(["widths", "dims"], ascending=False, kind="mergesort").index[0]
    gf = gf[gf["sweep"] == sweep]
    widths = sorted(gf["m"].unique())
    if len(widths) < 2:
        return [_missing("R1", "no GF sweep over several widths")]
    ds, lows, highs, parts = [], [], [], []
    for d, g in gf.groupby("d"):
        if d not in kern.index or not np.isfinite(kern.loc[d, "n_star"]):
            parts.append(f"d={int(d)}: kernel n* unavailable")
            continue
        target = 2 * kern.loc[d, "n_star"]
        ns = sorted(n for n in g["n"].unique() if n >= target)
        if not ns:
            parts.append(f"d={int(d)}: no n >= 2 n*_kernel = {fmt(target)} in the grid")
            continue
        n = ns[0]
        ok = [m for m in widths if (g[(g["m"] == m) & (g["n"] == n)]["test_error"] <= eps).mean() >= 0.9]
        if ok:
            mstar = ok[0]
            i = widths.index(mstar)
            lo, hi = (1.0 if i == 0 else float(widths[i - 1])), float(mstar)
        else:
            lo, hi = float(widths[-1]), math.inf
        ds.append(d)
        lows.append(lo)
        highs.append(hi)
        parts.append(f"d={int(d)}: n={int(n)}, m* in ({fmt(lo)}, {fmt(hi)}]")
    detail = "; ".join(parts)
    if len(ds) < 2:
        return [_missing("R1", f"m*(d) at fewer than 2 dimensions ({detail})")]
    lo_s, hi_s = slope_range(ds, np.maximum(lows, 1.0) * (1 + 1e-12), highs)
    # m* is a statement about >= 90% of seeds at each d; its interval is the width-grid cell
    iv = Interval(math.nan, lo_s, hi_s, len(ds), int(sum(1 for a, b in zip(lows, highs) if b == math.inf or a == 1.0)), "dimensions (width-grid cells)")
    return [_row("R1", iv, detail)]


def milestone_claims(T: dict) -> list[dict]:
    """R3, R4 at each milestone of the width study."""
    wf, ws = T["width_fits"], T["width_stats"]
    if wf is None or wf.empty:
        return [_missing("R3", "no width sweep with >= 3 widths"), _missing("R4", "no width sweep with >= 3 widths")]
    rows = []
    for cid, value in (("R3", "motion"), ("R4", "rot_weighted_deg")):
        for event in ("interpolation", "risk_below", "final"):
            f = wf[(wf["value"] == value) & (wf["event"] == event)]
            if f.empty:
                rows.append(_missing(cid, f"no fit at milestone {event}", event))
                continue
            # the width study: the fit over the most widths (then the widest range), not the first row
            r = f.sort_values(["widths", "m_max", "sweep", "d", "n"], ascending=[False, False, True, True, True], kind="mergesort").iloc[0]
            iv = Interval(r["slope"], r["ci_low"], r["ci_high"], int(r["seeds"]), 0, "seeds")
            s = ws[(ws["event"] == event) & (ws["sweep"] == r["sweep"]) & (ws["d"] == r["d"]) & (ws["n"] == r["n"])].sort_values("m")
            detail = f"sweep {r['sweep']}, d={int(r['d'])}, n={int(r['n'])}, m={int(r['m_min'])}..{int(r['m_max'])}"
            if cid == "R3" and len(s):
                detail += "; motion/sqrt(m) " + ", ".join(f"m={int(a)}: {fmt(b)}" for a, b in zip(s["m"], s["motion_per_sqrt_m_mean"]))
            if cid == "R4" and len(s):
                w = s.iloc[-1]
                detail += f"; at m={int(w['m'])}: {fmt(w['rot_weighted_deg_mean'])} deg [95% {fmt(w['rot_weighted_deg_lo'])}, {fmt(w['rot_weighted_deg_hi'])}]"
                if "feature_mass_mean" in s:
                    detail += f", feature mass on S {fmt(w['feature_mass_mean'])}"
            rows.append(_row(cid, iv, detail, label=event))
    return rows


def margin_ratio_claims(T: dict) -> list[dict]:
    """R5 (GF margin against d at matched milestones), R6 (against the memorizing network), sanity bound."""
    rows = []
    traj, final, training = T["trajectories"], T["final_networks"], T["margins_training"]
    gf = _widest_sweep(final, "gf")
    if gf.empty:
        return [_missing("R5", "no GF runs"), _missing("R6", "no GF runs"), _row("S-margin", None, "no GF runs", sanity(None))]
    nets = gf[gf["n"] == gf.groupby("d")["n"].transform("max")][["sweep", "m", "d", "n", "seed"]]
    for event in ("interpolation", "risk_below", "final"):
        t = traj[(traj["event"] == event)].merge(nets, on=["sweep", "m", "d", "n", "seed"])
        if t["d"].nunique() < 2:
            rows.append(_missing("R5", f"milestone {event} reached at fewer than 2 dimensions", event))
            continue
        iv = slope_interval(seed_points(t, "d", "normalized_margin"))
        per_d = t.groupby("d")["normalized_margin"].mean()
        gl = 1 / (4 * np.sqrt(2 * per_d.index.to_numpy(float)))
        detail = f"sweep {t['sweep'].iloc[0]}, m={int(t['m'].iloc[0])}, n={sorted(int(x) for x in t['n'].unique())}; gamma(W)/gamma_gl(population) " + ", ".join(f"d={int(d)}: {fmt(v / g)}" for d, v, g in zip(per_d.index, per_d, gl))
        if "step" in t:
            detail += f"; steps at milestone: median {int(t['step'].median())}"
        rows.append(_row("R5", iv, detail, label=event))
    per_seed = {}
    for (seed, d), h in gf[gf["normalized_margin"] > 0].groupby(["seed", "d"]):
        if h["n"].nunique() >= 2:
            per_seed.setdefault(int(seed), []).append(loglog_slope(h["n"], h["normalized_margin"]))
    vals = np.array([np.mean(v) for _, v in sorted(per_seed.items())])
    iv = seed_interval(vals) if len(vals) else NO_INTERVAL
    detail = f"{int((gf['normalized_margin'] <= 0).sum())} of {len(gf)} networks with a non-positive margin left out; n = {int(gf['n'].min())}..{int(gf['n'].max())}"
    if training is not None and len(training):
        mem = training[training["quantity"] == "memorizing_margin"]
        if len(mem):
            detail += f"; the one-neuron-per-point network's margin (a_i = y_i, v_i = x_i/||x_i||) ranges {fmt(mem['value'].min())}..{fmt(mem['value'].max())}"
    rows.append(_row("R6", iv, detail))
    # sanity: a network's normalized margin never exceeds its training set's certified gamma_gl
    over, checked = 0, 0
    if training is not None and len(training):
        glt = training[(training["quantity"] == "gamma_gl")][["dataset", "d", "n", "seed", "upper"]]
        glt = glt[np.isfinite(glt["upper"])]
        j = final[final["learner"] == "gf"].merge(glt, on=["dataset", "d", "n", "seed"])
        checked = len(j)
        over = int((j["normalized_margin"] > j["upper"] * (1 + 1e-9)).sum())
    rows.append(_row("S-margin", None, f"{over} of {checked} networks above their training set's certified gamma_gl", sanity(over == 0 if checked else None)))
    return rows


def feature_claims(T: dict) -> list[dict]:
    final = T["final_networks"]
    gf = _widest_sweep(final, "gf")
    if gf.empty or "support_size" not in gf or not (gf["support_size"].fillna(0) > 0).any():
        return [_missing("R8", "no parity GF runs")]
    gf = gf[gf["n"] == gf.groupby("d")["n"].transform("max")]
    init = gf["support_size"] / gf["d"]
    gf = gf.assign(enrichment=(gf["feature_mass"] - init) / (1 - init))
    per_seed = gf.groupby("seed")["enrichment"].mean()
    detail = "by d: " + ", ".join(f"d={int(d)}: {fmt(v)}" for d, v in gf.groupby("d")["enrichment"].mean().items())
    nr = _widest_sweep(final, "norot")
    if len(nr) and "feature_mass" in nr:
        nr = nr[nr["n"] == nr.groupby("d")["n"].transform("max")]
        i0 = nr["support_size"] / nr["d"]
        detail += f"; no-rotation baseline: {fmt(((nr['feature_mass'] - i0) / (1 - i0)).mean())}; kernel machine: 0 (no feature learning)"
    return [_row("R8", seed_interval(per_seed.to_numpy()), detail)]


def nc_claims(T: dict, eps: float) -> list[dict]:
    ex = T["exponents"]
    if ex is None or ex.empty or "groups" not in ex:
        return [_missing("N1-k", "no neural-collapse sweep")]
    ex = ex[ex["epsilon"] == eps]
    rows = []
    for r in ex[ex["x"] == "groups"].itertuples():
        rows.append(_row("N1-k", Interval(r.slope, r.ci_low, r.ci_high, int(r.seeds), int(r.censored_seeds), "seeds"), f"k = {int(r.x_min)}..{int(r.x_max)}", label=f"d={int(r.d)}"))
    for r in ex[(ex["x"] == "d") & (ex["groups"] > 0)].itertuples():
        rows.append(_row("N1-d", Interval(r.slope, r.ci_low, r.ci_high, int(r.seeds), int(r.censored_seeds), "seeds"), f"d = {int(r.x_min)}..{int(r.x_max)}", label=f"k={int(r.groups)}"))
    return rows or [_missing("N1-k", "no neural-collapse sweep with >= 2 values of k or d")]


# ------------------------------------------------------------------------------------------ regime 3


def regime3_claims(T: dict, eps: float) -> list[dict]:
    rows = []
    traj, frozen, par = T["trajectories"], T["margins_frozen"], T.get("margins_parity")
    nr = traj[(traj["learner"] == "norot")] if traj is not None else pd.DataFrame()
    if nr.empty or "frozen_lp_value" not in nr:
        rows.append(_missing("G1", "no no-rotation runs with frozen-direction LP margins"))
        rows.append(_row("S-norot", None, "no no-rotation runs", sanity(None)))
    else:
        nr = nr.assign(ratio=nr["normalized_margin"] / nr["frozen_lp_value"])
        fin = nr[(nr["event"] == "final") & (nr["frozen_lp_value"] > 0)]
        iv = seed_interval(fin.groupby("seed")["ratio"].mean().to_numpy())
        v = decide(CLAIMS["G1"], iv)
        rise = _last_decade_rise(nr[(nr["frozen_lp_value"] > 0) & nr["event"].isin(["checkpoint", "final"])])
        detail = f"{len(fin)} networks with a positive LP margin; GF time at the end: median {fmt(fin['gf_time'].median())}; rise of the ratio over the last decade of t: {rise.text()}"
        if v.verdict == INCONSISTENT and not (rise.high <= 0.005):
            v = Verdict(INCONCLUSIVE, v.reason + "; but the ratio is still rising (not converged at this horizon)", v.rival_excluded)
        elif v.verdict == INCONSISTENT:
            v = Verdict(INCONSISTENT, v.reason + f"; and it has stopped rising (last-decade rise upper end {fmt(rise.high)} <= 0.005)", v.rival_excluded)
        rows.append(_row("G1", iv, detail, v))
        above = int((nr["normalized_margin"] > nr["frozen_lp_upper"] * (1 + 1e-9) + 1e-12).sum())
        rows.append(_row("S-norot", None, f"{above} of {len(nr)} rows above the LP upper bound", sanity(above == 0)))
    gl_pop = None
    if par is not None and len(par):
        g = par[(par["quantity"] == "gamma_gl") & np.isfinite(par["upper"])]
        gl_pop = g.set_index("d")["lower"] if len(g) else None
    if frozen is None or frozen.empty or gl_pop is None:
        rows.append(_missing("G2", "no frozen-direction margins or certified population gamma_gl"))
    else:
        fr = frozen[(frozen["quantity"] == "frozen_lp") & frozen["d"].isin(gl_pop.index)]
        fr = fr.assign(gap=1 - fr["value"] / fr["d"].map(gl_pop))
        fr = fr[(fr["value"] > 0) & (fr["gap"] > 0)]
        parts, ivs = [], []
        for d, g in fr.groupby("d"):
            iv = slope_interval(seed_points(g, "m", "gap"))
            ivs.append(iv)
            mean = g.groupby("m")["gap"].mean()
            if np.isfinite(iv.estimate) and iv.estimate < 0 and len(mean):
                lm, lg = np.log(mean.index.to_numpy(float)), np.log(mean.to_numpy())
                c = float(np.mean(lg - iv.estimate * lm))
                m90 = math.exp((math.log(0.1) - c) / iv.estimate)
                parts.append(f"d={int(d)}: 1 - gamma_m/gamma_gl = {fmt(mean.iloc[-1])} at m={int(mean.index[-1])}, rate m^{fmt(iv.estimate)}, 0.9 reached near m = {fmt(m90)}")
            else:
                parts.append(f"d={int(d)}: slope {fmt(iv.estimate)}")
        if ivs:
            worst = max(ivs, key=lambda i: i.high)
            rows.append(_row("G2", worst, "least favourable d shown; " + "; ".join(parts)))
        else:
            rows.append(_missing("G2", "no positive frozen-direction margins"))
    rows += _g3(T, eps)
    return rows


def _last_decade_rise(nr: pd.DataFrame) -> Interval:
    """Per seed: mean over networks of ratio(t_end) - ratio(t_end / 10) (nearest recorded time)."""
    per_seed = {}
    for (seed, d, n), g in nr.groupby(["seed", "d", "n"]):
        g = g.sort_values("gf_time")
        t_end = g["gf_time"].iloc[-1]
        before = g[g["gf_time"] <= t_end / 10]
        if before.empty:
            continue
        per_seed.setdefault(int(seed), []).append(g["ratio"].iloc[-1] - before["ratio"].iloc[-1])
    vals = np.array([np.mean(v) for _, v in sorted(per_seed.items())])
    return seed_interval(vals) if len(vals) else NO_INTERVAL


def _g3(T: dict, eps: float) -> list[dict]:
    seeds, frozen = T["n_star_seeds"], T["margins_frozen"]
    pts, s = _nstar_slope(seeds, "norot", eps) if seeds is not None and len(seeds) else ({}, pd.DataFrame())
    if not pts:
        return [_missing("G3", "no no-rotation sweep"), _missing("G3-asymptotic", "no no-rotation sweep")]
    m = int(s["m"].max())
    fr = frozen[(frozen["quantity"] == "frozen_lp") & (frozen["m"] == m)] if frozen is not None and len(frozen) else pd.DataFrame()
    rows = []
    if fr.empty:
        rows.append(_missing("G3", f"no frozen-direction margin at the no-rotation width m={m} (add it to margins.frozen_widths)"))
        ratio_txt, reached = "unknown", False
    else:
        j = s.merge(fr[["d", "seed", "value"]].rename(columns={"value": "gamma_m"}), on=["d", "seed"])
        j = j.assign(**{c: j[c] * j["gamma_m"] ** 2 for c in ("n_star", "n_low", "n_high")})
        rows.append(_row("G3", slope_interval(seed_points(j, "d", "n_star", "n_low", "n_high")), _cens_text(s)))
        par = T.get("margins_parity")
        gl = par[(par["quantity"] == "gamma_gl")].set_index("d")["value"] if par is not None and len(par) else pd.Series(dtype=float)
        r = (fr.groupby("d")["value"].mean() / gl).dropna()
        ratio_txt = ", ".join(f"d={int(d)}: {fmt(v)}" for d, v in r.items()) or "unknown"
        reached = len(r) > 0 and bool((r >= 0.9).all())
    iv = slope_interval(pts)
    if reached:
        rows.append(_row("G3-asymptotic", iv, f"gamma_m/gamma_gl {ratio_txt}"))
    else:
        rows.append(_row("G3-asymptotic", iv, f"gamma_m/gamma_gl at m={m}: {ratio_txt} (< 0.9)", Verdict(NOT_TESTABLE, "the width does not reach gamma_m ~ gamma_gl; G3 gives the finite-width form", None)))
    return rows


def run_rows(runs: pd.DataFrame) -> list[dict]:
    total = int(runs["networks"].sum()) if runs is not None and len(runs) else 0
    failed = int(runs["diverged"].sum()) if total else 0
    detail = ", ".join(f"{r.sweep}: {int(r.diverged)}/{int(r.networks)}" for r in runs.itertuples()) if total else "no runs"
    return [_row("RUNS", None, f"{failed} of {total} networks diverged ({detail})", sanity(failed == 0 if total else None))]


def claims_table(T: dict, analysis: dict) -> pd.DataFrame:
    """Every claim in the order of docs/claims.md, from the tables in T (keys: trajectories,
    final_networks, n_star_seeds, sample_complexity, exponents, width_stats, width_fits, runs,
    margins_parity, margins_training, margins_frozen)."""
    eps = _eps(analysis)
    rows = margin_claims(T.get("margins_parity"))
    rows += width_claims(T, eps)
    rows += sample_claims(T, eps)
    rows += milestone_claims(T)
    rows += margin_ratio_claims(T)
    rows += feature_claims(T)
    rows += nc_claims(T, eps)
    rows += regime3_claims(T, eps)
    rows += run_rows(T["runs"])
    order = list(CLAIMS)
    df = pd.DataFrame(rows)
    df["_o"] = df["id"].str.split(" ").str[0].map(order.index)
    df = df.sort_values("_o", kind="mergesort").drop(columns="_o").reset_index(drop=True)
    df.insert(1, "epsilon", eps)
    return df


def claims_markdown(df: pd.DataFrame) -> str:
    cols = ["id", "statement", "value", "theory", "rival", "rival_excluded", "verdict", "reason", "rule"]
    head = "# Claims of Telgarsky (ICLR 2023), checked on this run\n\nIntervals are 95%, over seeds unless the row says otherwise; rules and rivals are explained in docs/claims.md.\n\n"
    return head + df[cols].to_markdown(index=False) + "\n"


def claims_latex(df: pd.DataFrame) -> str:
    return df[["id", "statement", "value", "theory", "verdict"]].to_latex(index=False, longtable=True, escape=True)

