"""spreadsheets.batchUpdate request kinds, replies, atomicity, field masks, formats."""

from __future__ import annotations

import gspread
import pytest

from .conftest import Raw

V4 = "/v4/spreadsheets"


def _new(gc: gspread.Client, title: str = "Book") -> gspread.Spreadsheet:
    return gc.create(title)


def _batch(raw: Raw, sid: str, *requests: dict, status: int = 200) -> dict:
    return raw.json("POST", f"{V4}/{sid}:batchUpdate", status, json={"requests": list(requests)})


def test_new_spreadsheet_shape(gc: gspread.Client, raw: Raw) -> None:
    sh = _new(gc)
    body = raw.json("GET", f"{V4}/{sh.id}")
    assert list(body) == ["spreadsheetId", "properties", "sheets", "spreadsheetUrl"]
    assert body["sheets"] == [{"properties": {
        "sheetId": 0, "title": "Sheet1", "index": 0, "sheetType": "GRID",
        "gridProperties": {"rowCount": 1000, "columnCount": 26}}}]
    props = body["properties"]
    assert (props["title"], props["locale"], props["autoRecalc"]) == ("Book", "en_US",
                                                                       "ON_CHANGE")
    assert {"timeZone", "defaultFormat", "spreadsheetTheme"} <= set(props)
    assert body["spreadsheetUrl"] == f"https://docs.google.com/spreadsheets/d/{sh.id}/edit"


def test_create_via_sheets_api(raw: Raw) -> None:
    body = raw.json("POST", V4, json={"properties": {"title": "Plan", "locale": "ru_RU"},
                                      "sheets": [{"properties": {"title": "Данные"}}]})
    assert body["properties"]["locale"] == "ru_RU"
    assert body["sheets"][0]["properties"]["title"] == "Данные"


def test_add_sheet_reply_and_default_reply(gc: gspread.Client, raw: Raw) -> None:
    sh = _new(gc)
    body = _batch(raw, sh.id, {"addSheet": {"properties": {"title": "KPI"}}},
                  {"updateSheetProperties": {"properties": {"sheetId": 0, "title": "Data"},
                                             "fields": "title"}})
    props = body["replies"][0]["addSheet"]["properties"]
    assert body["replies"][1] == {}
    assert props["title"] == "KPI" and props["index"] == 1 and 0 < props["sheetId"] < 2**31
    assert props["gridProperties"] == {"rowCount": 1000, "columnCount": 26}
    assert [w.title for w in sh.worksheets()] == ["Data", "KPI"]


def test_worksheets_through_gspread(gc: gspread.Client) -> None:
    sh = _new(gc)
    ws = sh.add_worksheet("Funnel", rows=50, cols=8, index=0)
    assert [w.title for w in sh.worksheets()] == ["Funnel", "Sheet1"]
    ws.update([["a"]], "A1")
    copy = sh.duplicate_sheet(ws.id, new_sheet_name="Funnel 2")
    assert copy.title == "Funnel 2" and copy.acell("A1").value == "a"
    ws.update_title("Воронка")
    ws.resize(rows=10, cols=3)
    ws.freeze(rows=1)
    sh.reorder_worksheets([sh.worksheet("Sheet1"), copy, ws])
    assert [w.title for w in sh.worksheets()] == ["Sheet1", "Funnel 2", "Воронка"]
    grid = sh.worksheet("Воронка")._properties["gridProperties"]
    assert grid == {"rowCount": 10, "columnCount": 3, "frozenRowCount": 1}
    sh.del_worksheet(copy)
    assert len(sh.worksheets()) == 2
    with pytest.raises(gspread.exceptions.WorksheetNotFound):
        sh.worksheet("Funnel 2")


def test_errors_are_prefixed_and_atomic(gc: gspread.Client, raw: Raw) -> None:
    sh = _new(gc)
    body = _batch(raw, sh.id, {"addSheet": {"properties": {"title": "New"}}},
                  {"updateSheetProperties": {"properties": {"sheetId": 0, "hidden": True},
                                             "fields": "hidden"}},
                  {"addSheet": {"properties": {"title": "Sheet1"}}}, status=400)
    assert body["error"]["message"] == ('Invalid requests[2].addSheet: A sheet with the name '
                                        '"Sheet1" already exists. Please enter another name.')
    # nothing of the batch was applied
    assert [w.title for w in sh.worksheets()] == ["Sheet1"]
    body = _batch(raw, sh.id, {"updateSheetProperties": {
        "properties": {"sheetId": 0, "hidden": True}, "fields": "hidden"}}, status=400)
    assert body["error"]["message"] == ("Invalid requests[0].updateSheetProperties: You can't "
                                        "hide all the sheets in a document.")
    body = _batch(raw, sh.id, {"deleteSheet": {"sheetId": 0}}, status=400)
    assert "You can't remove all the sheets in a document." in body["error"]["message"]
    body = _batch(raw, sh.id, {"fooBar": {}}, status=400)
    assert body["error"]["message"].startswith('Invalid JSON payload received. Unknown name '
                                               '"fooBar"')


