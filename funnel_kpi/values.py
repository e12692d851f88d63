"""A KPI value that may be undefined, and the arithmetic that keeps it honest.

A zero denominator never raises and never becomes 0: the value is ``None`` with a reason code
(see funnel_kpi.messages.UNDEFINED). Rates carry their sample size and a Wilson 95% interval.

A value is an immutable msgspec Struct, not a frozen dataclass: a 24-month report makes some
2,500 of them per request, a Struct is made in a tenth of the time, and as it holds only numbers
and text the garbage collector never has to track it (``gc=False``).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import msgspec

Z95 = 1.959963984540054
Z2 = Z95 * Z95
_isfinite, _sqrt = math.isfinite, math.sqrt


class Value(msgspec.Struct, frozen=True, gc=False):
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


@lru_cache(maxsize=256)
def undefined(reason: str) -> Value:
    """The undefined value with this reason: one shared object per reason (values are
    immutable; the reasons are the few codes of messages.UNDEFINED)."""
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
    # min/max written out: a report computes some 600 intervals (NaN stays NaN either way)
    p = successes / trials
    if p < 0.0:
        p = 0.0
    elif p > 1.0:
        p = 1.0
    denom = 1 + Z2 / trials
    try:
        centre = (p + Z2 / (2 * trials)) / denom
        half = Z95 * _sqrt(p * (1 - p) / trials + Z2 / (4 * trials * trials)) / denom
    except (ZeroDivisionError, OverflowError):  # trials so tiny that trials**2 underflows
        return None
    if not (_isfinite(centre) and _isfinite(half)):
        return None
    low, high = centre - half, centre + half
    return (low if low > 0.0 else 0.0), (high if high < 1.0 else 1.0)


def rate(successes: float | None, trials: float | None) -> Value:
    """successes / trials with sample size and Wilson interval."""
    if successes is None or trials is None:
        return undefined("missing_input")
    if trials == 0:
        return undefined("no_entries")
    if not (_isfinite(successes) and _isfinite(trials)):
        return undefined("not_finite")  # round(inf) would raise
    ci = wilson(successes, trials)
    if ci is None:
        return Value(successes / trials, None, round(trials))
    return Value(successes / trials, None, round(trials), ci[0], ci[1])
