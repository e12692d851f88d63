"""Process faults, through the public commands: `sheets-sync scheduler` killed (SIGKILL) in the
middle of a sync and started again; two `sheets-sync scheduler` processes on one database.

The sync is held in the middle by the emulator: its read hangs (an injected "hang" fault), so the
run row is "running" when the process dies, exactly as a crash during a slow Google call leaves it.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sheets_emulator.testing import EmulatorProcess
from sheets_sync.app.store_ext import get_store
from sheets_sync.store.models import Job, Run
from tests.conftest import REPO
from tests.helpers import runs_of, wait_for
from tests.reliability.conftest import funnel_rows, save_figures


class Schedulers:
    """`python -m sheets_sync scheduler` processes on the test's database."""

    def __init__(self, config: dict[str, Any], emu: EmulatorProcess, logs: Path) -> None:
        self.env = {**os.environ, "PYTHONPATH": str(REPO),
                    "SHEETS_SYNC_DATABASE_URL": config["DATABASE_URL"],
                    "SHEETS_SYNC_INSTANCE_PATH": config["INSTANCE_PATH"],
                    "SHEETS_SYNC_XLSX_ROOT": config["XLSX_ROOT"],
                    "SHEETS_SYNC_SCHEDULER_RECONCILE_SECONDS": "0.5",
                    "SHEETS_EMULATOR_HOST": emu.host}
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, **settings: Any) -> subprocess.Popen[bytes]:
        env = {**self.env, **{f"SHEETS_SYNC_{k}": str(v) for k, v in settings.items()}}
        log = open(self.logs / f"scheduler-{len(self.procs)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen([sys.executable, "-m", "sheets_sync", "scheduler"], cwd=REPO,
                                env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def output(self) -> str:
        return "\n".join(p.read_text("utf-8", "replace") for p in sorted(self.logs.glob("*.log")))


@pytest.fixture
def schedulers(config: dict[str, Any], emu: EmulatorProcess,
               tmp_path: Path) -> Iterator[Schedulers]:
    s = Schedulers(config, emu, tmp_path)
    yield s
    s.stop_all()
    emu.clear_faults()


def google_job(client: FlaskClient, auth: dict[str, str], emu: EmulatorProcess,
               interval: int) -> tuple[str, dict[str, Any]]:
    sid = emu.create_from_values("Process faults", {"Funnel": funnel_rows()})
    job = client.post("/api/v1/jobs", json={"spreadsheet": sid, "schedule": {
        "interval_seconds": interval}}, headers=auth).get_json()
    return sid, job


def kill_mid_sync(app: Flask, client: FlaskClient, auth: dict[str, str], emu: EmulatorProcess,
                  schedulers: Schedulers, timeout: float, **settings: Any) -> list[Run]:
    """Kill a scheduler during a sync, start another; the job's runs once one after the
    killed one has finished (or after ``timeout`` seconds)."""
    sid, job = google_job(client, auth, emu, interval=2)
    emu.inject_fault("GET", f"/v4/spreadsheets/{sid}/values:batchGet", "hang", count=1,
                     hang_seconds=40)
    first = schedulers.start(**settings)
    wait_for(lambda: [r for r in runs_of(app, job["id"]) if r.status == "running"], 30,
             "a run in progress")
    wait_for(lambda: any(e.get("fault") == "hang" for e in emu.request_log()), 10,
             "the read hanging")
    first.kill()  # SIGKILL: no cleanup of any kind runs
    first.wait(10)
    emu.clear_faults()
    schedulers.start(**settings)
    with contextlib.suppress(AssertionError):  # the caller's assertions say what happened
        wait_for(lambda: any(r.status == "written" for r in runs_of(app, job["id"])[1:]),
                 timeout, "a run after the killed one written")
    return runs_of(app, job["id"])


def check_interrupted_then_written(runs: list[Run], output: str) -> None:
    assert (runs[0].status, runs[0].error_code) == ("failed", "interrupted"), output
    assert "interrupted" in (runs[0].error or "")
    later = [r.status for r in runs[1:]]
    assert later and later[0] == "written" and "failed" not in later, later


def test_a_killed_scheduler_run_is_interrupted_and_the_next_succeeds(
        app: Flask, client: FlaskClient, auth: dict[str, str], emu: EmulatorProcess,
        schedulers: Schedulers) -> None:
    # The run lock's time-to-live set short, as an operator may for short syncs: the killed
    # run is closed by the first trigger after 5 s whatever else the runner knows.
    runs = kill_mid_sync(app, client, auth, emu, schedulers, 30, RUN_LOCK_TTL_SECONDS=5)
    check_interrupted_then_written(runs, schedulers.output())


@pytest.mark.slow
def test_with_default_settings_the_next_run_after_a_kill_succeeds(
        app: Flask, client: FlaskClient, auth: dict[str, str], emu: EmulatorProcess,
        schedulers: Schedulers) -> None:
    # Default settings: the killed run must be recognised by its lapsed lease (heartbeat), not
    # by the one-hour lock time-to-live, or the job would skip every trigger for an hour.
    started = time.monotonic()
    runs = kill_mid_sync(app, client, auth, emu, schedulers, 90)
    check_interrupted_then_written(runs, schedulers.output())
    save_figures("kill_mid_sync", {"recovered_after_seconds": round(
        time.monotonic() - started, 1), "runs": [(r.status, r.error_code) for r in runs]})


def two_schedulers(app: Flask, client: FlaskClient, auth: dict[str, str],
                   emu: EmulatorProcess, schedulers: Schedulers,
                   seconds: float) -> tuple[list[Run], int]:
    """Two scheduler processes, a job every second, for ``seconds``; the runs and the most
    "running" rows of the job seen at once (sampled every 10 ms: the job lock)."""
    _, job = google_job(client, auth, emu, interval=1)
    schedulers.start()
    schedulers.start()
    # the clock starts at the first run: starting a process took 12 s on a busy machine
    wait_for(lambda: runs_of(app, job["id"]), 60, "a first run")
    most = 0
    deadline = time.monotonic() + seconds
    with get_store(app).session() as s:
        while time.monotonic() < deadline:
            running = s.scalar(select(func.count()).select_from(Run).where(
                Run.job_id == job["id"], Run.status == "running"))
            most = max(most, int(running or 0))
            s.rollback()  # a fresh snapshot next time
            time.sleep(0.01)
    schedulers.stop_all()
    return runs_of(app, job["id"]), most


def duplicate_ticks(app: Flask, runs: list[Run], interval: float = 1.0) -> int:
    """Runs of a tick already run: each run belongs to the last tick at or before its start
    (the job's ticks are created_at + k x interval, scheduler/triggers.py). Start times alone
    cannot say it: a tick fired late (a busy machine, a scheduler still starting) and the next
    one fired on time start well under an interval apart, and each is its own tick."""
    if not runs:
        return 0
    with get_store(app).session() as s:
        job = s.get(Job, runs[0].job_id)
        assert job is not None
        anchor = job.created_at
    ticks = [math.floor((r.started_at - anchor).total_seconds() / interval) for r in runs]
    return len(ticks) - len(set(ticks))


def test_two_schedulers_never_run_one_job_at_once(app: Flask, client: FlaskClient,
                                                  auth: dict[str, str], emu: EmulatorProcess,
                                                  schedulers: Schedulers) -> None:
    runs, most = two_schedulers(app, client, auth, emu, schedulers, 16)
    assert len(runs) >= 8, schedulers.output()
    assert all(r.status in ("written", "unchanged") for r in runs), [r.error for r in runs]
    assert most == 1  # the job lock held: never two runs of the job at the same moment
    assert duplicate_ticks(app, runs) == 0, [(r.id, f"{r.started_at:%S.%f}") for r in runs]


@pytest.mark.slow
def test_two_schedulers_run_each_tick_once(app: Flask, client: FlaskClient,
                                           auth: dict[str, str], emu: EmulatorProcess,
                                           schedulers: Schedulers) -> None:
    runs, most = two_schedulers(app, client, auth, emu, schedulers, 60)
    dups = duplicate_ticks(app, runs)
    save_figures("two_schedulers", {"seconds": 60, "runs": len(runs), "ticks_run_twice": dups,
                                    "most_running_at_once": most})
    assert most == 1
    assert dups == 0, [(r.id, f"{r.started_at:%S.%f}", r.status) for r in runs]
