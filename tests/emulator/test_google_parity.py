"""Answers that differed from Google's recorded ones (see test_replay.py), one behaviour each."""

from __future__ import annotations

from typing import Any

from .conftest import Raw

V4 = "/v4/spreadsheets"
OWNER = "emulator@sheets-emulator.iam.gserviceaccount.com"


def _book(raw: Raw) -> str:
    return str(raw.json("POST", V4, json={"properties": {"title": "Parity"}})["spreadsheetId"])


def _batch(raw: Raw, sid: str, *requests: dict[str, Any], status: int = 200) -> Any:
    return raw.json("POST", f"{V4}/{sid}:batchUpdate", status, json={"requests": list(requests)})


def _sheet(raw: Raw, sid: str, index: int = 0) -> Any:
    return raw.json("GET", f"{V4}/{sid}")["sheets"][index]


def test_grid_ranges_leave_out_sheet_id_zero(raw: Raw) -> None:
    sid = _book(raw)
    other = _batch(raw, sid, {"addSheet": {"properties": {"title": "Two"}}})
    other_id = other["replies"][0]["addSheet"]["properties"]["sheetId"]
    body = _batch(raw, sid, *({"addNamedRange": {"namedRange": {
        "name": name, "range": {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": 2}}}}
        for name, sheet_id in (("First", 0), ("Second", other_id))))
    first, second = (r["addNamedRange"]["namedRange"]["range"] for r in body["replies"])
    assert body["replies"][0]["addNamedRange"]["namedRange"]["namedRangeId"].isdigit()
    assert first == {"startRowIndex": 0, "endRowIndex": 2}
    assert second == {"sheetId": other_id, "startRowIndex": 0, "endRowIndex": 2}
    _batch(raw, sid, {"mergeCells": {"range": {"sheetId": 0, "startRowIndex": 0,
                                               "endRowIndex": 1, "startColumnIndex": 0,
                                               "endColumnIndex": 2}}})
    assert _sheet(raw, sid)["merges"] == [{"startRowIndex": 0, "endRowIndex": 1,
                                           "startColumnIndex": 0, "endColumnIndex": 2}]


def test_protected_range_leaves_out_defaults_and_lists_the_owner(raw: Raw) -> None:
    sid = _book(raw)
    rng = {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 2}
    body = _batch(raw, sid, {"addProtectedRange": {"protectedRange": {
        "range": rng, "description": None, "warningOnly": False,
        "requestingUserCanEdit": False, "editors": {"users": [], "groups": []}}}})
    reply = body["replies"][0]["addProtectedRange"]["protectedRange"]
    assert set(reply) == {"protectedRangeId", "range", "requestingUserCanEdit", "editors"}
    assert (reply["range"], reply["requestingUserCanEdit"], reply["editors"]) == (
        {"startRowIndex": 0, "endRowIndex": 2}, True, {})
    listed = _sheet(raw, sid)["protectedRanges"][0]
    assert listed["editors"] == {"users": [OWNER]}
    # warning-only ranges have editors too (recorded)
    body = _batch(raw, sid, {"addProtectedRange": {"protectedRange": {
        "range": rng, "warningOnly": True, "editors": None}}})
    reply = body["replies"][0]["addProtectedRange"]["protectedRange"]
    assert (reply["warningOnly"], reply["editors"]) == (True, {})
    assert _sheet(raw, sid)["protectedRanges"][1]["editors"] == {"users": [OWNER]}


def test_dimension_groups_nest_by_depth(raw: Raw) -> None:
    sid = _book(raw)

    def group(request: str, start: int, end: int) -> Any:
        body = _batch(raw, sid, {request: {"range": {
            "sheetId": 0, "dimension": "COLUMNS", "startIndex": start, "endIndex": end}}})
        return body["replies"][0][request]

    def g(start: int, end: int, depth: int) -> dict[str, Any]:
        return {"range": {"dimension": "COLUMNS", "startIndex": start, "endIndex": end},
                "depth": depth}

    # Google's documented examples: [C:D] + [B:E] -> B:E depth 1, C:D depth 2
    assert group("addDimensionGroup", 2, 4) == {"dimensionGroups": [g(2, 4, 1)]}
    assert group("addDimensionGroup", 1, 5) == {"dimensionGroups": [g(1, 5, 1), g(2, 4, 2)]}
    sheet = _sheet(raw, sid)
    assert sheet["columnGroups"] == [g(1, 5, 1), g(2, 4, 2)]
    assert sheet["properties"]["gridProperties"]["columnGroupControlAfter"] is True
    # deleting D:E leaves B:D depth 1 and C:C depth 2
    assert group("deleteDimensionGroup", 3, 5) == {"dimensionGroups": [g(1, 4, 1), g(2, 3, 2)]}
    _batch(raw, sid, {"insertDimension": {"range": {
        "sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1}}})
    assert _sheet(raw, sid)["columnGroups"] == [g(2, 5, 1), g(3, 4, 2)]
    group("deleteDimensionGroup", 0, 26)
    assert group("deleteDimensionGroup", 0, 26) == {}  # proto3 drops the empty list
    sheet = _sheet(raw, sid)
    assert "columnGroups" not in sheet
    assert sheet["properties"]["gridProperties"]["columnGroupControlAfter"] is True
    _batch(raw, sid, {"deleteDimensionGroup": {"range": {
        "sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 3}}}, status=400)


def test_merging_over_whole_merges_replaces_them(raw: Raw) -> None:
    sid = _book(raw)
    rng = {"startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 2}
    _batch(raw, sid, {"mergeCells": {"mergeType": "MERGE_ROWS", "range": rng}})
    _batch(raw, sid, {"mergeCells": {"mergeType": "MERGE_ALL", "range": rng}})
    assert _sheet(raw, sid)["merges"] == [rng]
    crossing = {"startRowIndex": 1, "endRowIndex": 3, "startColumnIndex": 0, "endColumnIndex": 2}
    body = _batch(raw, sid, {"mergeCells": {"mergeType": "MERGE_ALL", "range": crossing}},
                  status=400)
    assert "overlap an existing merge" in body["error"]["message"]


def test_append_table_range_is_the_contiguous_run(raw: Raw) -> None:
    sid = _book(raw)
    row = [["a", "", "c"]]
    raw.json("PUT", f"{V4}/{sid}/values/Sheet1!A1?valueInputOption=RAW", json={"values": row})
    body = raw.json("POST", f"{V4}/{sid}/values/Sheet1!A1:append?valueInputOption=RAW",
                    json={"values": row})
    assert body["tableRange"] == "Sheet1!A1"
    assert body["updates"]["updatedRange"] == "Sheet1!A2:C2"


def test_values_batch_update_totals_count_rows_and_columns_once(raw: Raw) -> None:
    sid = _book(raw)
    body = raw.json("POST", f"{V4}/{sid}/values:batchUpdate", json={
        "valueInputOption": "RAW", "data": [
            {"range": "Sheet1!A1:D1", "values": [["a", "b", "", "d"]]},
            {"range": "Sheet1!A4:D4", "values": [["a", "b", "", "d"]]},
            {"range": "Sheet1!F4", "values": [["f"]]}]})
    assert (body["totalUpdatedRows"], body["totalUpdatedColumns"],
            body["totalUpdatedCells"]) == (2, 5, 9)


def test_sort_range_past_the_grid_is_clipped(raw: Raw) -> None:
    sid = _book(raw)
    _batch(raw, sid, {"updateSheetProperties": {"properties": {
        "sheetId": 0, "gridProperties": {"rowCount": 3, "columnCount": 2}},
        "fields": "gridProperties(rowCount,columnCount)"}})
    raw.json("PUT", f"{V4}/{sid}/values/A1:B3?valueInputOption=RAW",
             json={"values": [["b", 2], ["c", 3], ["a", 1]]})
    _batch(raw, sid, {"sortRange": {"range": {
        "sheetId": 0, "startRowIndex": 0, "endRowIndex": 1000, "startColumnIndex": 0,
        "endColumnIndex": 26}, "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "ASCENDING"}]}})
    got = raw.json("GET", f"{V4}/{sid}/values/A1:B3?valueRenderOption=UNFORMATTED_VALUE")
    assert got["values"] == [["a", 1], ["b", 2], ["c", 3]]


def test_a_collapsed_group_says_so_and_moves_with_its_rows(raw: Raw) -> None:
    sid = _book(raw)
    rows = {"sheetId": 0, "dimension": "ROWS", "startIndex": 3, "endIndex": 6}
    _batch(raw, sid, {"addDimensionGroup": {"range": rows}})
    _batch(raw, sid, {"updateDimensionGroup": {"dimensionGroup": {
        "range": rows, "depth": 1, "collapsed": True}, "fields": "collapsed"}})
    group = {"range": {"dimension": "ROWS", "startIndex": 3, "endIndex": 6}, "depth": 1}
    assert _sheet(raw, sid)["rowGroups"] == [{**group, "collapsed": True}]
    _batch(raw, sid, {"deleteDimension": {"range": {
        "sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 2}}})
    assert _sheet(raw, sid)["rowGroups"] == [{
        "range": {"dimension": "ROWS", "startIndex": 1, "endIndex": 4}, "depth": 1,
        "collapsed": True}]
    body = _batch(raw, sid, {"updateDimensionGroup": {"dimensionGroup": {
        "range": rows, "depth": 1, "collapsed": False}, "fields": "collapsed"}}, status=400)
    assert "No group of rows" in body["error"]["message"]


def test_a_group_range_without_end_index_runs_to_the_sheet_end(raw: Raw) -> None:
    """updateDimensionGroup reads its range as addDimensionGroup does: no endIndex means the
    end of the sheet (it was read as 0 there, so the group was not found)."""
    sid = _book(raw)
    tail = {"sheetId": 0, "dimension": "ROWS", "startIndex": 990}
    _batch(raw, sid, {"addDimensionGroup": {"range": tail}})
    _batch(raw, sid, {"updateDimensionGroup": {"dimensionGroup": {
        "range": tail, "depth": 1, "collapsed": True}, "fields": "collapsed"}})
    assert _sheet(raw, sid)["rowGroups"] == [{
        "range": {"dimension": "ROWS", "startIndex": 990, "endIndex": 1000}, "depth": 1,
        "collapsed": True}]


def test_groups_survive_a_snapshot() -> None:
    from sheets_emulator import groups
    from sheets_emulator.store import dump_book, load_book, new_spreadsheet

    book = new_spreadsheet("Snapshot")
    sheet = book.sheets[0]
    groups.add(sheet, "ROWS", 1, 4)
    groups.add(sheet, "ROWS", 2, 3)
    groups.update(sheet, "ROWS", 2, 3, 2, True)
    again = load_book(dump_book(book)).sheets[0]
    assert groups.resource(again) == groups.resource(sheet)
    assert groups.resource(again)["rowGroups"][1]["collapsed"] is True


def test_colours_are_kept_with_their_style_twins(raw: Raw) -> None:
    sid = _book(raw)
    a1 = {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1, "startColumnIndex": 0,
          "endColumnIndex": 1}

    def repeat(fmt: dict[str, Any], fields: str) -> Any:
        _batch(raw, sid, {"repeatCell": {"range": a1, "cell": {"userEnteredFormat": fmt},
                                         "fields": fields}})
        body = raw.json("GET", f"{V4}/{sid}?ranges=A1&fields=sheets.data.rowData.values."
                               "userEnteredFormat")
        return body["sheets"][0]["data"][0]["rowData"][0]["values"][0].get("userEnteredFormat")

    got = repeat({"backgroundColor": {"green": 1}, "textFormat": {
        "foregroundColor": {"red": 1}, "bold": True},
        "borders": {"top": {"style": "SOLID", "color": {"blue": 1}}}},
        "userEnteredFormat(backgroundColor,textFormat,borders)")
    assert got["backgroundColorStyle"] == {"rgbColor": {"green": 1}}
    assert got["textFormat"]["foregroundColorStyle"] == {"rgbColor": {"red": 1}}
    assert got["borders"]["top"]["colorStyle"] == {"rgbColor": {"blue": 1}}
    # the style written alone fills the plain colour; a cleared colour takes its twin along
    got = repeat({"backgroundColorStyle": {"rgbColor": {"red": 0.5}}},
                 "userEnteredFormat.backgroundColorStyle")
    assert got["backgroundColor"] == {"red": 0.5}
    got = repeat({}, "userEnteredFormat.backgroundColor")
    assert "backgroundColor" not in got and "backgroundColorStyle" not in got
    assert got["textFormat"]["foregroundColorStyle"] == {"rgbColor": {"red": 1}}


def test_tab_colour_and_its_style_twin(raw: Raw) -> None:
    sid = _book(raw)
    body = _batch(raw, sid, {"addSheet": {"properties": {"title": "T", "tabColor": {"red": 1}}}})
    props = body["replies"][0]["addSheet"]["properties"]
    assert props["tabColorStyle"] == {"rgbColor": {"red": 1}}
    _batch(raw, sid, {"updateSheetProperties": {"properties": {
        "sheetId": props["sheetId"], "tabColorStyle": {"rgbColor": {"blue": 1}}},
        "fields": "tabColorStyle"}})
    again = _sheet(raw, sid, 1)["properties"]
    assert (again["tabColor"], again["tabColorStyle"]) == ({"blue": 1}, {"rgbColor": {"blue": 1}})
