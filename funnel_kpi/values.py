"""A KPI value that may be undefined, and the arithmetic that keeps it honest.

A zero denominator never raises and never becomes 0: the value is ``None`` with a reason code
(see funnel_kpi.messages.UNDEFINED). Rates carry their sample size and a Wilson 95% interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Value:
    value: float | None
    reason: str | None = None  # why value is None: a key of messages.UNDEFINED
    n: int | None = None  # sample size behind a rate
    low: float | None = None  # Wilson 95% interval of a rate
    high: float | None = None

    @property
    def defined(self) -> bool:
        return self.value is not None

    def details(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.reason is not None:
            out["reason"] = self.reason
        if self.n is not None:
            out["n"] = self.n
        if self.low is not None and self.high is not None:
            out["ci"] = [self.low, self.high]
        return out


def num(x: float | None) -> float | None:
    """A JSON-safe number: None for undefined, NaN or infinite."""
    return x if x is not None and math.isfinite(x) else None


def undefined(reason: str) -> Value:
    return Value(None, reason)


def ratio(num: float | None, den: float | None, *, zero_reason: str = "zero_denominator") -> Value:
    """num / den, undefined when either is missing or den is 0."""
    if num is None or den is None:
        return undefined("missing_input")
    if den == 0:
        return undefined(zero_reason)
    return Value(num / den)


def wilson(successes: float, trials: float) -> tuple[float, float] | None:
    """Wilson score 95% interval for successes/trials; None when trials <= 0.

    Counts from a summary tab may be fractional or exceed the trials (a later stage larger than
    the one before); the interval is then taken for the rate clipped to [0, 1].
    """
    if trials <= 0:
        return None
    p = min(max(successes / trials, 0.0), 1.0)
    z2 = Z95 * Z95
    denom = 1 + z2 / trials
    try:
        centre = (p + z2 / (2 * trials)) / denom
        half = Z95 * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denom
    except (ZeroDivisionError, OverflowError):  # trials so tiny that trials**2 underflows
        return None
    if not (math.isfinite(centre) and math.isfinite(half)):
        return None
    return max(0.0, centre - half), min(1.0, centre + half)


def rate(successes: float | None, trials: float | None) -> Value:
    """successes / trials with sample size and Wilson interval."""
    if successes is None or trials is None:
        return undefined("missing_input")
    if trials == 0:
        return undefined("no_entries")
    if not (math.isfinite(successes) and math.isfinite(trials)):
        return undefined("not_finite")  # round(inf) would raise
    ci = wilson(successes, trials)
    n = round(trials)
    if ci is None:
        return Value(successes / trials, n=n)
    return Value(successes / trials, n=n, low=ci[0], high=ci[1])
