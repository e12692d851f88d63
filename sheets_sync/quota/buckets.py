"""Token buckets for Google's per-minute quotas, in the form that needs one number per bucket.

A bucket lets ``burst`` requests go at once and then one every ``interval`` seconds. It is kept as
its *theoretical arrival time* (TAT, the GCRA form of a token bucket): the time at which the
bucket would be full again if nothing else came. A request may go at the earliest time
``TAT - tolerance`` (tolerance = (burst - 1) x interval), and going pushes TAT on by one interval.
A request that needs several buckets (its account's and its project's) goes at the latest of
their times and pushes every one of them, so the times are booked at once, in arrival order:
callers get a slot in the future and sleep until it, which is fair (first come, first served)
and needs no polling.

Google counts requests per minute. For a bucket to never let more than N requests into any
window of W seconds, the interval is (W + margin) / (N - burst + 1): in a window of length L, after
its first request, the k-th next one comes at least (k - burst + 1) x interval later, so at most
L / interval + burst - 1 = N fit (for L = W + margin). The margin covers the time between a slot
and the request reaching Google (and clocks that disagree by less than that).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """At most ``per_window`` requests in any ``window`` seconds (+ ``margin``)."""

    per_window: int
    window: float = 60.0
    burst: int = 3
    margin: float = 1.0

    def __post_init__(self) -> None:
        if self.per_window < 1 or self.window <= 0 or self.margin < 0 or self.burst < 1:
            raise ValueError(f"not a usable limit: {self}")

    @property
    def effective_burst(self) -> int:
        return min(self.burst, self.per_window)

    @property
    def interval(self) -> float:
        return (self.window + self.margin) / (self.per_window - self.effective_burst + 1)

    @property
    def tolerance(self) -> float:
        return (self.effective_burst - 1) * self.interval

    @property
    def per_minute(self) -> float:
        """Requests per minute this bucket lets through when it never runs dry."""
        return 60.0 / self.interval


@dataclass(frozen=True)
class Booking:
    """When the request may go (``slot``, in the clock's seconds), and the buckets' new TATs."""

    slot: float
    tats: tuple[float, ...]


def book(tats: Sequence[float | None], limits: Sequence[Limit], now: float,
         max_wait: float) -> Booking | None:
    """The slot of one request needing every bucket; None, booking nothing, when that slot
    is more than ``max_wait`` seconds away. A missing TAT (None) is a full bucket."""
    slot = now
    for tat, limit in zip(tats, limits, strict=True):
        if tat is not None:
            slot = max(slot, tat - limit.tolerance)
    if slot - now > max_wait:
        return None
    new = tuple(max(now if tat is None else tat, slot) + limit.interval
                for tat, limit in zip(tats, limits, strict=True))
    return Booking(slot, new)
