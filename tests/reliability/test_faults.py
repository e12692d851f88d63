"""Scheduled syncs under injected faults, at the read and at the write: 429 with Retry-After,
500, 503, timeouts (hang) and dropped connections, from the emulator over real HTTP.

Each sync is fired by the real scheduler (APScheduler -> run_scheduled -> Runner) against a
Google spreadsheet in the emulator, through gspread and the real retry code. Before each sync
the test changes an input cell (so the KPI tab must be rewritten) and injects a planned fault;
after it, with the faults cleared, it checks the invariants of the issue:

- the run's status is the one the plan predicts: a fault that fires fewer times than the retry
  policy's attempts is survived ("written"); one that outlasts them, or a Retry-After longer than
  the policy waits for, gives a "failed" run whose error_code names the cause;
- after a survived sync the KPI tab is complete and correct: equal, cell by cell, to the tab
  rendered independently from the input as it is now (the "Synced" time row aside);
- after a failed sync the KPI tab is exactly the previous one (every cell, the time included);
- no input cell ever changes: the input tab equals what the test last wrote;
- retries are bounded (at most ``ATTEMPTS`` requests per call), jittered (waits differ, each in
  [0, min(cap, base * 2**n)]), and a Retry-After of R seconds is waited for: R <= wait <= R+base.

The default run does 20 syncs; ``-m slow`` does 200 (figures in docs/reliability.md).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from funnel_kpi.api import analyse
from funnel_kpi.catalogue import pair
from sheets_emulator.testing import EmulatorProcess
from sheets_sync.app.store_ext import get_store
from sheets_sync.backends.base import values_hash
from sheets_sync.backends.google import GoogleBackend
from sheets_sync.google_client import make_client
from sheets_sync.render import render
from sheets_sync.retry import RetryPolicy
from sheets_sync.scheduler import Runner, RunnerSettings, SyncScheduler
from sheets_sync.store.models import Job, JobReport, Run, utcnow
from tests.helpers import wait_for
from tests.reliability.conftest import funnel_rows, save_figures

ATTEMPTS = 4
BASE, CAP, MAX_RETRY_AFTER = 0.5, 4.0, 30.0
READ_TIMEOUT = 0.5  # seconds; a "hang" fault holds the request longer than this
HANG_SECONDS = 1.5
SLEEP_SCALE = 0.02  # waits are recorded in full and slept at this fraction, to keep runs short
KINDS = ("429", "500", "503", "hang", "drop")
OUTPUTS = ("KPI", "Показатели")
UNFORMATTED = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"}


@dataclass(frozen=True)
class Plan:
    target: str | None  # "read", "write" or None (no fault)
    kind: str = ""
    count: int = 0
    retry_after: float | None = None

    @property
    def survives(self) -> bool:
        if self.target is None:
            return True
        if self.kind == "429" and self.retry_after is not None \
                and self.retry_after > MAX_RETRY_AFTER:
            return False  # not waited for: fails at once
        return self.count < ATTEMPTS

    @property
    def error_code(self) -> str | None:
        if self.survives:
            return None
        return "quota_exceeded" if self.kind == "429" else "unavailable"


def make_plan(rng: random.Random) -> Plan:
    if rng.random() < 0.1:
        return Plan(None)
    target = rng.choice(("read", "write"))
    kind = rng.choice(KINDS)
    count = rng.choice((1, 1, 2, 3, ATTEMPTS, ATTEMPTS + 2))
    retry_after = rng.choice((None, 1.0, 2.0, 120.0)) if kind == "429" else None
    return Plan(target, kind, count, retry_after)


@dataclass
class Recorder:
    """The retry policy's sleep: every wait recorded in full, slept at a fraction."""

    waits: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, seconds: float) -> None:
        with self.lock:
            self.waits.append(seconds)
        time.sleep(seconds * SLEEP_SCALE)

    def take(self) -> list[float]:
        with self.lock:
            out, self.waits = self.waits, []
        return out


def kpi_values(http: Any, sid: str, tab: str) -> list[list[Any]]:
    body = http.values_get(sid, f"'{tab}'", params=dict(UNFORMATTED))
    return [list(r) for r in body.get("values", [])]


def without_time(rows: list[list[Any]]) -> list[list[Any]]:
    synced = set(pair("synced"))  # the row that holds the sync time
    return [r[:1] if r and r[0] in synced else r for r in rows]


def expected_kpi_hash(backend: GoogleBackend, tab: str) -> str:
    """The KPI tab rendered independently from the input as it is now (no faults)."""
    snap = backend.read(OUTPUTS)
    report = analyse(snap.tabs, locale=snap.layout.locale).report
    grid = render(report, lang=snap.layout.lang, title=tab, synced_at=utcnow(),
                  source=snap.layout.title, input_hash=snap.input_hash)
    return values_hash(tab, without_time([list(r) for r in grid.rows]))


def check_waits(plan: Plan, waits: list[float]) -> None:
    if plan.kind == "429":
        hinted = 1.0 if plan.retry_after is None else plan.retry_after  # the emulator's default
        if hinted > MAX_RETRY_AFTER:
            assert waits == [], "a Retry-After beyond the policy's limit is not waited for"
        for w in waits:
            assert hinted <= w <= hinted + BASE, (plan, waits)
    else:
        for n, w in enumerate(waits):
            assert 0 <= w <= min(CAP, BASE * 2**n), (plan, waits)


