"""Verdict rules for claims: equivalence rules for equality claims, end-point rules for bounds.

Each claim is one :class:`ClaimSpec` (lowrot.claims.CLAIMS holds them all); the rule text printed
in the claims table is generated here from the spec, so a value or tolerance is never typed twice.

- ``equal`` (statistic = value, margin delta): **consistent** iff the whole 95% interval lies inside
  [value - delta, value + delta]; **inconsistent** iff it lies entirely outside; otherwise
  **inconclusive** with the reason (too wide, straddles an edge, unbounded because of censoring).
- ``at_most`` (statistic <= value): consistent iff the interval's upper end <= value + delta;
  inconsistent iff its lower end > value + delta.
- ``at_least`` (statistic >= value): consistent iff the lower end >= value - delta; inconsistent iff
  the upper end < value - delta.
- ``shown``: a quantity reported without a verdict (e.g. derived from other rows, not double-counted).
- ``sanity``: a check that holds by construction or by definition (an identity, a bound that cannot be
  violated by a correct computation); it reports pass/fail and is never counted as a claim.
- Rival: every claim names the alternative the paper argues against. It is **excluded** iff the
  interval lies entirely outside [rival - delta, rival + delta] (for equality and bound claims alike).
  With delta = 0.5 and rivals 1 apart (slopes 1 and 2), both acceptance regions cannot hold one
  interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .stats import Interval, fmt

CONSISTENT, INCONSISTENT, INCONCLUSIVE = "consistent", "inconsistent", "inconclusive"
NOT_TESTABLE = "not testable at this scale"
SHOWN, SANITY_PASS, SANITY_FAIL = "shown", "sanity: pass", "sanity: fail"
KINDS = ("equal", "at_most", "at_least", "shown", "sanity")


@dataclass(frozen=True)
class ClaimSpec:
    """One claim: what is measured, the rule (kind, value, delta) and the rival."""

    id: str
    statement: str
    statistic: str
    kind: str
    value: float = math.nan
    delta: float = 0.0
    rival: float | None = None
    rival_text: str = ""
    note: str = ""  # an extra condition of the rule, printed with it

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"claim {self.id}: kind {self.kind!r} not in {KINDS}")

    @property
    def theory(self) -> str:
        v, d = fmt(self.value), fmt(self.delta)
        return {"equal": f"{v} +- {d}", "at_most": f"<= {v} (+{d})", "at_least": f">= {v} (-{d})"}.get(self.kind, "-")

    @property
    def rule(self) -> str:
        v, d = self.value, self.delta
        if self.kind == "equal":
            text = f"consistent iff the 95% interval lies inside [{fmt(v - d)}, {fmt(v + d)}]; inconsistent iff it lies entirely outside; otherwise inconclusive"
        elif self.kind == "at_most":
            text = f"consistent iff the 95% interval's upper end <= {fmt(v + d)}; inconsistent iff its lower end > {fmt(v + d)}; otherwise inconclusive"
        elif self.kind == "at_least":
            text = f"consistent iff the 95% interval's lower end >= {fmt(v - d)}; inconsistent iff its upper end < {fmt(v - d)}; otherwise inconclusive"
        elif self.kind == "shown":
            return "shown, no verdict"
        else:
            return "sanity check (cannot fail for a correct computation): pass/fail, not a claim"
        if self.note:
            text += f"; {self.note}"
        if self.rival is not None:
            text += f"; rival {self.rival_text or fmt(self.rival)} excluded iff the interval misses [{fmt(self.rival - d)}, {fmt(self.rival + d)}]"
        return text


@dataclass(frozen=True)
class Verdict:
    verdict: str
    reason: str
    rival_excluded: bool | None


def rival_excluded(spec: ClaimSpec, iv: Interval) -> bool | None:
    if spec.rival is None or math.isnan(iv.low) or math.isnan(iv.high):
        return None
    lo, hi = spec.rival - spec.delta, spec.rival + spec.delta
    return bool(iv.high < lo or iv.low > hi)


def decide(spec: ClaimSpec, iv: Interval | None) -> Verdict:
    """The verdict of ``spec``'s rule on the interval ``iv`` (None: no data)."""
    if spec.kind in ("shown", "sanity"):
        raise ValueError(f"claim {spec.id} is {spec.kind}: use shown()/sanity() instead of decide()")
    if iv is None or math.isnan(iv.low) or math.isnan(iv.high):
        return Verdict(INCONCLUSIVE, "no interval (too few points or seeds)", None)
    v, d, lo, hi = spec.value, spec.delta, iv.low, iv.high
    rex = rival_excluded(spec, iv)
    unbounded = "interval unbounded (censored values or fewer than 2 seeds)"
    if spec.kind == "equal":
        a, b = v - d, v + d
        if a <= lo and hi <= b:
            return Verdict(CONSISTENT, f"interval inside [{fmt(a)}, {fmt(b)}]", rex)
        if hi < a or lo > b:
            return Verdict(INCONSISTENT, f"interval entirely outside [{fmt(a)}, {fmt(b)}]", rex)
        if not iv.finite:
            return Verdict(INCONCLUSIVE, unbounded, rex)
        if lo < a and hi > b:
            return Verdict(INCONCLUSIVE, f"interval wider than [{fmt(a)}, {fmt(b)}]", rex)
        return Verdict(INCONCLUSIVE, f"interval straddles the edge {fmt(a) if lo < a else fmt(b)}", rex)
    if spec.kind == "at_most":
        b = v + d
        if hi <= b:
            return Verdict(CONSISTENT, f"upper end {fmt(hi)} <= {fmt(b)}", rex)
        if lo > b:
            return Verdict(INCONSISTENT, f"lower end {fmt(lo)} > {fmt(b)}", rex)
        return Verdict(INCONCLUSIVE, unbounded if not iv.finite else f"interval straddles {fmt(b)}", rex)
    a = v - d
    if lo >= a:
        return Verdict(CONSISTENT, f"lower end {fmt(lo)} >= {fmt(a)}", rex)
    if hi < a:
        return Verdict(INCONSISTENT, f"upper end {fmt(hi)} < {fmt(a)}", rex)
    return Verdict(INCONCLUSIVE, unbounded if not iv.finite else f"interval straddles {fmt(a)}", rex)


def sanity(ok: bool | None) -> Verdict:
    if ok is None:
        return Verdict(INCONCLUSIVE, "no data", None)
    return Verdict(SANITY_PASS if ok else SANITY_FAIL, "", None)
