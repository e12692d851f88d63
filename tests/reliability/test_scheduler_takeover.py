"""Scheduler takeover, through the public command: `sheets-sync scheduler` processes that started
with no jobs pick up jobs added, changed and removed through the API (the app here, writing the
same database as a `sheets-sync serve` process would), and when the process running a slow sync
is killed (SIGKILL) the other one closes that run as interrupted, counts it as a failure and runs
the job's next tick. On SQLite, and on PostgreSQL when SHEETS_SYNC_TEST_POSTGRES_URL is set.

The default run uses short periods (reconcile 0.5 s, heartbeat 0.5 s: lease 1.5 s); the slow
proof repeats the kill with the default settings and saves its figures for docs/reliability.md:
``.venv/bin/pytest tests/reliability/test_scheduler_takeover.py -m slow -s``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sheets_emulator.testing import EmulatorProcess
from sheets_sync.app.store_ext import get_store
from sheets_sync.store.models import Job, Run, utcnow
from tests.helpers import runs_of, wait_for
from tests.reliability.conftest import save_figures
from tests.reliability.test_process_faults import Schedulers, google_job
from tests.service.conftest import db_url  # noqa: F401  (SQLite, and PostgreSQL when set)

FAST = {"SCHEDULER_RECONCILE_SECONDS": 0.5, "RUN_HEARTBEAT_SECONDS": 0.5}
SLACK = 3.0  # seconds for polling, process wake-ups and a busy shared machine


def bounds(reconcile: float, heartbeat: float) -> tuple[float, float]:
    """(pick-up, interrupted-marking) bounds of these settings, as the scheduler states them."""
    return reconcile, 3 * heartbeat + reconcile


@pytest.fixture
def config(db_url: str, books: Path, tmp_path: Path) -> dict[str, Any]:  # noqa: F811
    return {"TESTING": True, "DATABASE_URL": db_url, "XLSX_ROOT": str(books),
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "reliability-secret-key-0123456789"}


@pytest.fixture
def schedulers(config: dict[str, Any], emu: EmulatorProcess,
               tmp_path: Path) -> Iterator[Schedulers]:
    logs = tmp_path / "logs"
    logs.mkdir()
    s = Schedulers(config, emu, logs)
    s.env["PYTHONUNBUFFERED"] = "1"  # the "Scheduler running" line is printed, not logged
    yield s
    s.stop_all()
    emu.clear_faults()


def log_of(schedulers: Schedulers, index: int) -> str:
    return (schedulers.logs / f"scheduler-{index}.log").read_text("utf-8", "replace")


def start_ready(schedulers: Schedulers, count: int = 1,
                **settings: Any) -> list[tuple[int, Any]]:
    """``count`` new scheduler processes, once they say they run; their log indexes and
    processes."""
    started = [(len(schedulers.procs), schedulers.start(**settings)) for _ in range(count)]
    for index, _ in started:
        wait_for(lambda i=index: "Scheduler running" in log_of(schedulers, i), 60,
                 f"scheduler {index} started", interval=0.1)
    return started


def seen_by_all(schedulers: Schedulers, indexes: list[int], line: str, timeout: float) -> float:
    """Seconds until every listed process logged ``line``."""
    start = time.monotonic()
    wait_for(lambda: all(line in log_of(schedulers, i) for i in indexes), timeout,
             f"{line!r} in every scheduler's log\n{schedulers.output()}")
    return time.monotonic() - start


def job_row(app: Flask, job_id: int) -> Job:
    with get_store(app).session() as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job


def test_processes_started_with_no_jobs_follow_jobs_added_changed_and_removed(
        app: Flask, client: FlaskClient, auth: dict[str, str],
        schedulers: Schedulers) -> None:
    pickup, _ = bounds(0.5, 0.5)
    procs = [i for i, _ in start_ready(schedulers, 2, **FAST)]
    job = client.post("/api/v1/jobs", json={"spreadsheet": "demo_ru.xlsx", "schedule": {
        "cron": "0 7 1 1 *"}}, headers=auth).get_json()
    added = seen_by_all(schedulers, procs, f"job {job['id']} scheduled:", pickup + SLACK)

    changed_at = utcnow()
    client.patch(f"/api/v1/jobs/{job['id']}", json={"schedule": {"interval_seconds": 1}},
                 headers=auth)
    changed = seen_by_all(schedulers, procs, f"job {job['id']} rescheduled:", pickup + SLACK)
    first = wait_for(lambda: runs_of(app, job["id"]), pickup + 1 + SLACK,
                     "a run on the new schedule")[0]
    first_run = (first.started_at - changed_at).total_seconds()

    client.delete(f"/api/v1/jobs/{job['id']}", headers=auth)
    removed = seen_by_all(schedulers, procs, f"job {job['id']} unscheduled:", pickup + SLACK)
    time.sleep(1.5)  # past a tick: a process still holding the job would try to run it
    output = schedulers.output()
    assert f"job {job['id']} was deleted" not in output and "Traceback" not in output, output
    save_figures(f"takeover_pickup_{app.config['DATABASE_URL'].split(':')[0]}", {
        "added_seen_by_both_s": round(added, 2), "changed_seen_by_both_s": round(changed, 2),
        "first_run_started_after_change_s": round(first_run, 2), "removed_seen_by_both_s":
        round(removed, 2), "reconcile_seconds": 0.5})


def kill_the_runner(app: Flask, client: FlaskClient, auth: dict[str, str],
                    emu: EmulatorProcess, schedulers: Schedulers, job: dict[str, Any],
                    sid: str, timeout: float) -> dict[str, Any]:
    """Hold the job's next sync in the emulator, SIGKILL the process running it; the seconds
    until the run is closed as interrupted and until another process wrote the next run."""
    before = len(runs_of(app, job["id"]))
    emu.inject_fault("GET", f"/v4/spreadsheets/{sid}/values:batchGet", "hang", count=1,
                     hang_seconds=120)
    running = wait_for(lambda: [r for r in runs_of(app, job["id"])[before:]
                                if r.status == "running"], timeout, "a run in progress")[0]
    wait_for(lambda: any(e.get("fault") == "hang" for e in emu.request_log()), 10,
             "the read hanging")
    pid = int(running.worker.rsplit(":", 1)[1])
    victim = next(p for p in schedulers.procs if p.pid == pid)
    victim.kill()  # SIGKILL: no cleanup of any kind runs
    victim.wait(10)
    killed = time.monotonic()
    emu.clear_faults()

    def closed() -> Run | None:
        run = next(r for r in runs_of(app, job["id"]) if r.id == running.id)
        return run if run.status != "running" else None

    dead = wait_for(closed, timeout, f"the killed run closed\n{schedulers.output()}")
    interrupted = time.monotonic() - killed
    failures = job_row(app, job["id"]).consecutive_failures
    later = [r for r in runs_of(app, job["id"]) if r.id > running.id]
    assert (dead.status, dead.error_code) == ("failed", "interrupted")
    assert "interrupted (its process stopped)" in (dead.error or "")
    if not [r for r in later if r.status != "running"]:  # the next run has not reset it yet
        assert failures == 1  # the interrupted run counted as a failure of the job
    nxt = wait_for(lambda: [r for r in runs_of(app, job["id"])
                            if r.id > running.id and r.status != "running"], timeout,
                   f"a run after the killed one\n{schedulers.output()}")[0]
    next_run = time.monotonic() - killed
    assert nxt.status in ("written", "unchanged"), nxt.error  # unchanged after the first
    assert nxt.worker and int(nxt.worker.rsplit(":", 1)[1]) != pid
    assert job_row(app, job["id"]).consecutive_failures == 0
    return {"interrupted_after_kill_s": round(interrupted, 2),
            "next_run_after_kill_s": round(next_run, 2)}


def test_a_kill_9_of_the_process_running_a_slow_sync_is_taken_over(
        app: Flask, client: FlaskClient, auth: dict[str, str], emu: EmulatorProcess,
        schedulers: Schedulers) -> None:
    pickup, dead = bounds(0.5, 0.5)
    procs = [i for i, _ in start_ready(schedulers, 2, **FAST)]
    assert "marked interrupted within 2 s" in log_of(schedulers, procs[0])
    sid, job = google_job(client, auth, emu, interval=2)
    seen_by_all(schedulers, procs, f"job {job['id']} scheduled:", pickup + SLACK)
    figures = kill_the_runner(app, client, auth, emu, schedulers, job, sid, 30)
    assert figures["interrupted_after_kill_s"] <= dead + SLACK, figures
    assert figures["next_run_after_kill_s"] <= dead + 2 + SLACK, figures  # + an interval
    save_figures(f"takeover_kill_{app.config['DATABASE_URL'].split(':')[0]}", figures)


@pytest.mark.slow
def test_takeover_times_with_default_settings(app: Flask, client: FlaskClient,
                                              auth: dict[str, str], emu: EmulatorProcess,
                                              schedulers: Schedulers) -> None:
    # RUN_HEARTBEAT_SECONDS 10 (lease 30 s) and SCHEDULER_RECONCILE_SECONDS 5: the bounds are
    # 5 s to pick up a job and 35 s to mark a dead process's run interrupted. Each try: a job
    # added through the API is seen by every process, the one running the slow sync is
    # killed, the survivor takes over, and a new process (knowing no job) joins.
    tries = 5
    pickup, dead = bounds(5.0, 10.0)
    defaults = {"SCHEDULER_RECONCILE_SECONDS": 5.0}
    alive = start_ready(schedulers, 2, **defaults)
    sid, job = google_job(client, auth, emu, interval=2)
    picked: list[float] = []
    results = []
    for n in range(tries):
        other = client.post("/api/v1/jobs", json={"spreadsheet": f"later-{n}.xlsx", "schedule": {
            "cron": "0 7 1 1 *"}}, headers=auth).get_json()
        picked.append(seen_by_all(schedulers, [i for i, p in alive if p.poll() is None],
                                  f"job {other['id']} scheduled:", pickup + SLACK))
        results.append(kill_the_runner(app, client, auth, emu, schedulers, job, sid,
                                       dead + 2 + 2 * SLACK))
        alive = [(i, p) for i, p in alive if p.poll() is None]
        alive.extend(start_ready(schedulers, **defaults))

    def spread(values: list[float]) -> dict[str, float]:
        return {"min": round(min(values), 1), "median": round(statistics.median(values), 1),
                "max": round(max(values), 1)}

    interrupted = [r["interrupted_after_kill_s"] for r in results]
    after = [r["next_run_after_kill_s"] for r in results]
    save_figures(f"takeover_defaults_{app.config['DATABASE_URL'].split(':')[0]}", {
        "tries": tries, "bounds_s": {"pickup": pickup, "interrupted": dead},
        "pickup_s": spread(picked), "interrupted_after_kill_s": spread(interrupted),
        "next_run_after_kill_s": spread(after), "raw": results, "raw_pickup": picked})
    assert max(interrupted) <= dead + SLACK
    assert max(picked) <= pickup + SLACK