def test_field_mask_changes_only_named_fields(gc: gspread.Client, raw: Raw) -> None:
    sh = _new(gc)
    _batch(raw, sh.id, {"updateSheetProperties": {
        "properties": {"sheetId": 0, "title": "Ignored", "gridProperties": {"rowCount": 5}},
        "fields": "gridProperties.rowCount"}})
    props = raw.json("GET", f"{V4}/{sh.id}", params={"fields": "sheets.properties"})
    assert props == {"sheets": [{"properties": {
        "sheetId": 0, "title": "Sheet1", "index": 0, "sheetType": "GRID",
        "gridProperties": {"rowCount": 5, "columnCount": 26}}}]}
    sh.update_title("Renamed")
    sh.update_timezone("Europe/Moscow")
    sh.update_locale("ru_RU")
    meta = sh.fetch_sheet_metadata({"fields": "properties(title,locale,timeZone)"})
    assert meta == {"properties": {"title": "Renamed", "locale": "ru_RU",
                                   "timeZone": "Europe/Moscow"}}


def test_bad_fields_mask(gc: gspread.Client, raw: Raw) -> None:
    sh = _new(gc)
    body = raw.json("GET", f"{V4}/{sh.id}", 400, params={"fields": "nope"})
    assert body["error"]["status"] == "INVALID_ARGUMENT"


def test_formats_drive_formatted_values(gc: gspread.Client) -> None:
    ws = _new(gc).sheet1
    ws.update([[1234.5, 0.256, 45306, -3]], "A1")
    ws.batch_format([
        {"range": "A1", "format": {"numberFormat": {"type": "NUMBER", "pattern": "#,##0.00"}}},
        {"range": "B1", "format": {"numberFormat": {"type": "PERCENT", "pattern": "0.0%"}}},
        {"range": "C1", "format": {"numberFormat": {"type": "DATE", "pattern": "dd.mm.yyyy"}}},
        {"range": "D1", "format": {"textFormat": {"bold": True}}},
    ])
    assert ws.get("A1:D1") == [["1,234.50", "25.6%", "15.01.2024", "-3"]]
    cell = ws.spreadsheet.fetch_sheet_metadata({"includeGridData": "true", "ranges": "A1"})
    data = cell["sheets"][0]["data"][0]["rowData"][0]["values"][0]
    assert data["userEnteredValue"] == {"numberValue": 1234.5}
    assert data["formattedValue"] == "1,234.50"
    assert data["userEnteredFormat"] == {"numberFormat": {"type": "NUMBER",
                                                          "pattern": "#,##0.00"}}


def test_named_and_protected_ranges(gc: gspread.Client, raw: Raw) -> None:
    sh = _new(gc)
    ws = sh.sheet1
    reply = ws.define_named_range("A1:B3", "Leads")
    named = reply["replies"][0]["addNamedRange"]["namedRange"]
    assert named["name"] == "Leads"
    # as Google answers: sheetId 0 is proto3's default, so it is left out
    assert named["range"] == {"startRowIndex": 0, "endRowIndex": 3,
                              "startColumnIndex": 0, "endColumnIndex": 2}
    _batch(raw, sh.id, {"updateNamedRange": {"namedRange": {
        "namedRangeId": named["namedRangeId"], "name": "Leads2"}, "fields": "name"}})
    assert [n["name"] for n in sh.list_named_ranges()] == ["Leads2"]
    ws.delete_named_range(named["namedRangeId"])
    assert sh.list_named_ranges() == []
    prot = ws.add_protected_range("A1:A2", warning_only=True)
    pid = prot["replies"][0]["addProtectedRange"]["protectedRange"]["protectedRangeId"]
    assert [p["protectedRangeId"] for p in sh.list_protected_ranges(0)] == [pid]
    ws.delete_protected_range(pid)
    assert sh.list_protected_ranges(0) == []


def test_dimensions(gc: gspread.Client) -> None:
    ws = _new(gc).sheet1
    ws.update([["a"], ["b"], ["=A1&A2"]], "A1", raw=False)
    ws.insert_rows([["new"]], row=1)  # insertDimension + append into the new row
    assert ws.col_values(1) == ["new", "a", "b", "ab"]
    # the formula followed its cells: =A1&A2 became =A2&A3
    assert ws.get("A4", value_render_option="FORMULA") == [["=A2&A3"]]
    ws.delete_rows(1)
    assert ws.col_values(1) == ["a", "b", "ab"]
    ws.add_cols(2)
    assert ws.spreadsheet.sheet1.col_count == 28
    ws.hide_columns(1, 2)
    ws.columns_auto_resize(0, 1)


