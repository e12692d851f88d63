"""Each scheduler tick is claimed once in the database (scheduler/ticks.py), on SQLite and on
PostgreSQL, also when two processes' threads claim at the same moment."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sheets_sync.app.store_ext import get_store
from sheets_sync.scheduler.ticks import CLAIM_CAP, claim_tick, claim_window
from sheets_sync.scheduler.triggers import Schedule
from tests.service.test_scheduler import new_job

T0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
EVERY_MINUTE = Schedule(None, 60)


@pytest.mark.parametrize(("schedule", "window"), [
    (Schedule(None, 1), timedelta(seconds=0.5)),
    (EVERY_MINUTE, timedelta(seconds=30)),
    (Schedule("*/5 * * * *", None), timedelta(minutes=2.5)),
    (Schedule("0 7,8 * * *", None, "Europe/Moscow"), CLAIM_CAP),  # gaps of 1 h and 23 h
    (Schedule("0 7 * * 1-5", None), CLAIM_CAP),
])
def test_claim_window_is_half_the_shortest_gap_up_to_a_cap(schedule: Schedule,
                                                           window: timedelta) -> None:
    assert claim_window(schedule, T0) == window


def test_shortest_gap_of_a_cron_with_uneven_gaps() -> None:
    assert Schedule("0 7,8 * * *", None).shortest_gap(T0) == timedelta(hours=1)
    assert Schedule("30 9 * * 1", None).shortest_gap(T0) == timedelta(days=7)


def test_a_tick_is_claimed_once(app: Flask, client: FlaskClient, auth: dict[str, str]) -> None:
    job = new_job(client, auth, schedule={"interval_seconds": 60})
    store = get_store(app)
    assert claim_tick(store, job["id"], EVERY_MINUTE, T0)
    # the other process's fire of the same tick, a few milliseconds later
    assert not claim_tick(store, job["id"], EVERY_MINUTE, T0 + timedelta(milliseconds=15))
    assert not claim_tick(store, job["id"], EVERY_MINUTE, T0 + timedelta(seconds=29))
    # the next tick (late by a few seconds is fine)
    assert claim_tick(store, job["id"], EVERY_MINUTE, T0 + timedelta(seconds=58))
    assert not claim_tick(store, job["id"] + 1000, EVERY_MINUTE, T0)  # no such job


def test_threads_racing_for_one_tick_get_it_once(app: Flask, client: FlaskClient,
                                                 auth: dict[str, str]) -> None:
    jobs = [new_job(client, auth, schedule={"interval_seconds": 60})["id"] for _ in range(5)]
    store = get_store(app)
    for tick in range(4):
        now = T0 + timedelta(minutes=tick)
        won: list[int] = []
        start = threading.Barrier(4)

        def fire(job_id: int, now: datetime = now, start: threading.Barrier = start,
                 won: list[int] = won) -> None:
            start.wait()
            if claim_tick(store, job_id, EVERY_MINUTE, now):
                won.append(job_id)

        for job_id in jobs:
            threads = [threading.Thread(target=fire, args=(job_id,)) for _ in range(4)]
            start.reset()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        assert sorted(won) == jobs, f"tick {tick}"
