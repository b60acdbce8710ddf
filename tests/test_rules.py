"""Every claim's rule can return each of the three verdicts; rivals are excluded exactly when the
interval misses their acceptance region; sanity rows never count as claims."""

import math

import numpy as np
import pandas as pd
import pytest

from lowrot.claims import CLAIMS, margin_claims, sample_claims
from lowrot.rules import CONSISTENT, INCONCLUSIVE, INCONSISTENT, ClaimSpec, decide
from lowrot.stats import Interval
from lowrot.summaries import n_star_seeds

DECIDED = [c for c in CLAIMS.values() if c.kind in ("equal", "at_most", "at_least")]


def _iv(lo, hi):
    return Interval((lo + hi) / 2, lo, hi, 5, 0, "seeds")


def _three_intervals(spec: ClaimSpec):
    """Intervals that must give consistent, inconsistent and inconclusive under spec's rule."""
    v, d = spec.value, spec.delta
    w = max(d, 0.05)
    if spec.kind == "equal":
        return _iv(v - d / 2, v + d / 2), _iv(v + d + w, v + d + 2 * w), _iv(v - d - w, v + d + w)
    if spec.kind == "at_most":
        return _iv(v + d - 2 * w, v + d), _iv(v + d + w / 10, v + d + w), _iv(v + d - w, v + d + w)
    return _iv(v - d, v - d + 2 * w), _iv(v - d - w, v - d - w / 10), _iv(v - d - w, v - d + w)


@pytest.mark.parametrize("spec", DECIDED, ids=[c.id for c in DECIDED])
def test_every_rule_returns_all_three_verdicts(spec):
    good, bad, wide = _three_intervals(spec)
    assert decide(spec, good).verdict == CONSISTENT
    assert decide(spec, bad).verdict == INCONSISTENT
    assert decide(spec, wide).verdict == INCONCLUSIVE
    assert decide(spec, Interval(math.nan, -math.inf, math.inf, 3, 1, "seeds")).verdict == INCONCLUSIVE
    assert decide(spec, None).verdict == INCONCLUSIVE
    # the rule text carries the numbers of the spec (one source of truth)
    assert f"{spec.value + spec.delta if spec.kind != 'at_least' else spec.value - spec.delta:.3g}" in spec.rule


def test_equivalence_rule_needs_the_whole_interval_inside():
    spec = CLAIMS["R2-kernel"]  # slope 2 +- 0.5, rival 1
    # the old 'band' rule called [1.36, 1.95] consistent with slope 2: it straddles 1.5 -> inconclusive
    v = decide(spec, _iv(1.36, 1.95))
    assert v.verdict == INCONCLUSIVE and "straddles" in v.reason and v.rival_excluded is False
    v = decide(spec, _iv(1.6, 2.4))
    assert v.verdict == CONSISTENT and v.rival_excluded is True
    # a slope-1 truth is declared inconsistent with slope 2, and slope 1 is then not excluded
    v = decide(spec, _iv(0.8, 1.3))
    assert v.verdict == INCONSISTENT and v.rival_excluded is False


def test_bound_rule_reads_the_upper_end():
    spec = CLAIMS["R2-GF"]  # slope <= 2 (+0.5)
    assert decide(spec, _iv(0.0, 5.0)).verdict == INCONCLUSIVE  # the old rule called this consistent
    assert decide(spec, _iv(0.5, 2.4)).verdict == CONSISTENT


def test_acceptance_regions_of_slope_one_and_two_cannot_both_hold():
    s2, s1 = CLAIMS["R2-kernel"], CLAIMS["G3-asymptotic"]  # 2 +- 0.5 and 1 +- 0.5
    for lo in np.linspace(0, 3, 31):
        for width in (0.01, 0.2, 0.6):
            iv = _iv(lo, lo + width)
            assert not (decide(s2, iv).verdict == CONSISTENT and decide(s1, iv).verdict == CONSISTENT) or (lo == 1.5 and width < 1e-9)


def test_sanity_and_shown_rows_are_not_decided():
    for c in CLAIMS.values():
        if c.kind in ("sanity", "shown"):
            with pytest.raises(ValueError):
                decide(c, _iv(0, 1))
    with pytest.raises(ValueError):
        ClaimSpec("X", "s", "t", "band")


