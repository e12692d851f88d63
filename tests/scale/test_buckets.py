"""The token-bucket arithmetic (GCRA form) and the in-memory limiter, against hand-computed
numbers and against the one property that matters: no window ever holds more than the quota."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sheets_sync.quota import Limit, MemoryLimiter, QuotaBusy, Quotas, ServiceAccount, book

A = ServiceAccount("a@p.iam.gserviceaccount.com", "p")
B = ServiceAccount("b@p.iam.gserviceaccount.com", "p")


def test_googles_quota_as_buckets() -> None:
    # interval = (W + margin) / (N - burst + 1); tolerance = (burst - 1) * interval
    account = Limit(60, 60.0, burst=3, margin=1.0)
    assert account.interval == pytest.approx(61 / 58)  # 1.0517 s
    assert account.tolerance == pytest.approx(2 * 61 / 58)
    assert account.per_minute == pytest.approx(60 * 58 / 61)  # 57.05 of Google's 60
    project = Limit(300, 60.0, burst=3, margin=1.0)
    assert project.per_minute == pytest.approx(60 * 298 / 61)  # 293.1 of 300
    # a burst larger than the quota is cut to it: one request per window at most
    one = Limit(1, 60.0, burst=3, margin=0.0)
    assert (one.effective_burst, one.interval, one.tolerance) == (1, 60.0, 0.0)


def test_bookings_by_hand() -> None:
    # N=4 per 10 s, burst 2: interval 10/3, tolerance 10/3. Four requests at t=0 go at
    # 0, 0, 3.33, 6.67: four in [0, 10), and the fifth waits for 10.0.
    lim = Limit(4, 10.0, burst=2, margin=0.0)
    tats: list[float | None] = [None]
    slots = []
    for _ in range(5):
        b = book(tats, [lim], 0.0, max_wait=60.0)
        assert b is not None
        slots.append(b.slot)
        tats = list(b.tats)
    assert slots == pytest.approx([0.0, 0.0, 10 / 3, 20 / 3, 10.0])


def test_a_request_takes_the_latest_of_its_buckets() -> None:
    # account 4/10 s burst 2 (interval 3.33); project 6/10 s burst 1 (interval 1.67, no burst)
    account, project = Limit(4, 10.0, 2, 0.0), Limit(6, 10.0, 1, 0.0)
    first = book([None, None], [account, project], 0.0, 60.0)
    assert first is not None and first.slot == 0.0
    assert first.tats == pytest.approx((10 / 3, 10 / 6))
    second = book(list(first.tats), [account, project], 0.0, 60.0)
    # the account could go at once (3.33 - 3.33 = 0), the project only at 1.67
    assert second is not None and second.slot == pytest.approx(10 / 6)
    # the account's TAT moves on from its own 3.33 (later than the slot), the project's from 1.67
    assert second.tats == pytest.approx((10 / 3 + 10 / 3, 10 / 6 + 10 / 6))


def test_nothing_is_booked_past_max_wait() -> None:
    lim = Limit(1, 60.0, 1, 0.0)
    assert book([600.0], [lim], 0.0, max_wait=100.0) is None
    booked = book([50.0], [lim], 0.0, max_wait=100.0)
    assert booked is not None and booked.slot == 50.0


arrivals = st.lists(st.tuples(st.floats(0, 3.0), st.integers(0, 2)), min_size=1, max_size=150)


@settings(max_examples=150, deadline=None)
@given(arrivals, st.integers(1, 12), st.integers(2, 30), st.integers(1, 5),
       st.floats(0.0, 2.0))
def test_no_window_ever_holds_more_than_the_quota(
        steps: list[tuple[float, int]], per_account: int, per_project: int, burst: int,
        margin: float) -> None:
    window = 10.0
    limits = {"project": Limit(per_project, window, burst, margin)}
    for i in range(3):
        limits[f"a{i}"] = Limit(per_account, window, burst, margin)
    tats: dict[str, float] = {}
    slots: dict[str, list[float]] = {k: [] for k in limits}
    now = 0.0
    for gap, who in steps:
        now += gap
        keys = [f"a{who}", "project"]
        b = book([tats.get(k) for k in keys], [limits[k] for k in keys], now, 1e9)
        assert b is not None and b.slot >= now
        for k, tat in zip(keys, b.tats, strict=True):
            tats[k] = tat
            slots[k].append(b.slot)
    for key, times in slots.items():
        times.sort()
        n = limits[key].per_window
        span = window + margin
        for i, start in enumerate(times):
            # a tiny slack for float rounding at the window's edge
            inside = [t for t in times[i:] if t < start + span - 1e-9]
            assert len(inside) <= n, (key, start, inside)


def test_a_long_queue_flows_at_the_bucket_rate() -> None:
    lim = Limit(60, 60.0, 3, 1.0)
    tats: list[float | None] = [None]
    last = 0.0
    for _ in range(600):
        b = book(tats, [lim], 0.0, 1e9)
        assert b is not None
        tats, last = list(b.tats), b.slot
    # 600 requests: the first 3 at once, the other 597 one interval apart
    assert last == pytest.approx(597 * 61 / 58)
    assert 600 / last * 60 == pytest.approx(lim.per_minute, rel=0.01)


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_memory_limiter_reads_and_writes_apart_and_accounts_apart() -> None:
    t = FakeTime()
    quotas = Quotas(account_reads=2, account_writes=2, project_reads=10_000,
                    project_writes=10_000, window=10.0, burst=1, margin=0.0)
    lim = MemoryLimiter(quotas, clock=t.clock, sleep=t.sleep)
    # reads of A: 2 per 10 s and no burst -> one every 5 s
    assert [lim.acquire(A, "read") for _ in range(3)] == [0.0, 5.0, 5.0]
    assert t.now == 10.0
    # A's writes and B's reads have buckets of their own: no wait (but the project's 1 ms)
    assert lim.acquire(A, "write") == 0.0
    assert lim.acquire(B, "read") == pytest.approx(0.0, abs=0.002)
    assert lim.granted == 5 and lim.waited == pytest.approx(10.0, abs=0.002)


def test_the_project_bucket_is_shared_by_its_accounts() -> None:
    t = FakeTime()
    quotas = Quotas(account_reads=100, project_reads=2, window=10.0, burst=1, margin=0.0)
    lim = MemoryLimiter(quotas, clock=t.clock, sleep=t.sleep)
    assert lim.reserve(A, "read") == 0.0
    assert lim.reserve(B, "read") == 5.0  # B's own bucket is full; the project's is not
    other = ServiceAccount("c@q.iam.gserviceaccount.com", "q")  # another project: its own
    assert lim.reserve(other, "read") == 0.0


def test_booking_too_far_ahead_fails_the_sync_with_a_clear_message() -> None:
    t = FakeTime()
    lim = MemoryLimiter(Quotas(account_reads=1, window=60.0, burst=1, margin=0.0),
                        max_wait=30.0, clock=t.clock, sleep=t.sleep)
    lim.acquire(A, "read")
    with pytest.raises(QuotaBusy, match="booked more than 30 s ahead") as e:
        lim.acquire(A, "read")
    assert e.value.code == "quota_exceeded"
    t.now = 60.0  # once the minute has passed it goes again
    assert lim.acquire(A, "read") == 0.0


def test_memory_limiter_spaces_threads_on_the_real_clock() -> None:
    # 20 per 1 s + 0.1 s margin, no burst: interval 0.055 s; 8 threads x 4 requests = 32 take
    # at least 31 intervals; the margin covers a thread that wakes late from its sleep
    lim = MemoryLimiter(Quotas(account_reads=20, project_reads=10_000, window=1.0, burst=1,
                               margin=0.1))
    stamps: list[float] = []
    guard = threading.Lock()

    def worker() -> None:
        for _ in range(4):
            lim.acquire(A, "read")
            with guard:
                stamps.append(time.monotonic())

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(stamps) == 32
    assert stamps[-1] - started >= 31 * 0.055 - 0.01
    stamps.sort()
    assert all(sum(1 for s in stamps if a <= s < a + 1.0) <= 20 for a in stamps)


def test_quota_ceiling() -> None:
    q = Quotas()
    # 5 accounts x 60 = 300 = the project's 300; 8 accounts are still capped at 300
    assert q.ceiling_per_minute("read", accounts=5) == 300
    assert q.ceiling_per_minute("write", accounts=8) == 300
    assert q.ceiling_per_minute("read", accounts=2) == 120
