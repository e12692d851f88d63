"""batchUpdate shares the rows of a big sheet with its working copy until a request changes
them: nothing a batch does may reach the stored book before the whole batch succeeded, and a
sheet the batch does not touch must not be copied at all."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from sheets_emulator import batch_update, cells
from sheets_emulator.errors import ApiError
from sheets_emulator.store import Spreadsheet, new_spreadsheet

INPUT = [["Deal", "Created", "Amount"], ["D1", 45000, 10.5], ["D2", 45001, ""], ["D3", 45002, 7]]


def _book() -> Spreadsheet:
    book = new_spreadsheet("t", "en_US", sheet_titles=("Deals", "KPI"))
    cells.write_block(book.sheets[0], 0, 0, INPUT, cells.RAW, "en_US")
    return book


def _kpi_write(book: Spreadsheet) -> dict[str, Any]:
    kpi = book.sheets[1].id
    return {"updateCells": {"range": {"sheetId": kpi}, "fields": "userEnteredValue",
                            "rows": [{"values": [{"userEnteredValue": {"numberValue": 1}}]}]}}


def _fail() -> dict[str, Any]:
    return {"deleteSheet": {"sheetId": 987654}}


def test_untouched_sheet_is_shared_not_copied() -> None:
    book = _book()
    work, _ = batch_update.run(book, {"requests": [_kpi_write(book)]})
    assert work.sheets[0].rows is book.sheets[0].rows
    assert work.sheets[1].rows is not book.sheets[1].rows
    assert work.sheets[1].rows == [[1]]


WRITES_TO_DEALS = [
    {"updateCells": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2},
                     "fields": "userEnteredValue",
                     "rows": [{"values": [{"userEnteredValue": {"stringValue": "X"}}]}]}},
    {"updateCells": {"start": {"rowIndex": 2}, "fields": "userEnteredValue",  # sheetId 0 implied
                     "rows": [{"values": [{"userEnteredValue": {"stringValue": "Y"}}]}]}},
    {"repeatCell": {"range": {"startRowIndex": 1, "endRowIndex": 3},
                    "cell": {"userEnteredValue": {"numberValue": 0}},
                    "fields": "userEnteredValue"}},
    {"insertDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1,
                                   "endIndex": 2}}},
    {"insertDimension": {"range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0,
                                   "endIndex": 1}}},
    {"deleteDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1,
                                   "endIndex": 2}}},
    {"deleteDimension": {"range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 2,
                                   "endIndex": 3}}},
    {"mergeCells": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 3,
                              "startColumnIndex": 0, "endColumnIndex": 2},
                    "mergeType": "MERGE_ALL"}},
    {"sortRange": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 4},
                   "sortSpecs": [{"dimensionIndex": 1, "sortOrder": "DESCENDING"}]}},
    {"copyPaste": {"source": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2},
                   "destination": {"sheetId": 0, "startRowIndex": 3, "endRowIndex": 4}}},
    {"cutPaste": {"source": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2},
                  "destination": {"sheetId": 0, "rowIndex": 5}}},
    {"appendCells": {"sheetId": 0, "fields": "userEnteredValue",
                     "rows": [{"values": [{"userEnteredValue": {"stringValue": "Z"}}]}]}},
]


@pytest.mark.parametrize("request_", WRITES_TO_DEALS, ids=lambda r: next(iter(r)))
def test_failed_batch_leaves_the_shared_rows_as_they_were(request_: dict[str, Any]) -> None:
    book = _book()
    before = copy.deepcopy(book.sheets[0].rows)
    with pytest.raises(ApiError):
        batch_update.run(book, {"requests": [_kpi_write(book), request_, _fail()]})
    assert book.sheets[0].rows == before


@pytest.mark.parametrize("request_", WRITES_TO_DEALS, ids=lambda r: next(iter(r)))
def test_successful_batch_changes_only_its_own_copy(request_: dict[str, Any]) -> None:
    book = _book()
    before = copy.deepcopy(book.sheets[0].rows)
    work, _ = batch_update.run(book, {"requests": [request_]})
    assert work.sheets[0].rows != before  # the request did change the sheet ...
    assert book.sheets[0].rows == before  # ... in the copy only
    assert work.sheets[0].rows is not book.sheets[0].rows


def test_formulas_across_sheets_see_the_batch() -> None:
    book = _book()
    cells.put(book.sheets[1], 0, 0, None, "=SUM(Deals!C2:C4)")
    from sheets_emulator import formulas

    formulas.recalc(book)
    assert book.sheets[1].rows[0][0] == 17.5
    work, _ = batch_update.run(book, {"requests": [WRITES_TO_DEALS[0]]})
    assert work.sheets[1].rows[0][0] == 7  # a range's cells beyond the data are cleared
    edit = {"updateCells": {"range": {"sheetId": 0, "startRowIndex": 3, "endRowIndex": 4,
                                      "startColumnIndex": 2, "endColumnIndex": 3},
                            "fields": "userEnteredValue",
                            "rows": [{"values": [{"userEnteredValue": {"numberValue": 2}}]}]}}
    work, _ = batch_update.run(book, {"requests": [edit]})
    assert work.sheets[1].rows[0][0] == 12.5
    assert book.sheets[1].rows[0][0] == 17.5