def test_merges_filter_chart(gc: gspread.Client, raw: Raw) -> None:
    sh = _new(gc)
    ws = sh.sheet1
    ws.update([["h1", "h2"], [1, 2]], "A1")
    ws.merge_cells("A1:B1")
    ws.set_basic_filter("A1:B2")
    sheet = raw.json("GET", f"{V4}/{sh.id}")["sheets"][0]
    assert sheet["merges"] == [{"startRowIndex": 0, "endRowIndex": 1,  # no sheetId 0, as Google
                                "startColumnIndex": 0, "endColumnIndex": 2}]
    assert sheet["basicFilter"]["range"]["endRowIndex"] == 2
    assert ws.get("A1:B1") == [["h1"]]  # a merge keeps the top-left value
    ws.unmerge_cells("A1:B1")
    ws.clear_basic_filter()
    body = _batch(raw, sh.id, {"addChart": {"chart": {"spec": {"title": "Funnel"}, "position": {
        "overlayPosition": {"anchorCell": {"sheetId": 0, "rowIndex": 3}}}}}})
    assert body["replies"][0]["addChart"]["chart"]["spec"] == {"title": "Funnel"}
    sheet = raw.json("GET", f"{V4}/{sh.id}")["sheets"][0]
    assert "merges" not in sheet and "basicFilter" not in sheet and len(sheet["charts"]) == 1


def test_cells_kinds(gc: gspread.Client, raw: Raw) -> None:
    sh = _new(gc)
    ws = sh.sheet1
    _batch(raw, sh.id, {"updateCells": {
        "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 0},
        "rows": [{"values": [{"userEnteredValue": {"numberValue": 3}},
                             {"userEnteredValue": {"formulaValue": "=A1*10"}}]},
                 {"values": [{"userEnteredValue": {"numberValue": 1}},
                             {"userEnteredValue": {"stringValue": "x"}, "note": "hi"}]}],
        "fields": "userEnteredValue,note"}})
    assert ws.get("A1:B2", value_render_option="UNFORMATTED_VALUE") == [[3, 30], [1, "x"]]
    assert ws.get_note("B2") == "hi"
    _batch(raw, sh.id, {"appendCells": {"sheetId": 0, "rows": [
        {"values": [{"userEnteredValue": {"numberValue": 2}}]}], "fields": "userEnteredValue"}})
    assert ws.col_values(1) == ["3", "1", "2"]
    _batch(raw, sh.id, {"sortRange": {"range": {"sheetId": 0, "startRowIndex": 0,
                                                "endRowIndex": 3, "startColumnIndex": 0,
                                                "endColumnIndex": 1},
                                      "sortSpecs": [{"dimensionIndex": 0,
                                                     "sortOrder": "DESCENDING"}]}})
    assert ws.col_values(1) == ["3", "2", "1"]
    ws.copy_range("A1:A3", "D1:D3")
    ws.cut_range("D1:D3", "E5")
    assert ws.get("D1:E7", value_render_option="UNFORMATTED_VALUE") == [
        [], [], [], [], ["", 3], ["", 2], ["", 1]]
    _batch(raw, sh.id, {"repeatCell": {"range": {"sheetId": 0, "startRowIndex": 0,
                                                 "endRowIndex": 1, "startColumnIndex": 0,
                                                 "endColumnIndex": 2},
                                       "cell": {"userEnteredValue": {"stringValue": "z"}},
                                       "fields": "userEnteredValue"}})
    assert ws.get("A1:B1") == [["z", "z"]]


def test_copy_paste_shifts_relative_references(gc: gspread.Client, raw: Raw) -> None:
    sh = _new(gc)
    ws = sh.sheet1
    ws.update([[1, 2, "=A1+B1"], [3, 4]], "A1", raw=False)
    ws.copy_range("C1", "C2")
    assert ws.get("C2", value_render_option="FORMULA") == [["=A2+B2"]]
    assert ws.acell("C2").value == "7"  # 3 + 4


def test_cell_limit(gc: gspread.Client, raw: Raw) -> None:
    sh = _new(gc)  # 1000 x 26 = 26,000 cells already
    body = _batch(raw, sh.id, {"appendDimension": {"sheetId": 0, "dimension": "ROWS",
                                                    "length": 400_000}}, status=400)
    assert body["error"]["message"] == (
        "Invalid requests[0].appendDimension: This action would increase the number of cells in "
        "the workbook above the limit of 10000000 cells.")
    _batch(raw, sh.id, {"appendDimension": {"sheetId": 0, "dimension": "ROWS",
                                             "length": 100_000}})
    assert sh.sheet1.row_count == 101_000
