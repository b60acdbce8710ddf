"""Intervals from seeds: per-seed n*(eps) with censoring, slopes with small-sample intervals, paired
differences. The seed is the unit of replication everywhere.

Rules (stated once, here; docs/claims.md explains them for users):

- **n* per seed.** For one seed's error curve err(n) on a grid of n, n* is the first grid n with
  err <= eps, interpolated linearly in log n from the grid point before it. Censored seeds are
  intervals, not values: already err <= eps at the smallest n is *left-censored*, n* in [1, n_min]
  (with no sample the error is chance, so n* >= 1); never err <= eps is *right-censored*,
  n* in [n_max, inf).
- **Slope per seed.** The least-squares slope of log y against log x over that seed's points. A
  censored point enters with its interval: the slope is linear in each log y with a known sign of
  coefficient, so its exact range over the intervals is computed (infinite when an open end matters).
- **Interval over seeds.** With S seeds and per-seed values s_1..s_S, the 95% interval is Student's
  t: mean +- t_{0.975, S-1} sd / sqrt(S) (valid at small S for normal per-seed errors; coverage is
  checked by simulation in tests/test_stats.py at 3, 5 and 10 seeds). When some s_i are intervals,
  the reported interval is the union of the t-intervals of every choice of values inside them; the
  lower end (mean - c sd) is concave and the upper end convex in (s_1..s_S), so both extremes sit at
  vertices of the box of intervals, which are enumerated (exact, up to 2^12 vertices; beyond that a
  looser bound from the interval ends is used and said).
- **Paired differences.** Two learners trained on the same seeds' data are compared through the
  per-seed differences of their slopes, with the same t-interval.
- **Margins with a Monte-Carlo error** (no seeds): weighted least squares of log value on log x with
  weights 1/se^2 of log value; 95% interval slope +- 1.96 se, widened to the extremes of the
  slope over the certified brackets.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats as _st

LEVEL = 0.95
MAX_VERTICES = 2**12


@dataclass(frozen=True)
class Interval:
    """A statistic with its 95% interval; ``replicates`` seeds (or points), ``censored`` of them censored."""

    estimate: float
    low: float
    high: float
    replicates: int
    censored: int = 0
    method: str = ""

    @property
    def finite(self) -> bool:
        return math.isfinite(self.low) and math.isfinite(self.high)

    def as_dict(self, prefix: str = "") -> dict:
        return {f"{prefix}{k}": v for k, v in asdict(self).items()}

    def text(self, p: int = 3) -> str:
        cens = f", {self.censored} censored" if self.censored else ""
        return f"{fmt(self.estimate, p)} [95% {fmt(self.low, p)}, {fmt(self.high, p)}] ({self.replicates} {self.method or 'replicates'}{cens})"


def fmt(x, p: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "nan"
    if isinstance(x, float) and math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.{p}g}"


NO_INTERVAL = Interval(math.nan, -math.inf, math.inf, 0, 0, "none")


def t_quantile(replicates, level: float = LEVEL):
    """Student-t quantile of a two-sided ``level`` interval over ``replicates`` values (df = replicates - 1);
    NaN where fewer than 2. Scalar in, float out; array in, array out."""
    r = np.asarray(replicates, dtype=float)
    q = _st.t.ppf(0.5 + level / 2, np.where(r >= 2, r - 1, np.nan))
    return float(q) if q.ndim == 0 else q


# ------------------------------------------------------------------------------------ n* per seed


def crossing(ns, errors, eps: float) -> tuple[float, float, float, str]:
    """(n*, low, high, censored) of one error curve; censored in {'none', 'left', 'right'}.

    Uncensored: low = high = n* (interpolated). Left: (nan, 1, n_min). Right: (nan, n_max, inf).
    """
    ns = np.asarray(ns, dtype=float)
    errors = np.asarray(errors, dtype=float)
    order = np.argsort(ns, kind="mergesort")
    ns, errors = ns[order], errors[order]
    below = np.flatnonzero(errors <= eps)
    if below.size == 0:
        return math.nan, float(ns[-1]), math.inf, "right"
    i = int(below[0])
    if i == 0:
        return math.nan, 1.0, float(ns[0]), "left"
    e1, e2 = errors[i - 1], errors[i]
    l1, l2 = math.log(ns[i - 1]), math.log(ns[i])
    v = math.exp(l1 + (e1 - eps) / (e1 - e2) * (l2 - l1))
    return v, v, v, "none"


# ------------------------------------------------------------------------------------ slopes


def _slope_weights(x) -> np.ndarray:
    lx = np.log(np.asarray(x, dtype=float))
    c = lx - lx.mean()
    sxx = float((c**2).sum())
    if sxx <= 0:
        raise ValueError("a slope needs at least two distinct x values")
    return c / sxx


def loglog_slope(x, y) -> float:
    """Least-squares slope of log y against log x."""
    return float(_slope_weights(x) @ np.log(np.asarray(y, dtype=float)))


def slope_range(x, low, high) -> tuple[float, float]:
    """Exact range of the log-log least-squares slope when each y lies in [low, high] (low > 0)."""
    w = _slope_weights(x)
    ll, lh = np.log(np.asarray(low, dtype=float)), np.log(np.asarray(high, dtype=float))
    with np.errstate(invalid="ignore"):
        lo_terms = np.where(w > 0, w * ll, w * lh)
        hi_terms = np.where(w > 0, w * lh, w * ll)
    lo_terms = np.where(w == 0, 0.0, lo_terms)
    hi_terms = np.where(w == 0, 0.0, hi_terms)
    return float(lo_terms.sum()), float(hi_terms.sum())


def seed_interval(values, lows=None, highs=None, *, method: str = "seeds") -> Interval:
    """95% t-interval over per-seed values; seeds given as intervals [lows, highs] widen it exactly.

    ``values`` may be NaN where a seed is censored (then lows/highs must bound it). See the module
    docstring for the rule. Fewer than 2 seeds give an unbounded interval.
    """
    v = np.asarray(values, dtype=float)
    lo = v.copy() if lows is None else np.asarray(lows, dtype=float)
    hi = v.copy() if highs is None else np.asarray(highs, dtype=float)
    S = len(lo)
    cens = int(np.sum(lo != hi))
    if S < 2:
        est = float(v[0]) if S == 1 else math.nan
        return Interval(est, -math.inf, math.inf, S, cens, method)
    c = t_quantile(S) / math.sqrt(S)
    if cens == 0:
        m, sd = float(lo.mean()), float(lo.std(ddof=1))
        return Interval(m, m - c * sd, m + c * sd, S, 0, method)
    est = float(v.mean()) if np.isfinite(v).all() else math.nan
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        # one unbounded seed makes sd unbounded, and c > 1/S^(1/2) (t > 1): both ends are unbounded
        return Interval(est, -math.inf, math.inf, S, cens, method)
    return Interval(est, _vertex_extreme(lo, hi, c, lower=True), _vertex_extreme(lo, hi, c, lower=False), S, cens, method)


def _vertex_extreme(lo: np.ndarray, hi: np.ndarray, c: float, *, lower: bool) -> float:
    free = np.flatnonzero(lo != hi)
    if 2 ** free.size > MAX_VERTICES:  # a valid but looser bound: ends of the mean, sd at its largest
        sd_max = float(np.sqrt(((hi - lo) ** 2).sum() / (len(lo) - 1)) + max(lo.std(ddof=1), hi.std(ddof=1)))
        return float(lo.mean() - c * sd_max) if lower else float(hi.mean() + c * sd_max)
    best = math.inf if lower else -math.inf
    x = lo.copy()
    for choice in itertools.product((0, 1), repeat=free.size):
        x[free] = np.where(np.array(choice, dtype=bool), hi[free], lo[free])
        m, sd = x.mean(), x.std(ddof=1)
        best = min(best, m - c * sd) if lower else max(best, m + c * sd)
    return float(best)


def per_seed_slopes(points: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-seed slopes from {seed: (x, value, low, high)} arrays; returns (value, low, high) per seed.

    A seed with fewer than two distinct x is dropped (the caller counts seeds used).
    """
    vals, lows, highs = [], [], []
    for _, (x, val, lo, hi) in sorted(points.items()):
        x = np.asarray(x, dtype=float)
        if np.unique(x).size < 2:
            continue
        lo_s, hi_s = slope_range(x, lo, hi)
        val_s = loglog_slope(x, val) if np.isfinite(val).all() and (np.asarray(val) > 0).all() else math.nan
        vals.append(val_s)
        lows.append(lo_s)
        highs.append(hi_s)
    return np.array(vals), np.array(lows), np.array(highs)


