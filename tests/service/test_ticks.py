"""Each scheduler tick is claimed once in the database (scheduler/ticks.py), on SQLite and on
PostgreSQL, also when threads claim it at the same moment; the executor tells each run the
scheduled time of its tick."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from flask.testing import FlaskClient

from sheets_sync.app.store_ext import get_store
from sheets_sync.scheduler.ticks import TickExecutor, claim_tick, current_tick
from tests.helpers import wait_for
from tests.service.test_scheduler import new_job

T0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def test_a_tick_is_claimed_once(app: Flask, client: FlaskClient, auth: dict[str, str]) -> None:
    job = new_job(client, auth, schedule={"interval_seconds": 60})["id"]
    store = get_store(app)
    assert claim_tick(store, job, T0)
    assert not claim_tick(store, job, T0)  # the other scheduler process, a moment later
    assert not claim_tick(store, job, T0 - timedelta(minutes=1))  # a late fire of an old tick
    assert claim_tick(store, job, T0 + timedelta(seconds=1))  # fired early by hand: its own
    assert claim_tick(store, job, T0 + timedelta(minutes=1))
    assert not claim_tick(store, job + 1000, T0)  # no such job


def test_threads_racing_for_one_tick_get_it_once(app: Flask, client: FlaskClient,
                                                 auth: dict[str, str]) -> None:
    jobs = [new_job(client, auth, schedule={"interval_seconds": 60})["id"] for _ in range(5)]
    store = get_store(app)
    for minute in range(4):
        tick = T0 + timedelta(minutes=minute)
        won: list[int] = []
        start = threading.Barrier(4)

        def fire(job_id: int, tick: datetime = tick, start: threading.Barrier = start,
                 won: list[int] = won) -> None:
            start.wait()
            if claim_tick(store, job_id, tick):
                won.append(job_id)

        for job_id in jobs:
            threads = [threading.Thread(target=fire, args=(job_id,)) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            start.reset()
        assert sorted(won) == jobs, f"tick {tick}"


def test_the_executor_tells_each_run_its_scheduled_time() -> None:
    seen: list[tuple[datetime | None, datetime]] = []
    aps = BackgroundScheduler(executors={"default": TickExecutor(1)}, timezone="UTC")
    aps.start()
    try:
        soon = datetime.now(UTC) + timedelta(milliseconds=300)
        times = [soon, soon + timedelta(milliseconds=200)]
        for when in times:  # one pool thread runs both: the second must not see the first's
            aps.add_job(lambda: seen.append((current_tick(), datetime.now(UTC))), "date",
                        run_date=when)
        wait_for(lambda: len(seen) == 2)
    finally:
        aps.shutdown()
    assert [tick for tick, _ in seen] == times
    assert all(ran_at >= tick for tick, ran_at in seen if tick is not None)
