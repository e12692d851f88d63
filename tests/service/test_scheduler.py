"""The scheduler: real APScheduler fed from the service's database, and the sweep that closes the
runs of dead processes (tests/reliability/test_scheduler_takeover.py runs it as processes)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect

from sheets_sync.app.store_ext import get_store, make_scheduler, start_scheduler
from sheets_sync.backends.xlsx import XlsxBackend
from sheets_sync.scheduler import AlreadyRunning, Runner, RunnerSettings, SyncScheduler
from sheets_sync.store import Store
from sheets_sync.store.models import Job, Run, utcnow
from tests.helpers import SlowXlsx, runs_of, wait_for
from tests.service.test_dashboard import sign_in


@pytest.fixture
def fast_config(config: dict[str, Any]) -> dict[str, Any]:
    return {**config, "SCHEDULER_RECONCILE_SECONDS": 0.2, "MAX_CONSECUTIVE_FAILURES": 2}


@pytest.fixture
def app(fast_config: dict[str, Any]) -> Iterator[Flask]:
    from sheets_sync.app import create_app

    app = create_app(fast_config)
    yield app
    get_store(app).dispose()


@pytest.fixture
def scheduler(app: Flask) -> Iterator[SyncScheduler]:
    """A scheduler as its own process would run it: not attached to the app."""
    sched = make_scheduler(app)
    yield sched
    sched.shutdown()


def new_job(client: FlaskClient, auth: dict[str, str], **fields: Any) -> dict[str, Any]:
    resp = client.post("/api/v1/jobs", json={"spreadsheet": "demo_ru.xlsx", **fields},
                       headers=auth)
    assert resp.status_code == 201, resp.get_json()
    job: dict[str, Any] = resp.get_json()
    return job


def test_a_one_second_interval_job_runs(app: Flask, client: FlaskClient, auth: dict[str, str],
                                        scheduler: SyncScheduler) -> None:
    job = new_job(client, auth, schedule={"interval_seconds": 1})
    scheduler.start()
    runs = wait_for(lambda: [r for r in runs_of(app, job["id"]) if r.status != "running"])
    assert runs[0].trigger == "schedule" and runs[0].status == "written", runs[0].error
    # APScheduler keeps its jobs in this process's memory: a shared job store is not supported
    assert [j.id for j in scheduler.aps.get_jobs()] == [f"sync-job-{job['id']}"]
    assert "apscheduler_jobs" not in inspect(get_store(app).engine).get_table_names()


def test_api_changes_reach_a_scheduler_in_another_process(
        app: Flask, client: FlaskClient, auth: dict[str, str], scheduler: SyncScheduler) -> None:
    scheduler.start()
    job = new_job(client, auth, schedule={"cron": "0 7 * * *", "timezone": "Europe/Moscow"})
    aps_id = f"sync-job-{job['id']}"
    first = wait_for(lambda: scheduler.aps.get_job(aps_id))
    assert first.misfire_grace_time == 300 and first.coalesce is True
    assert (first.next_run_time.hour, str(first.next_run_time.tzinfo)) == (7, "Europe/Moscow")

    client.patch(f"/api/v1/jobs/{job['id']}", json={"schedule": {"interval_seconds": 3600}},
                 headers=auth)
    wait_for(lambda: str(getattr(scheduler.aps.get_job(aps_id), "trigger", "")).startswith(
        "interval"))
    client.patch(f"/api/v1/jobs/{job['id']}", json={"enabled": False}, headers=auth)
    wait_for(lambda: scheduler.aps.get_job(aps_id) is None)
    client.patch(f"/api/v1/jobs/{job['id']}", json={"enabled": True}, headers=auth)
    wait_for(lambda: scheduler.aps.get_job(aps_id))
    client.delete(f"/api/v1/jobs/{job['id']}", headers=auth)
    wait_for(lambda: scheduler.aps.get_job(aps_id) is None)


def test_a_scheduler_in_the_same_process_applies_changes_at_once(
        app: Flask, client: FlaskClient, auth: dict[str, str]) -> None:
    sched = start_scheduler(app)
    try:
        job = new_job(client, auth, schedule={"interval_seconds": 600})
        assert sched.aps.get_job(f"sync-job-{job['id']}") is not None  # no waiting
        assert client.get("/healthz").get_json()["scheduler"] == "running"
    finally:
        sched.shutdown()


def test_every_process_computes_the_same_ticks(app: Flask, client: FlaskClient,
                                               auth: dict[str, str]) -> None:
    # The tick claim (ticks.py) runs a tick once only if every process fires the same ticks:
    # an interval counts from the job's creation, not from when a process saw the job.
    job = new_job(client, auth, schedule={"interval_seconds": 3600})
    aps_id = f"sync-job-{job['id']}"
    first = make_scheduler(app)
    first.start()
    when = first.aps.get_job(aps_id).next_run_time
    first.shutdown()
    time.sleep(1.1)
    second = make_scheduler(app)
    second.start()
    try:
        assert second.aps.get_job(aps_id).next_run_time == when
        api = client.get(f"/api/v1/jobs/{job['id']}", headers=auth).get_json()["next_run_at"]
        assert datetime.fromisoformat(api.replace("Z", "+00:00")) == when
    finally:
        second.shutdown()


def test_a_tick_missed_while_no_scheduler_ran_still_runs_once(
        app: Flask, client: FlaskClient, auth: dict[str, str], scheduler: SyncScheduler) -> None:
    # The last claimed tick is in the database, so a restarted process (memory job store)
    # knows that the tick of 60 s ago was missed: it runs it once (within the grace time).
    job = new_job(client, auth, schedule={"interval_seconds": 120})
    with get_store(app).session() as s:
        row = s.get(Job, job["id"])
        assert row is not None
        row.created_at = utcnow() - timedelta(seconds=180)  # ticks at -60 s and +60 s
        row.last_tick_at = row.updated_at = row.created_at  # the last run ended then
        s.commit()
    scheduler.start()
    runs = wait_for(lambda: [r for r in runs_of(app, job["id"]) if r.status != "running"])
    assert [r.trigger for r in runs] == ["schedule"]
    with get_store(app).session() as s:
        last = s.get(Job, job["id"]).last_tick_at  # type: ignore[union-attr]
    assert last is not None and abs((utcnow() - last).total_seconds() - 60) < 5
    assert scheduler.aps.get_job(f"sync-job-{job['id']}").next_run_time > utcnow()


def test_a_changed_schedule_starts_afresh(app: Flask, client: FlaskClient,
                                          auth: dict[str, str],
                                          scheduler: SyncScheduler) -> None:
    # A tick of the new schedule that fell before the change is not "missed": nothing runs.
    job = new_job(client, auth, schedule={"cron": "0 7 1 1 *"})
    with get_store(app).session() as s:
        row = s.get(Job, job["id"])
        assert row is not None
        row.created_at = row.updated_at = utcnow() - timedelta(seconds=180)
        s.commit()
    scheduler.start()
    client.patch(f"/api/v1/jobs/{job['id']}", json={"schedule": {"interval_seconds": 120}},
                 headers=auth)  # its grid has a tick 60 s ago, before the change
    aps_id = f"sync-job-{job['id']}"
    wait_for(lambda: str(getattr(scheduler.aps.get_job(aps_id), "trigger", "")).startswith(
        "interval"))
    assert scheduler.aps.get_job(aps_id).next_run_time > utcnow() + timedelta(seconds=50)
    time.sleep(0.5)
    assert runs_of(app, job["id"]) == []


def test_two_triggers_at_once_give_one_run(app: Flask, client: FlaskClient,
                                           auth: dict[str, str], books: Path,
                                           db_url: str) -> None:
    job = new_job(client, auth)
    entered, release = threading.Event(), threading.Event()
    settings = RunnerSettings(xlsx_root=books)
    # Two runners on two engines, as two processes would be: only the database is shared.
    slow = Runner(Store(db_url), settings,
                  backend_factory=lambda ref, xlsx_root: SlowXlsx(xlsx_root / ref, entered,
                                                                  release))
    other = Runner(Store(db_url), settings)
    results: list[Any] = []
    worker = threading.Thread(target=lambda: results.append(slow.run(job["id"], "schedule")))
    worker.start()
    assert entered.wait(10)
    with pytest.raises(AlreadyRunning):
        other.run(job["id"], "manual")
    resp = client.post(f"/api/v1/jobs/{job['id']}/run", headers=auth)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "already_running"
    release.set()
    worker.join(10)
    assert [r.status for r in results] == ["written"]
    assert [(r.trigger, r.status) for r in runs_of(app, job["id"])] == [("schedule", "written")]
    # the lock is free again
    assert other.run(job["id"], "manual").status == "unchanged"
    slow.store.dispose()
    other.store.dispose()


def test_a_run_left_running_by_a_dead_process_is_closed(app: Flask, client: FlaskClient,
                                                        auth: dict[str, str]) -> None:
    job = new_job(client, auth)
    with get_store(app).session() as s:
        s.add(Run(job_id=job["id"], trigger="schedule", status="running",
                  started_at=utcnow() - timedelta(hours=2), api_calls=0, retries=0,
                  cells_read=0, cells_written=0, problems=0))
        s.commit()
    run = client.post(f"/api/v1/jobs/{job['id']}/run", headers=auth).get_json()
    assert run["status"] == "written"
    dead = runs_of(app, job["id"])[0]
    assert (dead.status, dead.error_code) == ("failed", "interrupted")


def test_a_job_failing_n_times_is_paused(app: Flask, client: FlaskClient, auth: dict[str, str],
                                         token: str, scheduler: SyncScheduler) -> None:
    # MAX_CONSECUTIVE_FAILURES = 2 in this module's config
    job = new_job(client, auth, spreadsheet="gone.xlsx", schedule={"interval_seconds": 1})
    scheduler.start()
    wait_for(lambda: not client.get(f"/api/v1/jobs/{job['id']}",
                                    headers=auth).get_json()["enabled"])
    paused = client.get(f"/api/v1/jobs/{job['id']}", headers=auth).get_json()
    assert paused["consecutive_failures"] == 2
    assert paused["paused_reason"].startswith("Paused after 2 failed runs in a row")
    assert "gone.xlsx" in paused["paused_reason"]
    wait_for(lambda: scheduler.aps.get_job(f"sync-job-{job['id']}") is None, 3)
    time.sleep(1.2)  # more than the interval: a job still scheduled would run again
    assert [r.status for r in runs_of(app, job["id"])] == ["failed", "failed"]
    # the dashboard says why, on the list and on the job's page
    sign_in(client, token)
    assert "Paused after 2 failed runs" in client.get("/jobs").get_data(as_text=True)
    page = client.get(f"/jobs/{job['id']}").get_data(as_text=True)
    assert 'id="paused"' in page and "gone.xlsx" in page
    # resuming clears the reason and the count
    resumed = client.patch(f"/api/v1/jobs/{job['id']}", json={"enabled": True},
                           headers=auth).get_json()
    assert resumed["paused_reason"] is None and resumed["consecutive_failures"] == 0
    with get_store(app).session() as s:
        assert s.get(Job, job["id"]).enabled


def test_shutdown_while_a_run_pauses_its_job_does_not_hang(app: Flask, client: FlaskClient,
                                                           auth: dict[str, str],
                                                           books: Path) -> None:
    # APScheduler's shutdown holds its job store lock while it waits for running jobs; a job
    # that paused itself used to reconcile from inside the run and wait for that lock forever.
    job = new_job(client, auth, spreadsheet="gone.xlsx", schedule={"interval_seconds": 1})
    entered, release = threading.Event(), threading.Event()

    def blocking_factory(ref: str, xlsx_root: Path) -> XlsxBackend:
        entered.set()
        assert release.wait(10)
        return XlsxBackend(xlsx_root / ref)  # reading it fails: the file is gone

    store = get_store(app)
    sched = SyncScheduler(store, Runner(store, RunnerSettings(xlsx_root=books, max_failures=1),
                                        backend_factory=blocking_factory))
    sched.start()
    assert entered.wait(10)
    stopper = threading.Thread(target=sched.shutdown)
    stopper.start()
    time.sleep(0.2)  # shutdown is now waiting for the run
    release.set()
    stopper.join(10)
    assert not stopper.is_alive(), "shutdown hung"
    paused = client.get(f"/api/v1/jobs/{job['id']}", headers=auth).get_json()
    assert paused["enabled"] is False and paused["consecutive_failures"] == 1


def test_misfire_grace(app: Flask, client: FlaskClient, auth: dict[str, str],
                       scheduler: SyncScheduler) -> None:
    # MISFIRE_GRACE_SECONDS = 300: a run due 30 s ago (the scheduler was down) still happens,
    # once; one due 10 minutes ago is skipped until its next time.
    job = new_job(client, auth, schedule={"interval_seconds": 3600})
    scheduler.start()
    aps_id = f"sync-job-{job['id']}"
    scheduler.aps.modify_job(aps_id, next_run_time=utcnow() - timedelta(seconds=30))
    wait_for(lambda: [r for r in runs_of(app, job["id"]) if r.status != "running"])
    scheduler.aps.modify_job(aps_id, next_run_time=utcnow() - timedelta(minutes=10))
    wait_for(lambda: scheduler.aps.get_job(aps_id).next_run_time > utcnow())
    time.sleep(0.3)
    assert [r.trigger for r in runs_of(app, job["id"])] == ["schedule"]


def dead_run(app: Flask, job_id: int, *, lease_ago: float = 5.0) -> int:
    """A run left "running" by a process that stopped renewing its lease ``lease_ago`` s ago."""
    now = utcnow()
    with get_store(app).session() as s:
        run = Run(job_id=job_id, trigger="schedule", status="running",
                  started_at=now - timedelta(seconds=60), worker="gone:1",
                  lease_until=now - timedelta(seconds=lease_ago), api_calls=0, retries=0,
                  cells_read=0, cells_written=0, problems=0)
        s.add(run)
        s.commit()
        return run.id


def test_the_sweep_closes_dead_runs_and_counts_them_as_failures(
        app: Flask, client: FlaskClient, auth: dict[str, str],
        scheduler: SyncScheduler) -> None:
    # MAX_CONSECUTIVE_FAILURES = 2 in this module's config
    job = new_job(client, auth, schedule={"cron": "0 7 1 1 *"})
    other = new_job(client, auth)
    live = dead_run(app, other["id"], lease_ago=-30)  # its process is alive: lease ahead
    first = dead_run(app, job["id"])
    assert [(c.job_id, c.run_id, c.paused) for c in scheduler.sweep()] == [
        (job["id"], first, False)]
    closed = runs_of(app, job["id"])[0]
    assert (closed.status, closed.error_code) == ("failed", "interrupted")
    assert closed.error and "interrupted (its process stopped)" in closed.error
    assert closed.finished_at is not None
    got = client.get(f"/api/v1/jobs/{job['id']}", headers=auth).get_json()
    assert (got["consecutive_failures"], got["enabled"]) == (1, True)
    assert scheduler.sweep() == []  # closed once
    second = dead_run(app, job["id"])
    assert [(c.run_id, c.paused) for c in scheduler.sweep()] == [(second, True)]
    got = client.get(f"/api/v1/jobs/{job['id']}", headers=auth).get_json()
    assert (got["consecutive_failures"], got["enabled"]) == (2, False)
    assert got["paused_reason"].startswith("Paused after 2 failed runs in a row")
    assert "interrupted" in got["paused_reason"]
    assert [r.status for r in runs_of(app, other["id"]) if r.id == live] == ["running"]


def test_a_trigger_after_a_dead_run_counts_it_and_may_be_paused_by_it(
        app: Flask, client: FlaskClient, auth: dict[str, str], books: Path) -> None:
    job = new_job(client, auth)
    with get_store(app).session() as s:
        s.get(Job, job["id"]).consecutive_failures = 1  # type: ignore[union-attr]
        s.commit()
    dead_run(app, job["id"])
    runner = Runner(get_store(app), RunnerSettings(xlsx_root=books, max_failures=2))
    assert runner.run(job["id"], "schedule") is None  # the dead run paused the job first
    got = client.get(f"/api/v1/jobs/{job['id']}", headers=auth).get_json()
    assert (got["consecutive_failures"], got["enabled"]) == (2, False)
    assert [r.status for r in runs_of(app, job["id"])] == ["failed"]


def test_sweeps_racing_for_a_dead_run_count_it_once(app: Flask, client: FlaskClient,
                                                    auth: dict[str, str], db_url: str) -> None:
    from sheets_sync.scheduler.dead_runs import close_dead_runs

    jobs = [new_job(client, auth)["id"] for _ in range(3)]
    for job_id in jobs:
        dead_run(app, job_id)
    stores = [Store(db_url) for _ in range(4)]  # four processes' engines
    start = threading.Barrier(len(stores))
    closed: list[Any] = []

    def sweep(store: Store) -> None:
        start.wait()
        with store.session() as s:
            closed.extend(close_dead_runs(s, lock_ttl=timedelta(hours=1), max_failures=0))

    threads = [threading.Thread(target=sweep, args=(st,)) for st in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for st in stores:
        st.dispose()
    assert sorted(c.job_id for c in closed) == jobs
    with get_store(app).session() as s:
        assert [s.get(Job, j).consecutive_failures for j in jobs] == [1, 1, 1]  # type: ignore[union-attr]
