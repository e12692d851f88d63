"""An .xlsx sync replaces only the KPI sheet's part, so the input tabs' formulas keep their
cached values and cells keep values openpyxl could not write: nothing changes for a reader that
does not calculate (calamine, i.e. the next sync). When openpyxl rewrote the whole file, both were
lost or refused."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from sheets_sync.backends.xlsx import XlsxBackend
from sheets_sync.job import SyncOptions, run_sync


def with_cached_values(path: Path, sheet_xml: str, values: dict[str, str]) -> None:
    """Give formula cells cached values, as Excel saves them (openpyxl cannot)."""
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    xml = files[sheet_xml].decode()
    for ref, v in values.items():
        # openpyxl writes an empty <v/>, or <v></v> when it writes with lxml
        xml = re.sub(rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)<v\s*(?:/>|></v>)',
                     rf"\g<1>\g<2><v>{v}</v>", xml)
    files[sheet_xml] = xml.encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, d in files.items():
            z.writestr(n, d)


def values(path: Path, tab: str) -> list[list[object]]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(tab).to_python()
    return [list(r) for r in rows]


def test_formulas_in_input_tabs_keep_their_values(tmp_path: Path) -> None:
    path = tmp_path / "formulas.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Funnel"
    ws.append(["Month", "Leads", "Meetings", "Paid"])
    for m in range(1, 7):
        ws.append([f"2024-{m:02d}-01", 200, f"=B{m + 1}/4", f"=C{m + 1}/5"])
    other = book.create_sheet("Notes")
    other.append(["text", '=IF(1,"yes","no")', "=1/0", "=TRUE()"])
    book.save(path)
    cached = {f"C{r}": "50" for r in range(2, 8)} | {f"D{r}": "10" for r in range(2, 8)}
    with_cached_values(path, "xl/worksheets/sheet1.xml", cached)
    with_cached_values(path, "xl/worksheets/sheet2.xml", {"B1": "yes", "C1": "#DIV/0!",
                                                          "D1": "1"})
    # the t= attributes Excel would write for text, error and boolean results
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    xml = files["xl/worksheets/sheet2.xml"].decode()
    xml = xml.replace('<c r="B1">', '<c r="B1" t="str">').replace(
        '<c r="C1">', '<c r="C1" t="e">').replace('<c r="D1">', '<c r="D1" t="b">')
    files["xl/worksheets/sheet2.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, d in files.items():
            z.writestr(n, d)
    funnel, notes = values(path, "Funnel"), values(path, "Notes")
    assert funnel[1][2:] == [50.0, 10.0] and notes[0][1] == "yes"

    first = run_sync(XlsxBackend(path), SyncOptions())
    assert first.status == "written"
    # paid/meetings = 10/50 = 0.2 in every month, read from the cached values
    stages = {s["key"]: s for s in first.report.to_dict()["periods"][0]["stages"]}
    assert stages["paid"]["step_conversion"] == pytest.approx(0.2)
    assert values(path, "Funnel") == funnel and values(path, "Notes") == notes
    ws = openpyxl.load_workbook(path)["Funnel"]
    assert ws["C2"].value == "=B2/4"  # the formula itself is kept too
    # the next sync reads the same numbers: nothing changed, nothing to write
    again = run_sync(XlsxBackend(path), SyncOptions(), first.state)
    assert again.status == "unchanged"


def test_a_value_openpyxl_cannot_write_is_kept_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "overflow.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Funnel"
    ws.append(["Month", "Leads", "Paid"])
    ws.append(["2024-01-01", 100, 10])
    ws.append(["2024-02-01", 100, 10])
    other = book.create_sheet("Other")
    other.append([1.0])
    book.save(path)
    # a number past the largest double: readers take it as -inf, openpyxl would write it as ""
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    files["xl/worksheets/sheet2.xml"] = files["xl/worksheets/sheet2.xml"].replace(
        b"<v>1</v>", b"<v>-1.797693134862316e+308</v>")
    with zipfile.ZipFile(path, "w") as z:
        for n, d in files.items():
            z.writestr(n, d)
    assert run_sync(XlsxBackend(path), SyncOptions()).status == "written"
    with zipfile.ZipFile(path) as z:
        assert z.read("xl/worksheets/sheet2.xml") == files["xl/worksheets/sheet2.xml"]
    assert not list(tmp_path.glob(".~sheets-sync-*"))  # no temporary file left behind
