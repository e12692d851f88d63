"""The quota buckets in the real Redis: the same bookings as the Python arithmetic, atomic across
processes, on Redis's clock, and a clear error when Redis is away."""

from __future__ import annotations

import multiprocessing
import random
import time

import pytest
import redis

from sheets_sync.errors import Unavailable
from sheets_sync.quota import Limit, Quotas, ServiceAccount, book
from sheets_sync.quota.limiter import bucket_names
from sheets_sync.quota.redis_limiter import RedisLimiter

A = ServiceAccount("a@p.iam.gserviceaccount.com", "p")
B = ServiceAccount("b@p.iam.gserviceaccount.com", "p")


class Clock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def test_lua_books_what_python_books(redis_client: redis.Redis, prefix: str) -> None:
    quotas = Quotas(account_reads=5, project_reads=8, window=10.0, burst=2, margin=0.5)
    clock = Clock(1_700_000_000.0)  # a real epoch, so float precision is the production one
    lim = RedisLimiter(redis_client, quotas, prefix=prefix, max_wait=1e6, clock=clock)
    rng = random.Random(7)
    tats: dict[str, float] = {}
    limits = quotas.limits("read")
    for _ in range(60):
        clock.now += rng.choice([0.0, 0.0, 0.3, 1.7, 4.0])
        account = rng.choice([A, B])
        keys = bucket_names(account, "read")
        expected = book([tats.get(k) for k in keys], limits, clock.now, 1e6)
        assert expected is not None
        for k, tat in zip(keys, expected.tats, strict=True):
            tats[k] = tat
        delay = lim.reserve(account, "read")
        assert delay == pytest.approx(expected.slot - clock.now, abs=1e-5)
    # the buckets are stored under the prefix, the project in braces (one Redis Cluster slot)
    key = f"{prefix}quota:{{p}}:read:project"
    assert float(redis_client.get(key) or 0) == pytest.approx(tats["quota:{p}:read:project"],
                                                              abs=1e-5)
    # and expire once the bucket would be full again anyway
    ttl_ms = redis_client.pttl(key)
    assert 0 < ttl_ms <= (tats["quota:{p}:read:project"] - clock.now + 1.0) * 1000 + 1


def test_redis_clock_and_busy(redis_client: redis.Redis, prefix: str) -> None:
    # 2 per 60 s, no burst: one every 30 s on Redis's own clock
    quotas = Quotas(account_reads=2, window=60.0, burst=1, margin=0.0)
    lim = RedisLimiter(redis_client, quotas, prefix=prefix, max_wait=45.0)
    assert lim.reserve(A, "read") == 0.0
    assert lim.reserve(A, "read") == pytest.approx(30.0, abs=0.5)
    with pytest.raises(Exception, match="booked more than 45 s ahead"):
        lim.reserve(A, "read")  # 60 s ahead: not booked
    assert lim.granted == 2


def test_redis_away_is_a_clear_error() -> None:
    lim = RedisLimiter.from_url("redis://127.0.0.1:1/0", Quotas())
    with pytest.raises(Unavailable, match=r"quota store \(Redis at 127.0.0.1\) did not answer"):
        lim.acquire(A, "read")


def _take(url: str, prefix: str, count: int, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    quotas = Quotas(account_reads=10, project_reads=1000, window=1.0, burst=1, margin=0.1)
    lim = RedisLimiter.from_url(url, quotas, prefix=prefix)
    stamps = []
    for _ in range(count):
        lim.acquire(A, "read")
        stamps.append(time.time())
    out.put(stamps)


def test_two_processes_share_one_bucket(redis_base: str, prefix: str) -> None:
    # 10 per 1 s (+0.1 s margin), no burst: interval 0.11 s. Two processes taking 10 tokens
    # each need 19 intervals (2.09 s) together; with a bucket each they would need half.
    ctx = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]
    procs = [ctx.Process(target=_take, args=(redis_base, prefix, 10, out)) for _ in range(2)]
    for p in procs:
        p.start()
    stamps = sorted(out.get(timeout=60) + out.get(timeout=60))
    for p in procs:
        p.join(10)
    assert len(stamps) == 20
    assert stamps[-1] - stamps[0] >= 19 * 0.11 - 0.05
    # never more than 10 in any second
    assert max(sum(1 for s in stamps if a <= s < a + 1.0) for a in stamps) <= 10
    assert Limit(10, 1.0, 1, 0.1).interval == pytest.approx(0.11)
