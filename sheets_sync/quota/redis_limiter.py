"""The quota buckets in Redis, shared by every worker on every machine.

One Lua script books a request in both of its buckets at once (Redis runs a script alone, so two
workers never take the same slot) on Redis's own clock, so the workers' clocks may disagree.
It is the same arithmetic as ``buckets.book``; a test runs both on the same requests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import redis

from sheets_sync.errors import Unavailable
from sheets_sync.quota.buckets import Limit
from sheets_sync.quota.limiter import Limiter, Quotas

# KEYS: the buckets. ARGV: now ('' = Redis's clock), max_wait, then interval and tolerance per
# bucket. Returns {booked (1/0), seconds until the slot}; numbers leave a script as text, as
# Redis would cut a Lua number to an integer.
BOOK_SCRIPT = """
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
else
  now = tonumber(ARGV[1])
end
local max_wait = tonumber(ARGV[2])
local slot = now
local tats = {}
for i, key in ipairs(KEYS) do
  local tat = tonumber(redis.call('GET', key))
  tats[i] = tat
  if tat then
    local earliest = tat - tonumber(ARGV[2 + 2 * i])
    if earliest > slot then slot = earliest end
  end
end
if slot - now > max_wait then
  return {0, string.format('%.6f', slot - now)}
end
for i, key in ipairs(KEYS) do
  local base = tats[i] or now
  if slot > base then base = slot end
  local tat = base + tonumber(ARGV[1 + 2 * i])
  local ttl = math.ceil((tat - now) * 1000) + 1000
  redis.call('SET', key, string.format('%.6f', tat), 'PX', ttl)
end
return {1, string.format('%.6f', slot - now)}
"""


class RedisLimiter(Limiter):
    def __init__(self, client: redis.Redis, quotas: Quotas, *, prefix: str = "sheets-sync:",
                 max_wait: float = 600.0, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] | None = None) -> None:
        """``clock``: for tests only; by default Redis's clock is the one every worker shares."""
        super().__init__(quotas, max_wait=max_wait, sleep=sleep)
        self.client = client
        self.prefix = prefix
        self.clock = clock
        self._script: Any = client.register_script(BOOK_SCRIPT)

    @classmethod
    def from_url(cls, url: str, quotas: Quotas, **kwargs: Any) -> RedisLimiter:
        client = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5,
                                      health_check_interval=30)
        return cls(client, quotas, **kwargs)

    def _book(self, keys: Sequence[str], limits: Sequence[Limit]) -> tuple[float, bool]:
        args: list[str] = ["" if self.clock is None else f"{self.clock():.6f}",
                           f"{self.max_wait:.6f}"]
        for limit in limits:
            args += [f"{limit.interval:.9f}", f"{limit.tolerance:.9f}"]
        try:
            booked, delay = self._script(keys=[self.prefix + k for k in keys], args=args)
        except redis.RedisError as e:
            where = self.client.connection_pool.connection_kwargs.get("host", "Redis")
            raise Unavailable.say("error.quota_store", where=str(where),
                                  kind=e.__class__.__name__, why=e) from e
        return float(delay), bool(int(booked))
