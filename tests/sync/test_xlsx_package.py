"""An .xlsx sync replaces only the KPI sheet's part (and the package files that name it): every
other part of the user's workbook keeps its bytes, and LibreOffice opens and recalculates it."""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from sheets_sync.backends.xlsx import XlsxBackend
from sheets_sync.errors import InputError
from sheets_sync.job import SyncOptions, SyncState, run_sync
from tests.sync.xlsx_books import FIXTURES, errors_in, libreoffice_sheets, parts, rich_book

TODAY = date(2026, 11, 23)
# The package files a sync may rewrite besides the KPI sheet's own parts.
NAMING_PARTS = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                "xl/styles.xml"}
KPI_OWN = re.compile(r"xl/(worksheets/(_rels/)?sheet\d+\.xml(\.rels)?|drawings/(_rels/)?"
                     r"(drawing|commentsDrawing)\d+\.(xml|vml)(\.rels)?|charts/chart\d+\.xml|"
                     r"comments/comment\d+\.xml)$")


def sync(path: Path, state: SyncState | None = None, **kw: object):
    opts = SyncOptions(today=TODAY, **kw)  # type: ignore[arg-type]
    return run_sync(XlsxBackend(path), opts, state,
                    now=lambda: datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


def assert_kept(before: dict[str, tuple[bytes, int]], after: dict[str, tuple[bytes, int]],
                kpi_part: str) -> None:
    """Every part but the KPI sheet's and the naming ones: same bytes, same compression, same
    order; whatever is new belongs to the KPI sheet."""
    changed = [n for n in before if n not in NAMING_PARTS and n != kpi_part
               and after.get(n) != before[n]]
    assert changed == []
    assert [n for n in after if n in before] == list(before)
    assert all(KPI_OWN.match(n) for n in after if n not in before), list(after)


def kpi_part(path: Path, title: str) -> str:
    from sheets_sync.backends.xlsx_package import Package, resolve

    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        rid = re.search(rf'<sheet [^>]*name="{title}"[^>]*r:id="([^"]+)"', book)
        if rid is None:
            rid = re.search(rf'<sheet [^>]*r:id="([^"]+)"[^>]*name="{title}"', book)
        assert rid is not None
        rel = next(r for r in Package(z).rels("xl/workbook.xml") if r.id == rid.group(1))
        assert rel.target is not None
        return resolve("", rel.target)


def test_charts_images_comments_validation_formats_names_survive(tmp_path: Path) -> None:
    path = rich_book(tmp_path / "rich.xlsx")
    before = parts(path)
    first = sync(path, tab_names=("Funnel",))
    assert first.status == "written"
    after = parts(path)
    assert_kept(before, after, kpi_part(path, "KPI"))
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["Funnel", "Charts", "KPI"]
    assert book.get_sheet_by_name("Funnel").to_python()[2][2] == 103.0  # a formula's value
    # the KPI tab is not selected with the user's tab (Excel would group them)
    assert b"tabSelected" not in after[kpi_part(path, "KPI")][0]

    sheets = libreoffice_sheets(path, tmp_path)
    assert set(sheets) == {"Funnel", "Charts", "KPI"}
    assert all(errors_in(rows) == [] for rows in sheets.values())
    assert sheets["Charts"][0][0] == "3536"  # =SUM(LeadsRange), recalculated
    assert sheets["Funnel"][1][2] == "100"  # =ROUND(B2/4,0)
    assert sheets["KPI"][0][0].startswith("Funnel")

    # Replacing the KPI tab leaves no trace of the old one: the same parts, and the package
    # files that name it unchanged (its styles are found, not added again)
    again = sync(path, first.state, force=True)
    assert again.status == "written"
    third = parts(path)
    assert list(third) == list(after)
    assert {n: third[n] for n in NAMING_PARTS} == {n: after[n] for n in NAMING_PARTS}


def test_a_pivot_table_made_by_libreoffice_survives(tmp_path: Path) -> None:
    path = tmp_path / "pivot.xlsx"
    shutil.copy(FIXTURES / "pivot.xlsx", path)
    before = parts(path)
    assert any(n.startswith("xl/pivotTables/") for n in before)
    assert sync(path, tab_names=("Funnel",)).status == "written"
    assert_kept(before, parts(path), kpi_part(path, "KPI"))
    sheets = libreoffice_sheets(path, tmp_path)
    assert set(sheets) == {"Funnel", "Charts", "Pivot", "KPI"}
    assert all(errors_in(rows) == [] for rows in sheets.values())
    pivot = [row for row in sheets["Pivot"] if row and row[0] == "2025-03"]
    assert pivot and pivot[0][1] == "32"  # Paid in March, from the pivot table


def test_an_xlsm_keeps_its_vba_project(tmp_path: Path) -> None:
    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 4  # a stand-in project
    path = rich_book(tmp_path / "macros.xlsm", vba=vba)
    before = parts(path)
    assert sync(path, tab_names=("Funnel",)).status == "written"
    after = parts(path)
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    assert after["xl/vbaProject.bin"][0] == vba
    assert_kept(before, after, kpi_part(path, "KPI"))
    types = after["[Content_Types].xml"][0].decode()
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
    assert "application/vnd.ms-office.vbaProject" in types


def test_namespace_prefixes_of_the_users_styles_are_kept(tmp_path: Path) -> None:
    """Excel declares prefixes that only mc:Ignorable names; losing one corrupts the file."""
    path = rich_book(tmp_path / "excel.xlsx")
    with zipfile.ZipFile(path) as z:
        files = [(i, z.read(i)) for i in z.infolist()]
    root = ('<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
            'mc:Ignorable="x14ac x16r2" '
            'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
            'xmlns:x16r2="http://schemas.microsoft.com/office/spreadsheetml/2015/02/main">')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in files:
            if info.filename == "xl/styles.xml":
                data = re.sub(rb"<styleSheet[^>]*>", root.encode(), data)
            z.writestr(info, data)
    assert sync(path, tab_names=("Funnel",)).status == "written"
    styles = parts(path)["xl/styles.xml"][0].decode()
    assert 'mc:Ignorable="x14ac x16r2"' in styles
    for prefix in ("mc", "x14ac", "x16r2"):
        assert f"xmlns:{prefix}=" in styles
    assert 'numFmtId="164"' in styles  # the user's own custom format is still there
    assert libreoffice_sheets(path, tmp_path)["KPI"][0][0].startswith("Funnel")


def test_a_tab_whose_name_differs_only_in_case_is_not_taken(tmp_path: Path) -> None:
    path = rich_book(tmp_path / "case.xlsx")
    import openpyxl

    book = openpyxl.load_workbook(path)
    book.create_sheet("kpi")["A1"] = "mine"
    book.save(path)
    before = path.read_bytes()
    with pytest.raises(InputError, match=r"'kpi'.*Excel takes for 'KPI'"):
        sync(path, tab_names=("Funnel",))
    assert path.read_bytes() == before


def test_a_calculation_chain_naming_the_old_kpi_tab_is_dropped(tmp_path: Path) -> None:
    """Excel keeps a chain of formula cells; one naming a cell the new KPI tab has not is a
    "repair" in Excel, so the chain goes (Excel rebuilds it) when the old tab had formulas."""
    path = rich_book(tmp_path / "chain.xlsx")
    first = sync(path, tab_names=("Funnel",))
    part = kpi_part(path, "KPI")
    with zipfile.ZipFile(path) as z:
        files = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in files:
            if info.filename == part:  # someone typed a formula into the KPI tab
                data = re.sub(rb'<c r="B2"[^>]*>.*?</c>', b'<c r="B2"><f>1+1</f><v>2</v></c>',
                              data, count=1, flags=re.DOTALL)
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", (
                    b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/calcChain" Target="calcChain.xml"/>'
                    b"</Relationships>"))
            elif info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", (
                    b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.'
                    b'openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>'))
            z.writestr(info, data)
        z.writestr("xl/calcChain.xml", b'<calcChain xmlns="http://schemas.openxmlformats.org/'
                   b'spreadsheetml/2006/main"><c r="B2" i="3"/></calcChain>')
    assert sync(path, first.state, force=True).status == "written"
    after = parts(path)
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"][0]
    assert b"calcChain" not in after["[Content_Types].xml"][0]
    assert libreoffice_sheets(path, tmp_path)["KPI"][0][0].startswith("Funnel")


def test_entities_in_the_users_xml_are_refused_with_the_file_untouched(tmp_path: Path) -> None:
    from sheets_sync.errors import SourceError

    path = rich_book(tmp_path / "bomb.xlsx")
    with zipfile.ZipFile(path) as z:
        files = [(i, z.read(i)) for i in z.infolist()]
    bomb = b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa">]>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in files:
            if info.filename == "xl/styles.xml":
                data = bomb + re.sub(rb"^<\?xml[^>]*\?>", b"", data.lstrip())
            z.writestr(info, data)
    before = path.read_bytes()
    with pytest.raises(SourceError, match=r"not well-formed XML.*nothing was written"):
        sync(path, tab_names=("Funnel",))
    assert path.read_bytes() == before
    assert not list(tmp_path.glob(".~sheets-sync-*"))
