"""spreadsheets.values through gspread 6 and as exact JSON (SHEETS_API_FACTS.md, "Shapes")."""

from __future__ import annotations

import gspread
import pytest

from sheets_emulator.server import InProcessEmulator

from .conftest import Raw

V4 = "/v4/spreadsheets"


def _book(emu: InProcessEmulator, rows: list[list[object]], locale: str = "en_US",
          title: str = "Sheet1") -> str:
    from sheets_emulator.control import _create

    return str(_create(emu.app, {"title": "t", "sheets": {title: rows}, "locale": locale})[
        "spreadsheetId"])


def test_get_trims_and_echoes_range(emu: InProcessEmulator, raw: Raw) -> None:
    sid = _book(emu, [["a", "b", None], [], ["c", None, 3], [None]])
    body = raw.json("GET", f"{V4}/{sid}/values/Sheet1")
    # whole sheet -> whole grid in `range`; trailing empties dropped; inner empty row is []
    assert body == {"range": "Sheet1!A1:Z1000", "majorDimension": "ROWS",
                    "values": [["a", "b"], [], ["c", "", "3"]]}
    assert raw.json("GET", f"{V4}/{sid}/values/A1:B2") == {
        "range": "Sheet1!A1:B2", "majorDimension": "ROWS", "values": [["a", "b"]]}
    assert raw.json("GET", f"{V4}/{sid}/values/Sheet1!A2:C")["range"] == "Sheet1!A2:C1000"
    assert raw.json("GET", f"{V4}/{sid}/values/Sheet1!1:1")["range"] == "Sheet1!A1:Z1"
    # an all-empty range has no `values` key
    assert raw.json("GET", f"{V4}/{sid}/values/D5:E6") == {
        "range": "Sheet1!D5:E6", "majorDimension": "ROWS"}
    # clipped to the grid
    assert raw.json("GET", f"{V4}/{sid}/values/A1:AB2000")["range"] == "Sheet1!A1:Z1000"


def test_quoted_names_and_columns(emu: InProcessEmulator, raw: Raw) -> None:
    sid = _book(emu, [[1, 2], [3, 4]], title="My sheet")
    body = raw.json("GET", f"{V4}/{sid}/values/'My sheet'!A1:B2",
                    params={"majorDimension": "COLUMNS", "valueRenderOption": "UNFORMATTED_VALUE"})
    assert body == {"range": "'My sheet'!A1:B2", "majorDimension": "COLUMNS",
                    "values": [[1, 3], [2, 4]]}


def test_render_options(emu: InProcessEmulator, gc: gspread.Client) -> None:
    sid = _book(emu, [])
    ws = gc.open_by_key(sid).sheet1
    ws.update([[1.45, 1, "=A1*2", "2024-01-15", "true"]], "A1", raw=False)
    assert ws.get("A1:E1") == [["1.45", "1", "2.9", "2024-01-15", "TRUE"]]
    assert ws.get("A1:E1", value_render_option="UNFORMATTED_VALUE") == [
        [1.45, 1, 2.9, 45306, True]]
    assert ws.get("A1:E1", value_render_option="FORMULA") == [[1.45, 1, "=A1*2", 45306, True]]
    assert ws.get("D1", value_render_option="UNFORMATTED_VALUE",
                  date_time_render_option="FORMATTED_STRING") == [["2024-01-15"]]


def test_raw_keeps_text(emu: InProcessEmulator, gc: gspread.Client) -> None:
    ws = gc.open_by_key(_book(emu, [])).sheet1
    ws.update([["=1+2", "12%", "007"]], "A1")  # gspread's default is RAW
    assert ws.get("A1:C1", value_render_option="UNFORMATTED_VALUE") == [["=1+2", "12%", "007"]]


def test_ru_locale_formatting(emu: InProcessEmulator, gc: gspread.Client) -> None:
    sid = _book(emu, [], locale="ru_RU")
    sh = gc.open_by_key(sid)
    assert sh.locale == "ru_RU"
    ws = sh.sheet1
    ws.update([["1,5", "1 234,5", "15.01.2024", "12,5%"]], "A1", raw=False)
    ws.format("B1", {"numberFormat": {"type": "NUMBER", "pattern": "#,##0.0"}})
    assert ws.get("A1:D1") == [["1,5", "1\u00a0234,5", "15.01.2024", "12,50%"]]
    assert ws.get("A1:D1", value_render_option="UNFORMATTED_VALUE") == [[1.5, 1234.5, 45306,
                                                                          0.125]]


