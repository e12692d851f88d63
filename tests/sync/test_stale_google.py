"""A user's edit that lands between a sync's read and its write: caught by the Drive version,
synced again once, and recorded as "stale" when the second write races too.

Against the emulator as a process, over HTTP; the edit is made by a second gspread client, from
a backend hook (inside ``write``, just before the batchUpdate) or from a thread editing at a
random moment of the sync.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sheets_emulator.testing import EmulatorProcess, running_emulator
from sheets_sync.backends.base import Snapshot, WriteResult
from sheets_sync.backends.google import GoogleBackend
from sheets_sync.google_client import make_client
from sheets_sync.grid import KpiGrid
from sheets_sync.job import SyncOptions, SyncOutcome, SyncState, run_sync
from sheets_sync.retry import RetryPolicy
from sheets_sync.scheduler.runner import Runner
from tests.reliability.conftest import funnel_rows, save_figures
from tests.service.test_dashboard import sign_in

TODAY = date(2025, 6, 15)
FIXED = datetime(2025, 6, 15, 9, 0, tzinfo=UTC)
FAST = RetryPolicy(attempts=4, base=0.01, cap=0.05, max_retry_after=2.0)
RACES = 10  # injected edits between read and write; the thread trial makes as many syncs


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    with running_emulator() as emu:
        yield emu


def new_book(emu: EmulatorProcess) -> str:
    return emu.create_from_values("stale", {"Funnel": funnel_rows(12), "Notes": [["a note"]]})


class EditingBackend(GoogleBackend):
    """Edits the input (through another client, over HTTP) right before its next ``edits``
    writes: a user typing while the sync computes."""

    def __init__(self, emu: EmulatorProcess, sid: str, edits: int, tab: str = "Funnel") -> None:
        super().__init__(make_client({"SHEETS_EMULATOR_HOST": emu.host}), sid, policy=FAST)
        self.user = make_client({"SHEETS_EMULATOR_HOST": emu.host}).open_by_key(sid)
        self.edits, self.tab = edits, tab
        self.typed: list[int] = []

    def write(self, grid: KpiGrid, snapshot: Snapshot) -> WriteResult:
        if self.edits > 0:
            self.edits -= 1
            value = random.randint(30_000, 90_000)
            self.user.worksheet(self.tab).update([[value]], "B2")
            self.typed.append(value)
        return super().write(grid, snapshot)


def sync(backend: GoogleBackend, state: SyncState | None = None) -> SyncOutcome:
    return run_sync(backend, SyncOptions(today=TODAY, tab_names=("Funnel",)), state,
                    now=lambda: FIXED)


def touch(emu: EmulatorProcess, sid: str) -> None:
    """An earlier edit, so that the next sync has something to write."""
    make_client({"SHEETS_EMULATOR_HOST": emu.host}).open_by_key(sid).worksheet("Funnel").update(
        [[random.randint(1_000, 9_000)]], "B3")


def current_input(emu: EmulatorProcess, sid: str) -> str:
    """The input hash of the spreadsheet as it is now (what a fresh sync would compute from)."""
    b = GoogleBackend(make_client({"SHEETS_EMULATOR_HOST": emu.host}), sid, policy=FAST)
    return b.read(("KPI",), None, ("Funnel",)).input_hash


def test_emulator_moves_the_drive_version_on_every_write(emulator: EmulatorProcess) -> None:
    sid = new_book(emulator)
    b = GoogleBackend(make_client({"SHEETS_EMULATOR_HOST": emulator.host}), sid, policy=FAST)
    before = int(b.revision())
    b.client.open_by_key(sid).worksheet("Funnel").update([[1]], "B2")
    assert int(b.revision()) == before + 1


def test_no_edit_no_rerun(emulator: EmulatorProcess) -> None:
    sid = new_book(emulator)
    first = sync(EditingBackend(emulator, sid, edits=0))
    assert first.status == "written" and first.api_calls == 5  # metadata, 2 Sheets, 2 Drive
    again = sync(EditingBackend(emulator, sid, edits=0), first.state)
    assert again.status == "unchanged" and again.api_calls == 2


def test_an_edit_between_read_and_write_is_caught_and_synced_again(
        emulator: EmulatorProcess) -> None:
    """Before the fix the sync wrote the KPI tab of the old input and said "written"."""
    sid = new_book(emulator)
    first = sync(EditingBackend(emulator, sid, edits=0))
    caught = fresh = 0
    state = first.state
    for _ in range(RACES):
        touch(emulator, sid)
        b = EditingBackend(emulator, sid, edits=1)
        out = sync(b, state)
        state = out.state
        assert b.typed, "the edit was made"
        # The first write raced the edit; the second read saw it and wrote a fresh KPI tab.
        assert out.status == "written"
        caught += out.api_calls == 8  # version, read, write, version; and all four again
        fresh += out.input_hash == current_input(emulator, sid)
    assert caught == fresh == RACES
    save_figures("stale_injected", {"races": RACES, "caught_and_synced_again": caught,
                                    "kpi_tab_fresh_after": fresh})


def test_an_edit_racing_both_writes_is_recorded_stale(emulator: EmulatorProcess) -> None:
    sid = new_book(emulator)
    first = sync(EditingBackend(emulator, sid, edits=0))
    touch(emulator, sid)
    b = EditingBackend(emulator, sid, edits=2)
    out = sync(b, first.state)
    assert out.status == "stale" and len(b.typed) == 2
    assert out.input_hash != current_input(emulator, sid)  # the tab shows the older input
    # The next sync sees the input that moved and writes it: no lasting staleness.
    after = sync(EditingBackend(emulator, sid, edits=0), out.state)
    assert after.status == "written" and after.input_hash == current_input(emulator, sid)


def test_an_edit_elsewhere_costs_a_read_not_a_stale_run(emulator: EmulatorProcess) -> None:
    """A change to a tab that is not an input moves the version too: the second read finds
    the same input, so the first write stands ("written", no second write)."""
    sid = new_book(emulator)
    first = sync(EditingBackend(emulator, sid, edits=0))
    touch(emulator, sid)
    b = EditingBackend(emulator, sid, edits=1, tab="Notes")
    out = sync(b, first.state)
    assert out.status == "written" and out.cells_written > 0
    assert out.api_calls == 4 + 2  # the first sync's four, then version and read


@pytest.fixture
def config(tmp_path: Path) -> dict[str, Any]:
    return {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "stale-test-secret-key-0123456789"}


def test_a_stale_run_is_recorded_and_shown(emulator: EmulatorProcess, app: Flask,
                                           client: FlaskClient, token: str,
                                           auth: dict[str, str]) -> None:
    from sheets_sync.app.store_ext import get_store

    sid = new_book(emulator)
    job = client.post("/api/v1/jobs", json={"spreadsheet": sid, "input_tabs": ["Funnel"]},
                      headers=auth).get_json()
    edits = iter([0, 2])  # a clean first run, then a user typing through both writes
    runner = Runner(get_store(app), backend_factory=lambda ref, xlsx_root=None: EditingBackend(
        emulator, ref, edits=next(edits)))
    assert runner.run(job["id"], "api").status == "written"  # type: ignore[union-attr]
    touch(emulator, sid)
    run = runner.run(job["id"], "api")
    assert run is not None and run.status == "stale" and run.error is None
    runs = client.get("/api/v1/runs?status=stale", headers=auth).get_json()["runs"]
    assert [r["id"] for r in runs] == [run.id]
    got = client.get(f"/api/v1/jobs/{job['id']}", headers=auth).get_json()
    assert got["last_run"]["status"] == "stale" and got["consecutive_failures"] == 0
    sign_in(client, token)
    page = client.get(f"/jobs/{job['id']}").get_data(as_text=True)
    assert "the KPI tab may be out of date" in page and 'class="status stale"' in page


def _positions(log: list[dict[str, Any]], sid: str) -> tuple[list[int], list[int], list[int]]:
    reads, writes, edits = [], [], []
    for i, r in enumerate(log):
        path = str(r.get("path", ""))
        if sid not in path:
            continue
        if path.endswith("values:batchGet"):
            reads.append(i)
        elif path.endswith(":batchUpdate"):
            writes.append(i)
        elif r.get("method") == "PUT":
            edits.append(i)
    return reads, writes, edits


def test_a_user_typing_at_random_moments(emulator: EmulatorProcess) -> None:
    """A thread edits at a random moment of each sync. Classified by the emulator's log, in the
    order the emulator served the requests: an edit between a read and the write after it is a
    race. Every race must end in a rerun (a second read after the write) or "stale"; a sync
    that says "written" must have written from a read no edit followed."""
    sid = new_book(emulator)
    state = sync(EditingBackend(emulator, sid, edits=0)).state
    user = make_client({"SHEETS_EMULATOR_HOST": emulator.host}).open_by_key(sid)
    rng = random.Random(7)
    races = caught = 0
    for _ in range(RACES):
        touch(emulator, sid)
        emulator.clear_log()
        delay = rng.uniform(0.0, 0.08)
        editor = threading.Thread(target=lambda d=delay: (
            time.sleep(d), user.worksheet("Funnel").update([[rng.randint(1, 10**6)]], "B2")))
        editor.start()
        out = sync(EditingBackend(emulator, sid, edits=0), state)
        editor.join()
        state = out.state
        reads, writes, edits = _positions(emulator.request_log(), sid)
        raced = any(reads[0] < e < writes[0] for e in edits) if writes else False
        races += raced
        if raced:
            caught += len(reads) > 1 or out.status == "stale"
        if out.status == "written" and writes:
            assert not any(reads[-1] < e < writes[-1] for e in edits), "a stale write passed"
    assert caught == races
    save_figures("stale_thread", {"syncs": RACES, "raced": races, "caught": caught})
