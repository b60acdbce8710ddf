"""Sample complexity n*(eps) and log-log exponents, with bootstrap confidence intervals.

Rules (stated once, here):
- n*(eps) for one curve (mean test error over seeds at each n, n increasing) is the smallest n whose
  mean test error is <= eps, interpolated linearly in log n between the last grid point above eps
  and the first at or below it. If the smallest n already reaches eps, n* is reported as that n with
  ``censored = 'left'`` (the true n* is <= it); if no n reaches eps, n* is NaN with ``censored = 'right'``.
- Confidence intervals: percentile bootstrap over seeds (networks are resampled with replacement
  within each (group, n) cell), ``n_boot`` replicates from a fixed seed, so equal inputs give equal
  tables. Replicates in which n* is right-censored are counted, not dropped silently.
- Exponents: least-squares slope of log n* against log x (x = d or k) over the uncensored points,
  with the bootstrap distribution of that slope (a replicate counts only if every point is uncensored).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def crossing_n(ns, errors, eps: float) -> tuple[float, str]:
    """(n*, censored) for one error curve; see the module docstring."""
    ns = np.asarray(ns, dtype=float)
    errors = np.asarray(errors, dtype=float)
    order = np.argsort(ns)
    ns, errors = ns[order], errors[order]
    below = np.flatnonzero(errors <= eps)
    if below.size == 0:
        return float("nan"), "right"
    i = int(below[0])
    if i == 0:
        return float(ns[0]), "left"
    e1, e2 = errors[i - 1], errors[i]
    l1, l2 = np.log(ns[i - 1]), np.log(ns[i])
    frac = (e1 - eps) / (e1 - e2)
    return float(np.exp(l1 + frac * (l2 - l1))), "none"


def _cells(df: pd.DataFrame, value: str):
    """{n: array of per-network values} for one curve."""
    return {n: g[value].to_numpy(dtype=float) for n, g in df.groupby("n")}


def bootstrap_curve_n_star(df: pd.DataFrame, eps: float, n_boot: int, rng: np.random.Generator, value="test_error") -> np.ndarray:
    """n* of ``n_boot`` bootstrap replicates of one curve (NaN where right-censored)."""
    cells = _cells(df, value)
    ns = np.array(sorted(cells))
    out = np.empty(n_boot)
    for b in range(n_boot):
        means = [rng.choice(cells[n], size=cells[n].size, replace=True).mean() for n in ns]
        out[b] = crossing_n(ns, means, eps)[0]
    return out


def n_star_table(final: pd.DataFrame, by: list[str], epsilons, *, n_boot: int = 200, seed: int = 0, value="test_error") -> pd.DataFrame:
    """One row per (by..., epsilon): n*, its bootstrap 95% interval, censoring, networks used.

    ``final`` has one row per trained network with columns by + ['n', value].
    """
    rows = []
    for gi, (key, g) in enumerate(final.groupby(by, sort=True)):
        key = key if isinstance(key, tuple) else (key,)
        curve = g.groupby("n")[value].mean()
        for eps in epsilons:
            ns, cens = crossing_n(curve.index, curve.to_numpy(), eps)
            rng = np.random.default_rng([seed, gi, int(round(eps * 1e6))])
            boot = bootstrap_curve_n_star(g, eps, n_boot, rng, value)
            ok = np.isfinite(boot)
            lo, hi = (np.percentile(boot[ok], [2.5, 97.5]) if ok.mean() >= 0.95 else (np.nan, np.nan))
            rows.append({**dict(zip(by, key)), "epsilon": eps, "n_star": ns, "n_star_lo": lo, "n_star_hi": hi, "censored": cens, "boot_right_censored": int((~ok).sum()), "n_boot": n_boot, "networks": len(g)})
    return pd.DataFrame(rows)


def loglog_slope(x, y) -> tuple[float, float]:
    """(slope, intercept) of the least-squares line through (log x, log y)."""
    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    slope, intercept = np.polyfit(lx, ly, 1)
    return float(slope), float(intercept)


def exponent_fit(final: pd.DataFrame, x: str, eps: float, *, n_boot: int = 200, seed: int = 0, value="test_error") -> dict:
    """Slope of log n*(eps) against log x over the curves of ``final`` grouped by x, with a bootstrap CI.

    Returns slope, ci_low, ci_high, points (uncensored curves used), censored (their count),
    boot_valid (replicates with every point uncensored).
    """
    groups = sorted(final[x].unique())
    point = {gx: crossing_n(*_curve(final[final[x] == gx], value), eps) for gx in groups}
    used = [gx for gx in groups if point[gx][1] == "none"]
    res = {"x": x, "epsilon": eps, "points": len(used), "censored": len(groups) - len(used), "slope": np.nan, "ci_low": np.nan, "ci_high": np.nan, "boot_valid": 0}
    if len(used) < 2:
        return res
    res["slope"] = loglog_slope(used, [point[gx][0] for gx in used])[0]
    rng = np.random.default_rng([seed, int(round(eps * 1e6)), len(used)])
    boots = np.stack([bootstrap_curve_n_star(final[final[x] == gx], eps, n_boot, rng, value) for gx in used], axis=1)
    ok = np.isfinite(boots).all(1)
    res["boot_valid"] = int(ok.sum())
    if ok.sum() >= 0.9 * n_boot:
        slopes = np.array([loglog_slope(used, b)[0] for b in boots[ok]])
        res["ci_low"], res["ci_high"] = (float(v) for v in np.percentile(slopes, [2.5, 97.5]))
    return res


def _curve(df: pd.DataFrame, value: str):
    c = df.groupby("n")[value].mean()
    return c.index.to_numpy(), c.to_numpy()