def test_update_reply_and_null_skips(emu: InProcessEmulator, raw: Raw) -> None:
    sid = _book(emu, [["x", "y", "z"]])
    body = raw.json("PUT", f"{V4}/{sid}/values/Sheet1!A1", params={"valueInputOption": "RAW"},
                    json={"values": [[None, "", "new"], [1, 2]]})
    assert body == {"spreadsheetId": sid, "updatedRange": "Sheet1!A1:C2", "updatedRows": 2,
                    "updatedColumns": 3, "updatedCells": 4}
    # null left A1 alone, "" cleared B1
    assert raw.json("GET", f"{V4}/{sid}/values/A1:C2")["values"] == [["x", "", "new"],
                                                                       ["1", "2"]]
    body = raw.json("PUT", f"{V4}/{sid}/values/A5", params={
        "valueInputOption": "USER_ENTERED", "includeValuesInResponse": "true"},
        json={"values": [["=2+3"]]})
    assert body["updatedData"] == {"range": "Sheet1!A5", "majorDimension": "ROWS",
                                   "values": [["5"]]}


def test_write_errors(emu: InProcessEmulator, raw: Raw, gc: gspread.Client) -> None:
    sid = _book(emu, [])
    url = f"{V4}/{sid}/values/Sheet1!Z1000"
    body = raw.json("PUT", url, 400, params={"valueInputOption": "RAW"},
                    json={"values": [[1, 2]]})
    assert body == {"error": {"code": 400, "status": "INVALID_ARGUMENT", "message":
                              "Range (Sheet1!Z1000:AA1000) exceeds grid limits. Max rows: 1000, "
                              "max columns: 26"}}
    body = raw.json("PUT", f"{V4}/{sid}/values/Sheet1!A3:L113", 400,
                    params={"valueInputOption": "RAW"}, json={"values": [list(range(13))]})
    assert body["error"]["message"] == ("Requested writing within range [Sheet1!A3:L113], but "
                                        "tried writing to column [M]")
    body = raw.json("PUT", f"{V4}/{sid}/values/A1", 400, params={"valueInputOption": "RAW"},
                    json={"values": ["X"]})
    assert body["error"]["message"] == ("Invalid value at 'data.values' "
                                        "(type.googleapis.com/google.protobuf.ListValue), \"X\"")
    assert body["error"]["details"][0]["@type"] == "type.googleapis.com/google.rpc.BadRequest"
    body = raw.json("GET", f"{V4}/{sid}/values/Sheet9!A1", 400)
    assert body["error"]["message"] == "Unable to parse range: Sheet9!A1"
    body = raw.json("PUT", f"{V4}/{sid}/values/A1", 400, json={"values": [[1]]})
    assert body["error"]["message"] == "'valueInputOption' is required but not specified"
    with pytest.raises(gspread.exceptions.APIError) as err:
        gc.open_by_key(sid).sheet1.get("Nope!A1")
    assert err.value.code == 400


def test_batch_get_and_batch_update(emu: InProcessEmulator, gc: gspread.Client,
                                    raw: Raw) -> None:
    sid = _book(emu, [])
    ws = gc.open_by_key(sid).sheet1
    res = ws.batch_update([{"range": "A1:B1", "values": [["Leads", "Paid"]]},
                           {"range": "A2", "values": [[10], [20]]}])
    assert res["totalUpdatedCells"] == 4 and res["totalUpdatedSheets"] == 1
    assert [r["updatedRange"] for r in res["responses"]] == ["Sheet1!A1:B1", "Sheet1!A2:A3"]
    got = ws.batch_get(["A1:B1", "A2:A3"], value_render_option="UNFORMATTED_VALUE")
    assert [list(v) for v in got] == [[["Leads", "Paid"]], [[10], [20]]]
    body = raw.json("GET", f"{V4}/{sid}/values:batchGet", params={"ranges": ["A1", "C9"]})
    assert body == {"spreadsheetId": sid, "valueRanges": [
        {"range": "Sheet1!A1", "majorDimension": "ROWS", "values": [["Leads"]]},
        {"range": "Sheet1!C9", "majorDimension": "ROWS"}]}
    # atomic: the bad second range leaves the first unwritten
    with pytest.raises(gspread.exceptions.APIError):
        ws.batch_update([{"range": "A1", "values": [["changed"]]},
                         {"range": "ZZ1", "values": [[1]]}])
    assert ws.acell("A1").value == "Leads"


