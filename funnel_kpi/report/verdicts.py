"""Verdicts beyond noise: who converts better or worse than the rest, and which step of the
funnel left its own control limits this month.

Segments. Each manager (channel, ...) is compared with the REST of its field pooled, never with
the total that includes it, on win rate (won / (won + lost), from a deal log) and on
lead-to-payment conversion (paid / leads), over all months. The test is the pooled
two-proportion z-test:

    p = (x_s + x_r) / (n_s + n_r)
    z = (x_s / n_s - x_r / n_r) / sqrt(p (1 - p) (1 / n_s + 1 / n_r))
    p-value = erfc(|z| / sqrt 2)  (two-sided)

and the p-values of one field and rate are adjusted by Holm, so that among ten managers one is
not called "better" by chance alone (two segments are one comparison: no adjustment). The
verdict is "better" or "worse" when the adjusted p-value is below ALPHA, else "no difference
found". "not enough data" when either side has fewer than MIN_TRIALS trials or an expected
count under the pooled rate (n p or n (1 - p)) is below MIN_EXPECTED on either side: the normal
approximation behind z is not to be trusted there. The test is written here, not taken from
scipy: it is four lines, math.erfc gives the normal tail exactly, and scipy is no dependency of
the core. With counts from a deal log, lead-to-payment conversion counts the young cohorts'
open leads as not paid (segments are not split by cohort), so a manager with many recent leads
reads low on it; win rate counts closed deals only.

Control limits (a p-chart). For every step from the leads stage on (steps before leads are
visits, not leads, as in the bottleneck), the centre line is the pooled conversion of the last
CONTROL_MONTHS complete months before the latest, sum n_i / sum n_(i-1); the limits are
p ± 3 sqrt(p (1 - p) / n), n the latest month's entries n_(i-1), clipped to [0, 1]. The latest
month's conversion outside them is a finding. Fewer than MIN_CONTROL_MONTHS months: no limits.
A month whose stage counts more than the stage before it is no conversion and is left out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

ALPHA = 0.05
MIN_TRIALS = 30
MIN_EXPECTED = 5.0
RATES = ("win_rate", "lead_to_payment_conversion")
CONTROL_MONTHS = 12
MIN_CONTROL_MONTHS = 6
SIGMAS = 3.0

Verdict = Literal["better", "worse", "no difference found", "not enough data"]
Side = Literal["below", "above"]


@dataclass(frozen=True, slots=True)
class ZTest:
    z: float | None  # None when the pooled rate is 0 or 1 (no variance: no difference)
    p_value: float


def two_proportion_z(x1: float, n1: float, x2: float, n2: float) -> ZTest:
    """The pooled two-proportion z-test of x1/n1 against x2/n2 (n1, n2 > 0), two-sided."""
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return ZTest(None, 1.0)
    z = (x1 / n1 - x2 / n2) / se
    return ZTest(z, math.erfc(abs(z) / math.sqrt(2)))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values, in the order given: the i-th smallest of m is multiplied by
    (m - i + 1), kept no smaller than the one before it, capped at 1."""
    m = len(p_values)
    out = [0.0] * m
    running = 0.0
    for rank, i in enumerate(sorted(range(m), key=lambda j: p_values[j])):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        out[i] = running
    return out


def enough_data(x1: float, n1: float, x2: float, n2: float) -> bool:
    """Both sides have MIN_TRIALS trials and MIN_EXPECTED expected successes and failures."""
    if n1 < MIN_TRIALS or n2 < MIN_TRIALS:
        return False
    pooled = (x1 + x2) / (n1 + n2)
    return all(e >= MIN_EXPECTED for n in (n1, n2) for e in (n * pooled, n * (1 - pooled)))


@dataclass(frozen=True, slots=True)
class SegmentVerdict:
    field: str  # "manager", "channel", ...
    segment: str
    rate: str  # a KPI id of RATES
    successes: float
    n: float
    rest_successes: float
    rest_n: float
    z: float | None
    p_value: float | None  # two-sided, before Holm; None with not enough data
    p_adjusted: float | None  # Holm across the field's tested segments
    verdict: Verdict

    @property
    def value(self) -> float:
        return self.successes / self.n

    @property
    def rest_value(self) -> float | None:
        return self.rest_successes / self.rest_n if self.rest_n else None

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "segment": self.segment, "rate": self.rate,
                "value": self.value, "successes": self.successes, "n": self.n,
                "rest_value": self.rest_value, "rest_successes": self.rest_successes,
                "rest_n": self.rest_n, "z": self.z, "p_value": self.p_value,
                "p_adjusted": self.p_adjusted, "verdict": self.verdict}

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> SegmentVerdict:
        return SegmentVerdict(d["field"], d["segment"], d["rate"], float(d["successes"]),
                              float(d["n"]), float(d["rest_successes"]), float(d["rest_n"]),
                              d["z"], d["p_value"], d["p_adjusted"], d["verdict"])


@dataclass(frozen=True, slots=True)
class StepControl:
    """One step's p-chart: the latest month against the months before it."""

    from_key: str
    to_key: str
    period: str  # the latest complete month, "YYYY-MM"
    value: float  # its conversion n_i / n_(i-1)
    n: float  # its entries n_(i-1)
    centre: float
    low: float
    high: float
    months: int  # months behind the centre line
    outside: Side | None

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.from_key, "to": self.to_key, "period": self.period,
                "value": self.value, "n": self.n, "centre": self.centre, "low": self.low,
                "high": self.high, "months": self.months, "outside": self.outside}

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> StepControl:
        return StepControl(d["from"], d["to"], d["period"], float(d["value"]), float(d["n"]),
                           float(d["centre"]), float(d["low"]), float(d["high"]),
                           int(d["months"]), d["outside"])


@dataclass(frozen=True, slots=True)
class Verdicts:
    segments: tuple[SegmentVerdict, ...] = ()
    control_limits: tuple[StepControl, ...] = ()

    def findings(self) -> tuple[SegmentVerdict | StepControl, ...]:
        """What is worth a sentence: a segment better or worse, a step outside its limits.
        Of two segments only the better is told: the worse one is the same comparison."""
        sizes: dict[tuple[str, str], int] = {}
        for s in self.segments:
            sizes[s.field, s.rate] = sizes.get((s.field, s.rate), 0) + 1
        return (*(s for s in self.segments if s.verdict == "better" or (
                    s.verdict == "worse" and sizes[s.field, s.rate] > 2)),
                *(c for c in self.control_limits if c.outside is not None))

    def to_dict(self) -> dict[str, Any]:
        return {"segments": [s.to_dict() for s in self.segments],
                "control_limits": [c.to_dict() for c in self.control_limits]}

    @staticmethod
    def from_dict(d: Mapping[str, Any] | None) -> Verdicts:
        if d is None:
            return Verdicts()
        return Verdicts(tuple(SegmentVerdict.from_dict(s) for s in d["segments"]),
                        tuple(StepControl.from_dict(c) for c in d["control_limits"]))


NO_VERDICTS = Verdicts()
