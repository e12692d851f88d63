"""Excel error cells in an .xlsx are problems with their cell, as they are from Google.

calamine reads an error cell (``t="e"``) as a blank; the .xlsx reader puts its text back, so the
core's "formula_error" names each one and the report's status is "check".
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from funnel_kpi.api import compute_report
from sheets_sync.backends.xlsx import XlsxBackend
from sheets_sync.backends.xlsx_bounds import check_book
from sheets_sync.errors import InputError
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


@pytest.mark.parametrize("part", ["xl/worksheets/Sheet1.xml", "xl/worksheets/sheet 1.xml"])
def test_a_sheet_part_named_otherwise_than_its_target_is_still_bounded(tmp_path: Path,
                                                                      part: str) -> None:
    """Part names compare without case (OPC) and rels targets are URL-quoted: the bounds
    check matched names exactly and took targets as written, so a sheet stored as
    ``Sheet1.xml`` (target ``sheet1.xml``) or ``sheet 1.xml`` (target ``sheet%201.xml``) was
    not checked at all, far cell and all."""
    plain = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Deals"
    wb.active["A1"] = "Deal ID"
    wb.active["XFD1048576"] = 1
    wb.save(plain)
    odd = tmp_path / "odd.xlsx"
    quoted = part.rsplit("/", 1)[1].replace(" ", "%20")
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(odd, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            name = part if item.filename == "xl/worksheets/sheet1.xml" else item.filename
            if item.filename == "xl/_rels/workbook.xml.rels" and " " in part:
                data = data.replace(b"sheet1.xml", quoted.encode())
            dst.writestr(name, data)
    with pytest.raises(InputError, match="XFD1048576"):
        check_book(str(odd), odd.name, ["Deals"])
