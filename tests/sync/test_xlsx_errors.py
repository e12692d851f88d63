"""Excel error cells in an .xlsx are problems with their cell, as they are from Google.

calamine reads an error cell (``t="e"``) as a blank; the .xlsx reader puts its text back, so the
core's "formula_error" names each one and the report's status is "check".
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import openpyxl

from funnel_kpi.api import compute_report
from sheets_sync.backends.xlsx import XlsxBackend
from sheets_sync.render import DEFAULT_OUTPUT_TABS
from tests.conftest import REPO

ERRORS = ["#DIV/0!", "#N/A", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"]
TODAY = date(2025, 1, 15)


def book_with_errors(path: Path) -> Path:
    """A summary with an error in each of 7 months' Meetings (column C, rows 2-8) and a deal
    log with an error in 7 deals' Amount (column D, rows 2-8)."""
    wb = openpyxl.Workbook()
    summary = wb.active
    summary.title = "Funnel"
    summary.append(["Month", "Leads", "Meetings", "Paid"])
    for m in range(12):
        meetings: object = ERRORS[m] if m < len(ERRORS) else 40
        summary.append([date(2024, m + 1, 1), 100 + m, meetings, 10])
    deals = wb.create_sheet("Deals")
    deals.append(["Deal ID", "Created", "Status", "Amount"])
    for i in range(30):
        amount: object = ERRORS[i] if i < len(ERRORS) else 1000 + i
        deals.append([f"D{i:03d}", date(2024, 1, 1) + timedelta(days=7 * i),
                      "Won" if i % 3 == 0 else "Lost", amount])
    for ws in (summary, deals):
        for row in ws.iter_rows(min_row=2, max_row=8):
            assert any(c.data_type == "e" for c in row)  # stored as error cells, t="e"
    wb.save(path)
    return path


def test_error_cells_are_read_as_their_text(tmp_path: Path) -> None:
    snapshot = XlsxBackend(book_with_errors(tmp_path / "book.xlsx")).read(DEFAULT_OUTPUT_TABS)
    funnel, deals = snapshot.tabs
    assert [r[2] for r in funnel.rows[1:8]] == ERRORS  # were "" (blank) before
    assert [r[3] for r in deals.rows[1:8]] == ERRORS


def test_each_error_cell_is_a_formula_error_problem(tmp_path: Path) -> None:
    snapshot = XlsxBackend(book_with_errors(tmp_path / "book.xlsx")).read(DEFAULT_OUTPUT_TABS)
    report = compute_report(snapshot.tabs, locale=snapshot.layout.locale, today=TODAY)
    found = {(p.tab, p.cell, p.value, p.code) for p in report.problems}
    for i, error in enumerate(ERRORS):
        assert ("Funnel", f"C{i + 2}", error, "formula_error") in found, found
        assert ("Deals", f"D{i + 2}", error, "formula_error") in found, found
    assert report.status == "check"
    assert report.to_dict()["status"] == "check"


def test_the_cli_reports_them(tmp_path: Path) -> None:
    book = book_with_errors(tmp_path / "book.xlsx")
    done = subprocess.run([sys.executable, "-m", "sheets_sync", "compute", str(book),
                           "--format", "json", "--today", TODAY.isoformat()], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stderr[-2000:]  # "check": error cells were left out
    assert done.stdout.count('"formula_error"') >= 2 * len(ERRORS)
