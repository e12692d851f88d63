"""Retries against real HTTP errors from the emulator: bounded, jittered, Retry-After honoured."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from gspread.exceptions import APIError

from sheets_emulator.testing import EmulatorProcess, running_emulator
from sheets_sync.google_client import make_client
from sheets_sync.retry import CallStats, RetryPolicy, call_with_retries


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorProcess]:
    with running_emulator() as e:
        yield e


def policy(waits: list[float], attempts: int = 4) -> RetryPolicy:
    return RetryPolicy(attempts=attempts, base=0.5, cap=4.0, max_retry_after=30.0,
                       sleep=waits.append, rng=random.Random(7))


def test_retry_after_is_honoured_with_jitter(emu: EmulatorProcess) -> None:
    sid = emu.create_from_values("r", {"A": [[1]]})
    client = make_client({"SHEETS_EMULATOR_HOST": emu.host})
    emu.inject_fault("GET", f"*{sid}/values/*", "429", count=2, retry_after=3)
    waits: list[float] = []
    stats = CallStats()
    got = call_with_retries(lambda: client.http_client.values_get(sid, "A!A1"), policy(waits),
                            stats)
    assert got["values"] == [["1"]]  # FORMATTED_VALUE, the API default
    assert stats.requests == 3 and stats.retries == 2
    assert all(3.0 <= w <= 3.5 for w in waits) and waits[0] != waits[1]


def test_retries_are_bounded_and_5xx_backoff_grows(emu: EmulatorProcess) -> None:
    sid = emu.create_from_values("r", {"A": [[1]]})
    client = make_client({"SHEETS_EMULATOR_HOST": emu.host})
    emu.inject_fault("GET", f"*{sid}/values/*", "503", count=10)
    waits: list[float] = []
    stats = CallStats()
    with pytest.raises(APIError) as err:
        call_with_retries(lambda: client.http_client.values_get(sid, "A!A1"), policy(waits),
                          stats)
    assert err.value.response.status_code == 503
    assert stats.requests == 4 and len(waits) == 3
    assert all(0 <= w <= min(4.0, 0.5 * 2**i) for i, w in enumerate(waits))
    emu.clear_faults()


def test_client_errors_are_not_retried(emu: EmulatorProcess) -> None:
    client = make_client({"SHEETS_EMULATOR_HOST": emu.host})
    waits: list[float] = []
    stats = CallStats()
    with pytest.raises(APIError):
        call_with_retries(lambda: client.http_client.values_get("no-such-id-123456", "A!A1"),
                          policy(waits), stats)
    assert stats.requests == 1 and waits == []