def slope_interval(points: dict, method: str = "seeds") -> Interval:
    """Mean per-seed log-log slope with its 95% seed interval (censored points as intervals)."""
    v, lo, hi = per_seed_slopes(points)
    return seed_interval(v, lo, hi, method=method)


def paired_difference(a: dict, b: dict, method: str = "paired seeds") -> Interval:
    """Interval of slope(a) - slope(b) over the seeds present in both (per-seed differences)."""
    common = sorted(set(a) & set(b))
    va, la, ha = per_seed_slopes({s: a[s] for s in common})
    vb, lb, hb = per_seed_slopes({s: b[s] for s in common})
    if len(va) != len(vb):
        return NO_INTERVAL
    return seed_interval(va - vb, la - hb, ha - lb, method=method)


def weighted_slope(x, value, se, low=None, high=None) -> Interval:
    """Slope of log value on log x by weighted least squares (weights 1/(se/value)^2), 95% normal
    interval widened to the slope's range over the brackets [low, high] (see the module docstring)."""
    x, value, se = (np.asarray(a, dtype=float) for a in (x, value, se))
    lx, ly = np.log(x), np.log(value)
    rel = np.maximum(se / value, 1e-12)  # exact values: rounding-level errors, equal weights
    w = 1 / rel**2
    xm = (w * lx).sum() / w.sum()
    sxx = (w * (lx - xm) ** 2).sum()
    slope = float((w * (lx - xm) * ly).sum() / sxx)
    z = float(_st.norm.ppf(0.5 + LEVEL / 2))
    half = z / math.sqrt(sxx)
    lo_b, hi_b = (slope, slope)
    if low is not None and high is not None:
        wl = w * (lx - xm) / sxx
        ll, lh = np.log(np.asarray(low, float)), np.log(np.asarray(high, float))
        lo_b = float(np.where(wl > 0, wl * ll, wl * lh).sum())
        hi_b = float(np.where(wl > 0, wl * lh, wl * ll).sum())
    return Interval(slope, min(lo_b, slope) - half, max(hi_b, slope) + half, len(x), 0, "points (Monte-Carlo errors)")
