"""End to end through gspread and HTTP against the emulator started as a process."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from funnel_kpi.api import compute_report
from sheets_emulator.testing import EmulatorProcess
from sheets_sync.backends.google import GoogleBackend, spreadsheet_id
from sheets_sync.errors import InputError, NotShared, Unavailable
from sheets_sync.google_client import make_client
from sheets_sync.job import SyncOptions, SyncOutcome, SyncState, run_sync
from sheets_sync.retry import RetryPolicy

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
TODAY = date(2026, 11, 23)
FIXED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
FAST = RetryPolicy(attempts=4, base=0.01, cap=0.05, max_retry_after=2.0)


def find_id(emu: EmulatorProcess, title_part: str) -> str:
    for s in emu.spreadsheets():
        if title_part in s.get("title", "") or title_part in s.get("id", ""):
            return str(s["id"])
    raise AssertionError(f"no seeded spreadsheet like {title_part}: {emu.spreadsheets()}")


def copy_of(emu: EmulatorProcess, seed: str, locale: str) -> str:
    """A fresh spreadsheet with the seed's values, so tests do not see each other's writes."""
    client = make_client({"SHEETS_EMULATOR_HOST": emu.host})
    source = client.open_by_key(find_id(emu, seed))
    tabs = {ws.title: ws.get_values(value_render_option="UNFORMATTED_VALUE")
            for ws in source.worksheets()}
    return emu.create_from_values(f"copy of {seed}", tabs, locale=locale)


def backend(emu: EmulatorProcess, sid: str) -> GoogleBackend:
    return GoogleBackend(make_client({"SHEETS_EMULATOR_HOST": emu.host}), sid, policy=FAST)


def sync(emu: EmulatorProcess, sid: str, state: SyncState | None = None,
         **kw: object) -> SyncOutcome:
    return run_sync(backend(emu, sid), SyncOptions(today=TODAY, **kw),  # type: ignore[arg-type]
                    state, now=lambda: FIXED)


def input_hashes(emu: EmulatorProcess, sid: str) -> dict[str, str]:
    client = make_client({"SHEETS_EMULATOR_HOST": emu.host})
    book = client.open_by_key(sid)
    return {ws.title: hashlib.sha256(json.dumps(ws.get_values(
        value_render_option="FORMULA")).encode()).hexdigest()
        for ws in book.worksheets() if ws.title not in ("KPI", "Показатели")}


def kpi_values(emu: EmulatorProcess, sid: str, tab: str) -> list[list[object]]:
    client = make_client({"SHEETS_EMULATOR_HOST": emu.host})
    return client.open_by_key(sid).worksheet(tab).get_values(
        value_render_option="UNFORMATTED_VALUE")


def calls(emu: EmulatorProcess, sid: str) -> list[dict[str, object]]:
    return [r for r in emu.request_log() if sid in str(r.get("path", ""))]


def test_spreadsheet_refs() -> None:
    sid = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms"
    assert spreadsheet_id(sid) == sid
    assert spreadsheet_id(f"https://docs.google.com/spreadsheets/d/{sid}/edit#gid=0") == sid
    for bad in ("http://docs.google.com/spreadsheets/d/x", "https://evil.example/spreadsheets/d/"
                + sid, "file:///etc/passwd", "../../etc/passwd"):
        with pytest.raises(InputError):
            spreadsheet_id(bad)


@pytest.mark.parametrize(("seed", "locale", "tab", "label"), [
    ("demo_ru", "ru_RU", "Показатели", "Показатели воронки"),
    ("demo_en", "en_US", "KPI", "Funnel KPIs"),
])
def test_sync_writes_kpi_tab_matching_the_core(emulator: EmulatorProcess, seed: str, locale: str,
                                               tab: str, label: str) -> None:
    sid = copy_of(emulator, seed, locale)
    before = input_hashes(emulator, sid)
    emulator.clear_log()
    outcome = sync(emulator, sid)
    assert outcome.status == "written" and outcome.output_tab == tab
    # metadata, values:batchGet, batchUpdate; and the Drive version before and after
    assert len(calls(emulator, sid)) == outcome.api_calls <= 5
    assert input_hashes(emulator, sid) == before

    rows = kpi_values(emulator, sid, tab)
    assert str(rows[0][0]).startswith(label)
    b = backend(emulator, sid)
    snapshot = b.read((tab,))
    report = compute_report(snapshot.tabs, locale=locale, today=TODAY).to_dict()
    latest = [p for p in report["periods"] if not p["in_progress"]][-1]
    header = next(i for i, r in enumerate(rows) if r and r[0] in ("Стадия", "Stage"))
    for i, stage in enumerate(latest["stages"], start=header + 1):
        assert rows[i][1] == stage["count"]
        if stage["step_conversion"] is not None:
            assert rows[i][2] == pytest.approx(stage["step_conversion"], abs=1e-12)


def test_steady_state_costs_two_calls_and_unchanged_one(emulator: EmulatorProcess) -> None:
    """Sheets API calls: read + write, or the read alone; Drive (its own quota): the version
    before the read and, after a write, again (tests/sync/test_stale_google.py)."""
    sid = copy_of(emulator, "demo_ru", "ru_RU")
    first = sync(emulator, sid)
    client = make_client({"SHEETS_EMULATOR_HOST": emulator.host})
    client.open_by_key(sid).worksheet("Воронка").update([[999]], "B2")

    def sheets_and_drive() -> tuple[int, int]:
        log = calls(emulator, sid)
        drive = sum(1 for r in log if str(r["path"]).startswith("/drive/"))
        return len(log) - drive, drive

    emulator.clear_log()
    changed = sync(emulator, sid, first.state)
    assert changed.status == "written"
    assert sheets_and_drive() == (2, 2) and changed.api_calls == 4
    emulator.clear_log()
    same = sync(emulator, sid, changed.state)
    assert same.status == "unchanged"
    assert sheets_and_drive() == (1, 1) and same.api_calls == 2


def test_faults_end_with_new_tab_or_old_tab(emulator: EmulatorProcess) -> None:
    sid = copy_of(emulator, "demo_en", "en_US")
    first = sync(emulator, sid)
    old = kpi_values(emulator, sid, "KPI")

    emulator.inject_fault("GET", f"*{sid}/values:batchGet*", "429", count=1, retry_after=0)
    retried = sync(emulator, sid, first.state, force=True)
    assert retried.status == "written" and retried.retries == 1

    emulator.inject_fault("POST", f"*{sid}:batchUpdate*", "503", count=2)
    again = sync(emulator, sid, retried.state, force=True)
    assert again.status == "written" and again.retries == 2
    assert kpi_values(emulator, sid, "KPI") == old

    emulator.inject_fault("POST", f"*{sid}:batchUpdate*", "drop", count=10)
    with pytest.raises(Unavailable):
        sync(emulator, sid, again.state, force=True)
    assert kpi_values(emulator, sid, "KPI") == old

    emulator.unshare(sid)
    with pytest.raises(NotShared, match="Share"):
        sync(emulator, sid, again.state, force=True)


def test_kpi_tab_has_formats_note_protection_and_chart(emulator: EmulatorProcess) -> None:
    sid = copy_of(emulator, "demo_ru", "ru_RU")
    sync(emulator, sid)
    client = make_client({"SHEETS_EMULATOR_HOST": emulator.host})
    meta = client.http_client.fetch_sheet_metadata(sid, params={
        "includeGridData": "true", "ranges": "'Показатели'!A1:C12"})
    sheet = next(s for s in meta["sheets"] if s["properties"]["title"] == "Показатели")
    assert sheet["protectedRanges"][0]["warningOnly"] is True
    assert "sheets-sync" in sheet["protectedRanges"][0]["description"]
    assert len(sheet.get("charts", [])) == 1
    rows = sheet["data"][0]["rowData"]
    assert "sheets-sync" in rows[0]["values"][0]["note"]
    shown = client.open_by_key(sid).worksheet("Показатели").get_values("A1:C12")
    header = next(i for i, r in enumerate(shown) if r and r[0] == "Стадия")
    step = shown[header + 2][2]  # leads -> briefs, rendered by the sheet's ru_RU locale
    assert step.endswith("%") and "," in step, step


def test_text_that_looks_like_a_formula_stays_text(emulator: EmulatorProcess) -> None:
    sid = copy_of(emulator, "demo_en", "en_US")
    client = make_client({"SHEETS_EMULATOR_HOST": emulator.host})
    client.open_by_key(sid).worksheet("Funnel").update(
        [['=IMPORTXML("http://evil.example","//a")']], "C5", raw=True)
    outcome = sync(emulator, sid)
    assert outcome.problems >= 1
    formulas = client.open_by_key(sid).worksheet("KPI").get_values(value_render_option="FORMULA")
    texts = [c for r in formulas for c in r if "IMPORTXML" in str(c)]
    assert texts, "the bad value is listed among the problems"
    meta = client.http_client.fetch_sheet_metadata(sid, params={
        "includeGridData": "true", "ranges": "'KPI'"})
    entered = [v.get("userEnteredValue", {}) for row in meta["sheets"][0]["data"][0]["rowData"]
               for v in row.get("values", [])]
    imports = [e for e in entered if "IMPORTXML" in str(e)]
    assert imports and all("formulaValue" not in e for e in imports)


def test_remembered_layout_gone_stale_is_refreshed(emulator: EmulatorProcess) -> None:
    sid = copy_of(emulator, "demo_en", "en_US")
    first = sync(emulator, sid)
    client = make_client({"SHEETS_EMULATOR_HOST": emulator.host})
    chart = first.state.layout.output_charts[0]  # type: ignore[union-attr]
    client.http_client.batch_update(sid, {"requests": [
        {"deleteEmbeddedObject": {"objectId": chart}}]})  # a user deletes the chart
    client.open_by_key(sid).worksheet("Funnel").update([[777]], "B2")
    again = sync(emulator, sid, first.state)
    assert again.status == "written"
    meta = client.http_client.fetch_sheet_metadata(sid)
    kpi = next(s for s in meta["sheets"] if s["properties"]["title"] == "KPI")
    assert len(kpi.get("charts", [])) == 1


def test_a_read_that_writes_nothing_asks_drive_nothing(emulator: EmulatorProcess) -> None:
    """compute, inspect and plan read a Google sheet to report on it: the revision check is the
    sync's (it guards a write), so their read is the Sheets calls alone."""
    sid = copy_of(emulator, "demo_en", "en_US")
    emulator.clear_log()
    snapshot = backend(emulator, sid).read(("KPI",))
    assert snapshot.tabs
    log = calls(emulator, sid)
    assert not [r for r in log if str(r["path"]).startswith("/drive/")], log
    assert len(log) == 2  # metadata, values:batchGet