def fault_campaign(app: Flask, client: FlaskClient, auth: dict[str, str],
                   emu: EmulatorProcess, syncs: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    rows = funnel_rows()
    sid = emu.create_from_values(f"Faults {seed}", {"Funnel": rows, "Notes": [["free text"]]})
    http = make_client({"SHEETS_EMULATOR_HOST": emu.host}).http_client
    recorder = Recorder()

    def factory(ref: str, *, xlsx_root: Path | None = None) -> GoogleBackend:
        c = make_client({"SHEETS_EMULATOR_HOST": emu.host}, timeout=(2.0, READ_TIMEOUT))
        policy = RetryPolicy(attempts=ATTEMPTS, base=BASE, cap=CAP,
                             max_retry_after=MAX_RETRY_AFTER, sleep=recorder)
        return GoogleBackend(c, ref, policy=policy)

    job = client.post("/api/v1/jobs", json={"spreadsheet": sid, "name": "faults",
                                            "schedule": {"interval_seconds": 3600}},
                      headers=auth).get_json()
    store = get_store(app)
    runner = Runner(store, RunnerSettings(max_failures=0), backend_factory=factory)
    sched = SyncScheduler(store, runner)
    sched.start()
    aps_id = f"sync-job-{job['id']}"
    wait_for(lambda: sched.aps.get_job(aps_id), 30)
    reference = GoogleBackend(make_client({"SHEETS_EMULATOR_HOST": emu.host}), sid)
    paths = {"read": f"/v4/spreadsheets/{sid}/values:batchGet",
             "write": f"/v4/spreadsheets/{sid}:batchUpdate"}
    figures: Counter[str] = Counter()
    first_waits: list[float] = []
    last_run = 0
    try:
        # A first, clean sync creates the KPI tab, so every faulted sync has a previous one.
        for i in range(syncs + 1):
            plan = Plan(None) if i == 0 else make_plan(rng)
            # Change one count (never a header), as a person editing the input would.
            r, c = rng.randrange(1, len(rows)), rng.randrange(1, 1 + len(rows[0]) - 3)
            rows[r][c] = int(rows[r][c]) + rng.randint(1, 9)
            http.values_update(sid, "'Funnel'!A1", params={"valueInputOption": "RAW"},
                               body={"values": rows})
            before_input = kpi_values(http, sid, "Funnel")
            before_kpi = kpi_values(http, sid, "KPI") if i else []
            emu.clear_log()
            if plan.target is not None:
                emu.inject_fault("GET" if plan.target == "read" else "POST",
                                 paths[plan.target], plan.kind, count=plan.count,
                                 retry_after=plan.retry_after, hang_seconds=HANG_SECONDS)
            sched.aps.modify_job(aps_id, next_run_time=utcnow())
            with store.session() as s:
                run: Run = wait_for(lambda s=s, after=last_run: s.scalar(
                    select(Run).where(Run.job_id == job["id"], Run.id > after,
                                      Run.status != "running").execution_options(
                        populate_existing=True)), timeout=60)
                report = s.get(JobReport, job["id"])
            last_run = run.id
            emu.clear_faults()
            waits = recorder.take()
            log = emu.request_log()

            expected = "written" if plan.survives else "failed"
            assert (run.trigger, run.status, run.error_code) == \
                ("schedule", expected, plan.error_code), (plan, run.error)
            if run.status == "failed":
                assert run.error and ("reading" in run.error or "writing" in run.error)
                assert kpi_values(http, sid, "KPI") == before_kpi, "the previous KPI tab changed"
                figures["failed_recorded"] += 1
            else:
                now_kpi = kpi_values(http, sid, "KPI")
                assert values_hash("KPI", without_time(now_kpi)) == \
                    expected_kpi_hash(reference, "KPI"), "the KPI tab is not the input's"
                assert report is not None and report.run_id == run.id
                figures["written_correct"] += 1
            assert kpi_values(http, sid, "Funnel") == before_input, "an input cell changed"
            assert kpi_values(http, sid, "Notes") == [["free text"]]
            # Bounded: never more than ATTEMPTS requests for one call.
            per_path = Counter(e["path"] for e in log)
            assert all(n <= ATTEMPTS for n in per_path.values()), per_path
            assert run.retries == len(waits) and run.retries <= 2 * (ATTEMPTS - 1)
            check_waits(plan, waits)
            if plan.kind in ("500", "503", "hang", "drop") and waits:
                first_waits.append(waits[0])
            if plan.target is not None:
                figures[f"fault_{plan.target}_{plan.kind}"] += 1
                fired = sum(1 for e in log if e.get("fault") or e.get("status") == 429)
                figures["faulty_responses"] += fired
            figures["retries"] += run.retries
    finally:
        sched.shutdown()
    # Jittered: the first waits after a 5xx, a timeout or a drop are spread, not one value.
    if len(first_waits) >= 3:
        assert len(set(first_waits)) == len(first_waits)
        assert max(first_waits) - min(first_waits) > 0.05
    with store.session() as s:
        assert s.scalar(select(Job).where(Job.id == job["id"])).enabled
    return {"syncs": syncs, "seed": seed, **dict(sorted(figures.items()))}


def test_twenty_scheduled_syncs_under_faults(app: Flask, client: FlaskClient,
                                             auth: dict[str, str], emu: EmulatorProcess) -> None:
    figures = fault_campaign(app, client, auth, emu, syncs=20, seed=20)
    assert figures["failed_recorded"] + figures["written_correct"] == 21


@pytest.mark.slow
def test_two_hundred_scheduled_syncs_under_faults(app: Flask, client: FlaskClient,
                                                  auth: dict[str, str],
                                                  emu: EmulatorProcess) -> None:
    started = time.monotonic()
    figures = fault_campaign(app, client, auth, emu, syncs=200, seed=200)
    figures["seconds"] = round(time.monotonic() - started, 1)
    save_figures("faults", figures)
    assert figures["failed_recorded"] + figures["written_correct"] == 201
