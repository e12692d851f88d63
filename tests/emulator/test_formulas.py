"""Formulas typed through USER_ENTERED: kept as formulas, computed for arithmetic and
SUM, AVERAGE, COUNT, MIN, MAX, IF over ranges; errors as Google shows them."""

from __future__ import annotations

import gspread
import pytest

from sheets_emulator.server import InProcessEmulator


@pytest.fixture
def ws(gc: gspread.Client) -> gspread.Worksheet:
    ws = gc.create("Formulas").sheet1
    # Leads 100, 80, 60 and a text cell; Paid 5, 4, 0
    ws.update([["Leads", "Paid"], [100, 5], [80, 4], [60, 0], ["n/a", ""]], "A1")
    return ws


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("=SUM(A2:A5)", 240),  # 100 + 80 + 60; text in a range is skipped
        ("=AVERAGE(A2:A4)", 80),  # 240 / 3
        ("=COUNT(A1:A5)", 3),  # numbers only
        ("=MIN(A2:A4)", 60),
        ("=MAX(B2:B4)", 5),
        ("=MAX(1,2,3)", 3),  # "1,2,3" in an en_US formula is three arguments
        ("=ROUND(2.345,2)", 2.35),  # half rounds away from zero
        ("=SUM(B2:B4)/SUM(A2:A4)", 0.0375),  # 9 / 240
        ("=IF(A2>A3, \"down\", \"up\")", "down"),
        ("=IF(SUM(B:B)>10, 1, 0)", 0),  # whole-column range: 9 > 10 is false
        ("=2^3+10%", 8.1),
        ("=-A2*2", -200),
        ("=\"n=\"&A2", "n=100"),
        ("=ROUND(1/3, 2)", 0.33),
        ("=A4/B4", "#DIV/0!"),  # 60 / 0
        ("=A5+1", "#VALUE!"),  # "n/a" + 1
        ("=FOO(1)", "#NAME?"),
        ("=SUM(1,", "#ERROR!"),
        ("=Nope!A1", "#REF!"),
    ],
)
def test_computed_values(ws: gspread.Worksheet, formula: str, expected: object) -> None:
    ws.update([[formula]], "D1", raw=False)
    assert ws.get("D1", value_render_option="UNFORMATTED_VALUE") == [[expected]]
    assert ws.get("D1", value_render_option="FORMULA") == [[formula]]


def test_recalculates_on_change(ws: gspread.Worksheet) -> None:
    ws.update([["=SUM(A2:A4)"]], "D1", raw=False)
    ws.update([[1000]], "A2")
    assert ws.acell("D1").value == "1140"  # 1000 + 80 + 60


def test_circular_reference(ws: gspread.Worksheet) -> None:
    ws.update([["=E1+1", "=D1+1"]], "D1", raw=False)
    assert ws.get("D1:E1") == [["#REF!", "#REF!"]]


def test_cross_sheet_reference(ws: gspread.Worksheet) -> None:
    kpi = ws.spreadsheet.add_worksheet("KPI", 10, 5)
    kpi.update([["=SUM(Sheet1!A2:A4)"]], "A1", raw=False)
    assert kpi.acell("A1").value == "240"


def test_ru_locale_semicolons(emu: InProcessEmulator, gc: gspread.Client) -> None:
    sh = gc.create("ru")
    emu.app.store.books[sh.id].props["locale"] = "ru_RU"
    ws = sh.sheet1
    ws.update([["1,5", "2,5", "=SUM(A1;B1)*1,5", "=ROUND(A1/3;2)"]], "A1", raw=False)
    # (1.5 + 2.5) * 1.5 = 6; 1.5 / 3 = 0.5
    assert ws.get("C1:D1", value_render_option="UNFORMATTED_VALUE") == [[6, 0.5]]
    assert ws.get("C1:D1") == [["6", "0,5"]]


def test_error_cell_in_grid_data(ws: gspread.Worksheet) -> None:
    ws.update([["=A4/B4"]], "D1", raw=False)
    meta = ws.spreadsheet.fetch_sheet_metadata({"includeGridData": "true", "ranges": "D1"})
    cell = meta["sheets"][0]["data"][0]["rowData"][0]["values"][0]
    assert cell["userEnteredValue"] == {"formulaValue": "=A4/B4"}
    assert cell["effectiveValue"]["errorValue"]["type"] == "DIVIDE_BY_ZERO"
    assert cell["formattedValue"] == "#DIV/0!"