def test_clear_and_batch_clear(emu: InProcessEmulator, gc: gspread.Client, raw: Raw) -> None:
    sid = _book(emu, [[1, 2, 3], [4, 5, 6]])
    ws = gc.open_by_key(sid).sheet1
    assert ws.batch_clear(["A1", "C1:C2"]) == {
        "spreadsheetId": sid, "clearedRanges": ["Sheet1!A1", "Sheet1!C1:C2"]}
    assert ws.get_all_values() == [["", "2"], ["4", "5"]]
    assert ws.clear() == {"spreadsheetId": sid, "clearedRange": "Sheet1!A1:Z1000"}
    assert ws.get_all_values() == [[]]  # gspread turns a missing `values` into [[]]


def test_append(emu: InProcessEmulator, gc: gspread.Client, raw: Raw) -> None:
    sid = _book(emu, [["Month", "Leads"], ["Jan", 10]])
    ws = gc.open_by_key(sid).sheet1
    res = ws.append_rows([["Feb", 20], ["Mar", 30]])
    assert res == {"spreadsheetId": sid, "tableRange": "Sheet1!A1:B2", "updates": {
        "spreadsheetId": sid, "updatedRange": "Sheet1!A3:B4", "updatedRows": 2,
        "updatedColumns": 2, "updatedCells": 4}}
    assert ws.col_values(1) == ["Month", "Jan", "Feb", "Mar"]
    # an empty sheet has no table: no tableRange, written at the range start
    sid2 = _book(emu, [])
    body = raw.json("POST", f"{V4}/{sid2}/values/Sheet1!B2:append",
                    params={"valueInputOption": "RAW"}, json={"values": [["x"]]})
    assert body == {"spreadsheetId": sid2, "updates": {
        "spreadsheetId": sid2, "updatedRange": "Sheet1!B2", "updatedRows": 1,
        "updatedColumns": 1, "updatedCells": 1}}


def test_append_grows_the_grid(emu: InProcessEmulator, gc: gspread.Client) -> None:
    sh = gc.open_by_key(_book(emu, []))
    ws = sh.add_worksheet("Small", rows=2, cols=2)
    ws.append_rows([["a", "b", "c"], ["d"], ["e"]])
    meta = sh.fetch_sheet_metadata()["sheets"][1]["properties"]["gridProperties"]
    assert meta == {"rowCount": 3, "columnCount": 3}
    assert ws.get_all_values() == [["a", "b", "c"], ["d", "", ""], ["e", "", ""]]


def test_named_range_reads(emu: InProcessEmulator, gc: gspread.Client) -> None:
    sh = gc.open_by_key(_book(emu, [["x", 1], ["y", 2]]))
    ws = sh.sheet1
    ws.define_named_range("A1:B2", "Funnel")
    assert [r["name"] for r in sh.list_named_ranges()] == ["Funnel"]
    assert ws.get("Funnel") == [["x", "1"], ["y", "2"]]
    cells = ws.range("Funnel")
    assert [(c.row, c.col, c.value) for c in cells][:2] == [(1, 1, "x"), (1, 2, "1")]


def test_unknown_json_field_and_fields_mask(emu: InProcessEmulator, raw: Raw) -> None:
    sid = _book(emu, [["a", "b"]])
    body = raw.json("PUT", f"{V4}/{sid}/values/A1", 400, params={"valueInputOption": "RAW"},
                    json={"values": [[1]], "vals": []})
    assert body["error"]["message"] == ('Invalid JSON payload received. Unknown name "vals": '
                                        "Cannot find field.")
    assert raw.json("GET", f"{V4}/{sid}/values/A1:B1", params={"fields": "values"}) == {
        "values": [["a", "b"]]}
