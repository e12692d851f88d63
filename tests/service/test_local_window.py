"""The in-process moving window (sheets_sync/app/local_window.py) against limits' own
MovingWindowRateLimiter over MemoryStorage, and on a clock we move by hand."""

from __future__ import annotations

import threading

import pytest
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from sheets_sync.app import local_window
from sheets_sync.app.local_window import LocalMovingWindow


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_moving_window_by_hand() -> None:
    clock = Clock()
    w = LocalMovingWindow(clock)
    three = parse("3/minute")
    for t in (0.0, 10.0, 20.0):
        clock.now = 1000.0 + t
        assert w.hit(three, "token", "1")
    clock.now = 1030.0
    assert not w.hit(three, "token", "1")  # 3 hits in the last 60 s
    stats = w.get_window_stats(three, "token", "1")
    assert stats.reset_time == 1060.0 and stats.remaining == 0  # the hit at 1000 leaves at 1060
    assert w.hit(three, "token", "2")  # another key, another count
    clock.now = 1060.0
    assert not w.hit(three, "token", "1")  # limits counts a hit exactly 60 s old as inside
    clock.now = 1060.5
    assert w.hit(three, "token", "1")  # the hit at 1000 has left; the refused ones never counted
    assert not w.hit(three, "token", "1")
    stats = w.get_window_stats(three, "token", "1")
    assert stats.reset_time == 1070.0 and stats.remaining == 0
    clock.now = 2000.0
    stats = w.get_window_stats(three, "token", "1")
    assert stats.reset_time == 2060.0 and stats.remaining == 3


def test_the_same_answers_as_limits_memory_storage() -> None:
    ours, theirs = LocalMovingWindow(), MovingWindowRateLimiter(MemoryStorage())
    for text in ("5/minute", "2/second"):
        item = parse(text)
        seen = [(ours.hit(item, "a"), theirs.hit(item, "a")) for _ in range(8)]
        assert [o for o, _ in seen] == [t for _, t in seen] == [True] * item.amount + \
            [False] * (8 - item.amount)
        assert ours.get_window_stats(item, "a").remaining == \
            theirs.get_window_stats(item, "a").remaining == 0
        assert ours.get_window_stats(item, "b").remaining == \
            theirs.get_window_stats(item, "b").remaining == item.amount


def test_empty_windows_are_swept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_window, "SWEEP_EVERY", 10)
    clock = Clock()
    w = LocalMovingWindow(clock)
    one = parse("1/second")
    for n in range(9):
        w.hit(one, "failed-auth", f"10.0.0.{n}")
    assert w.keys() == 9
    clock.now += 1.5
    w.hit(one, "failed-auth", "10.0.0.99")  # the tenth hit sweeps the nine expired keys
    assert w.keys() == 1


def test_threads_never_count_past_the_limit() -> None:
    w = LocalMovingWindow()
    item = parse("1000/minute")
    allowed = [0] * 8

    def hammer(n: int) -> None:
        allowed[n] = sum(w.hit(item, "token", "1") for _ in range(500))

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(allowed) == 1000
