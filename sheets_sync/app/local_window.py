"""The moving-window rate limit of ``memory://`` (one process), counted in this process.

Same answers as ``limits``' MovingWindowRateLimiter over its MemoryStorage (the limit texts are
still parsed by ``limits``, and ``redis://`` still goes through it), without that storage's
expiry timer: MemoryStorage starts a new ``threading.Timer`` thread whenever the last one has
run out (10 ms), which under steady traffic is a thread started on nearly every request, and it
keeps each key's hits in a list it grows at the front.

Here a key keeps at most its limit's last ``amount`` hit times (a bounded deque, newest last):
a hit is refused when the oldest of them is still inside the window. Keys whose window is empty
are dropped every ``SWEEP_EVERY`` hits, so addresses that guessed once do not pile up.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from limits import RateLimitItem
from limits.util import WindowStats

SWEEP_EVERY = 4096


class LocalMovingWindow:
    """``hit`` and ``get_window_stats`` as limits' MovingWindowRateLimiter has them, for one
    process; thread-safe (one lock, held for a few dictionary and deque operations)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._hits: dict[str, tuple[float, deque[float]]] = {}  # key -> (expiry, hit times)
        self._until_sweep = SWEEP_EVERY

    def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        """Count one hit; False (and nothing counted) when the limit is reached."""
        key, amount, expiry = item.key_for(*identifiers), item.amount, item.get_expiry()
        now = self._clock()
        with self._lock:
            entry = self._hits.get(key)
            if entry is None:
                entry = self._hits[key] = (expiry, deque(maxlen=amount))
            hits = entry[1]
            if len(hits) >= amount and hits[0] >= now - expiry:
                return False
            hits.append(now)
            self._until_sweep -= 1
            if self._until_sweep <= 0:
                self._sweep(now)
        return True

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        """(when the oldest hit in the window leaves it, hits still allowed), as limits says
        it: with no hit in the window, (now + expiry, amount)."""
        key, amount, expiry = item.key_for(*identifiers), item.amount, item.get_expiry()
        now = self._clock()
        with self._lock:
            entry = self._hits.get(key)
            inside = [t for t in entry[1] if t > now - expiry] if entry is not None else []
        start = inside[0] if inside else now
        return WindowStats(start + expiry, amount - len(inside))

    def keys(self) -> int:
        """How many keys are kept (for tests of the sweep)."""
        with self._lock:
            return len(self._hits)

    def _sweep(self, now: float) -> None:
        self._until_sweep = SWEEP_EVERY
        gone = [k for k, (expiry, hits) in self._hits.items()
                if not hits or hits[-1] < now - expiry]
        for k in gone:
            del self._hits[k]