def _parity_margins(gen_scale=1.0, gen_upper=None, ntk_slope=-1.0):
    d = np.array([12, 14, 16, 20, 24])
    ntk = 0.5 * (d / 12.0) ** ntk_slope / 12.0
    rows = [{"d": int(a), "quantity": "gamma_ntk", "value": v, "lower": v, "upper": v, "mc_stderr": 1e-3 * v, "status": "optimal"} for a, v in zip(d, ntk)]
    for a in (4, 6, 8):
        g = gen_scale / (4 * math.sqrt(2 * a))
        up = g if gen_upper is None else gen_upper
        rows.append({"d": a, "quantity": "gamma_gl_general", "value": g, "lower": g, "upper": up, "mc_stderr": np.nan, "status": "optimal"})
    return pd.DataFrame(rows)


def test_margin_claims_reach_each_verdict_from_constructed_tables():
    rows = {r["id"]: r for r in margin_claims(_parity_margins())}
    assert rows["M1"]["verdict"] == CONSISTENT and rows["M1"]["rival_excluded"] == "yes"
    assert rows["M2"]["verdict"] == CONSISTENT and rows["M2-rate"]["verdict"] == CONSISTENT
    rows = {r["id"]: r for r in margin_claims(_parity_margins(gen_scale=0.71, ntk_slope=-0.5))}
    assert rows["M1"]["verdict"] == INCONSISTENT and rows["M1"]["rival_excluded"] == "no"
    assert rows["M2"]["verdict"] == INCONSISTENT  # a certified bracket at 71% excludes the theorem
    rows = {r["id"]: r for r in margin_claims(_parity_margins(gen_upper=math.inf, ntk_slope=-0.75))}
    assert rows["M2"]["verdict"] == INCONCLUSIVE  # an uncertified upper end decides nothing
    assert rows["M1"]["verdict"] == INCONCLUSIVE


def _final(power_by_learner, seeds=5, noise=0.1, rng=None):
    rows = []
    grid = np.geomspace(4, 1e6, 50)
    rng = rng or np.random.default_rng(0)
    for learner, power in power_by_learner.items():
        for s in range(seeds):
            for d in (8, 12, 16, 24, 32):
                nstar = 3.0 * d**power * math.exp(noise * rng.standard_normal())
                err = np.clip(0.1 - 0.05 * np.log(grid / nstar), 0, 0.5)
                rows += [{"sweep": learner, "learner": learner, "dataset": "parity", "m": 64, "d": d, "groups": 0, "seed": s, "n": n, "test_error": e} for n, e in zip(grid, err)]
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    "powers,expect",
    [
        ({"kernel": 2.0, "gf": 1.0, "sgd": 1.5}, {"R2-kernel": CONSISTENT, "R2-GF": CONSISTENT, "R7": CONSISTENT}),
        ({"kernel": 1.0, "gf": 3.2, "sgd": 3.2}, {"R2-kernel": INCONSISTENT, "R2-GF": INCONSISTENT, "R7": INCONSISTENT}),
    ],
)
def test_sample_complexity_claims_from_error_curves(powers, expect):
    seeds = n_star_seeds(_final(powers), [0.1])
    rows = {r["id"]: r for r in sample_claims({"n_star_seeds": seeds}, 0.1)}
    for cid, verdict in expect.items():
        assert rows[cid]["verdict"] == verdict, rows[cid]
    diff = rows["R2-diff"]
    assert diff["ci_low"] <= powers["kernel"] - powers["gf"] <= diff["ci_high"]


def test_sample_complexity_claims_inconclusive_with_noise_and_few_seeds():
    seeds = n_star_seeds(_final({"kernel": 1.5, "gf": 2.5, "sgd": 2.5}, seeds=2, noise=0.8, rng=np.random.default_rng(3)), [0.1])
    rows = {r["id"]: r for r in sample_claims({"n_star_seeds": seeds}, 0.1)}
    assert rows["R2-kernel"]["verdict"] == INCONCLUSIVE
    assert rows["R2-GF"]["verdict"] == INCONCLUSIVE
