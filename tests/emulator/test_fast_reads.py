"""The read fast path (rows encoded when written, answers cached per sheet) must give exactly the
JSON of the plain path, and never a stale answer after any kind of change."""

from __future__ import annotations

import json

import gspread
import pytest

from sheets_emulator import cells, values_api
from sheets_emulator.ranges import resolve
from sheets_emulator.store import new_spreadsheet

ROWS = [["id", "amount", None, "flag"], [], ["a", 1.5, None, True], ["b", 2 / 3],
        [None, None, "x"], ["c", 10**16, -0.25, False], [], []]


@pytest.mark.parametrize("locale", ["en_US", "ru_RU"])
@pytest.mark.parametrize("render", ["FORMATTED_VALUE", "UNFORMATTED_VALUE"])
@pytest.mark.parametrize("rng", ["Sheet1", "A1:D6", "B2:C", "A:B", "A3:Z5", "C9"])
def test_fast_path_equals_plain_path(locale: str, render: str, rng: str) -> None:
    book = new_spreadsheet("t", locale)
    sheet = book.sheets[0]
    cells.write_block(sheet, 0, 0, ROWS, cells.RAW, locale)
    cells.put(sheet, 3, 3, None, "=B4*2")  # a row with a formula takes the slow path
    sheet.extras[3][3]["fmt"] = {"numberFormat": {"type": "PERCENT", "pattern": "0%"}}
    from sheets_emulator import formulas

    formulas.recalc(book)
    opts = values_api.ReadOptions(render=render)
    target = resolve(book, rng)
    fast = json.loads(values_api._rows_body(book, target, opts))
    plain = values_api.value_range(book, target, opts)
    assert fast == plain


def test_cached_answers_follow_every_change(gc: gspread.Client) -> None:
    sh = gc.create("big")
    ws = sh.add_worksheet("Data", 6000, 10)
    ws.update([[f"r{i}c{j}" for j in range(10)] for i in range(6000)], "A1")
    assert ws.get("A1:J6000")[0][0] == "r0c0"  # big enough to be cached (> 256 KB)
    ws.update([["changed"]], "A1")
    assert ws.get("A1:J6000")[0][0] == "changed"
    ws.format("A1", {"numberFormat": {"type": "NUMBER"}})
    ws.update([[1234.5]], "A1")
    assert ws.get("A1:J6000")[0][0] == "1,234.50"
    ws.delete_rows(1)  # batchUpdate
    assert ws.get("A1:J5999")[0][0] == "r1c0"
    sh.update_locale("ru_RU")
    ws.update([[0.5]], "B1")
    assert ws.get("A1:J5999")[0][:2] == ["r1c0", "0,5"]
    ws.batch_clear(["A1:A2"])
    assert ws.get("A1:J5999", value_render_option="UNFORMATTED_VALUE")[0][:2] == ["", 0.5]
