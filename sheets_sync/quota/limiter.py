"""The quota limiter: before each request to Google, take a token from the account's bucket and
from its project's bucket (reads and writes apart), sleeping until both have one.

    Limiter             reserve(account, kind) -> seconds to wait; acquire() also sleeps
    ├── MemoryLimiter   buckets in this process (the default one-process setup)
    └── RedisLimiter    buckets in Redis, shared by every worker (redis_limiter.py)

    QuotaBusy (a QuotaExceeded)   the next free slot is further away than ``max_wait``
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from sheets_sync.errors import QuotaExceeded
from sheets_sync.quota.accounts import ServiceAccount
from sheets_sync.quota.buckets import Booking, Limit, book
from sheets_sync.settings import SCALE_DEFAULTS as _DEFAULTS

Kind = Literal["read", "write"]
KINDS: tuple[Kind, ...] = ("read", "write")


class QuotaBusy(QuotaExceeded):
    """Google's quota is booked further ahead than the limiter may wait."""


@dataclass(frozen=True)
class Quotas:
    """Requests per ``window`` seconds: Google's are 60 per service account and 300 per project,
    for reads and for writes each, per minute. The defaults are the settings' (SCALE_DEFAULTS)."""

    account_reads: int = _DEFAULTS["QUOTA_ACCOUNT_READS"]
    account_writes: int = _DEFAULTS["QUOTA_ACCOUNT_WRITES"]
    project_reads: int = _DEFAULTS["QUOTA_PROJECT_READS"]
    project_writes: int = _DEFAULTS["QUOTA_PROJECT_WRITES"]
    window: float = _DEFAULTS["QUOTA_WINDOW_SECONDS"]
    burst: int = _DEFAULTS["QUOTA_BURST"]
    margin: float = _DEFAULTS["QUOTA_MARGIN_SECONDS"]

    def limits(self, kind: Kind) -> tuple[Limit, Limit]:
        """The account's limit and the project's, for one kind of request."""
        account, project = ((self.account_reads, self.project_reads) if kind == "read"
                            else (self.account_writes, self.project_writes))
        return (Limit(account, self.window, self.burst, self.margin),
                Limit(project, self.window, self.burst, self.margin))

    def ceiling_per_minute(self, kind: Kind, accounts: int, projects: int = 1) -> float:
        """The most requests of a kind per minute the quotas allow (Google's own numbers)."""
        account, project = ((self.account_reads, self.project_reads) if kind == "read"
                            else (self.account_writes, self.project_writes))
        per_window = min(account * accounts, project * projects)
        return per_window * 60.0 / self.window


def bucket_names(account: ServiceAccount, kind: Kind) -> tuple[str, str]:
    # The project in braces: Redis Cluster keeps both keys of one request in one slot.
    base = f"quota:{{{account.project}}}:{kind}"
    return f"{base}:account:{account.name}", f"{base}:project"


class Limiter:
    def __init__(self, quotas: Quotas, *, max_wait: float = 600.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.quotas = quotas
        self.max_wait = max_wait
        self.sleep = sleep
        self._stats_lock = threading.Lock()
        self.waited = 0.0  # seconds slept, all threads together
        self.granted = 0

    def _book(self, keys: Sequence[str], limits: Sequence[Limit]) -> tuple[float, bool]:
        """(seconds until the slot, booked); not booked when it is past ``max_wait``."""
        raise NotImplementedError

    def reserve(self, account: ServiceAccount, kind: Kind) -> float:
        """Book the next slot for one request; the seconds until it (0: go now)."""
        delay, booked = self._book(bucket_names(account, kind), self.quotas.limits(kind))
        if not booked:
            raise QuotaBusy(
                f"Google's {kind} quota of {account.name} is booked more than "
                f"{self.max_wait:.0f} s ahead, so the sync stopped here; it runs again at its "
                "next time. Add service accounts (SHEETS_SYNC_SERVICE_ACCOUNTS) or run fewer "
                "syncs at once.")
        with self._stats_lock:
            self.granted += 1
            self.waited += delay
        return delay

    def acquire(self, account: ServiceAccount, kind: Kind) -> float:
        """Wait for a token of both buckets; the seconds waited."""
        delay = self.reserve(account, kind)
        if delay > 0:
            self.sleep(delay)
        return delay


class MemoryLimiter(Limiter):
    """Buckets in a dict: right for every thread of one process, blind to other processes."""

    def __init__(self, quotas: Quotas, *, max_wait: float = 600.0,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(quotas, max_wait=max_wait, sleep=sleep)
        self.clock = clock
        self._lock = threading.Lock()
        self._tats: dict[str, float] = {}

    def _book(self, keys: Sequence[str], limits: Sequence[Limit]) -> tuple[float, bool]:
        with self._lock:
            now = self.clock()
            booking: Booking | None = book([self._tats.get(k) for k in keys], limits, now,
                                           self.max_wait)
            if booking is None:
                slot = max(self._tats[k] - lim.tolerance for k, lim in zip(keys, limits,
                                                                          strict=True)
                           if k in self._tats)
                return slot - now, False
            for key, tat in zip(keys, booking.tats, strict=True):
                self._tats[key] = tat
            if len(self._tats) > 10_000:  # forget buckets that are full again
                self._tats = {k: t for k, t in self._tats.items() if t > now}
            return booking.slot - now, True
