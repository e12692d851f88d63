"""The Drive v3 calls gspread makes: create, open by title (files.list q), copy, delete,
export CSV, import CSV, permissions; Drive's error envelope."""

from __future__ import annotations

import gspread
import pytest

from .conftest import Raw

MIME = "application/vnd.google-apps.spreadsheet"


def test_create_open_by_title_and_key(gc: gspread.Client) -> None:
    sh = gc.create("Воронка продаж")
    assert gc.open("Воронка продаж").id == sh.id
    assert gc.open_by_key(sh.id).title == "Воронка продаж"
    assert gc.open_by_url(sh.url).id == sh.id
    assert [f["name"] for f in gc.list_spreadsheet_files()] == ["Воронка продаж"]
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        gc.open("Missing")
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        gc.open_by_key("no-such-id")
    assert sh.creationTime.endswith("Z")


def test_files_list_query_and_fields(gc: gspread.Client, raw: Raw) -> None:
    a, _ = gc.create("Plan 2024"), gc.create("Fact 2024")
    body = raw.json("GET", "/drive/v3/files", params={
        "q": f"mimeType='{MIME}' and name contains 'plan'", "fields": "files(id,name)"})
    assert body == {"files": [{"id": a.id, "name": "Plan 2024"}]}
    body = raw.json("GET", "/drive/v3/files", params={"q": "name = 'Fact 2024'"})
    assert body["kind"] == "drive#fileList" and body["incompleteSearch"] is False
    assert body["files"][0] == {"kind": "drive#file", "id": body["files"][0]["id"],
                                "name": "Fact 2024", "mimeType": MIME}
    body = raw.json("GET", "/drive/v3/files", params={"pageSize": 1})
    assert len(body["files"]) == 1 and body["nextPageToken"] == "1"
    body = raw.json("GET", "/drive/v3/files", 400, params={"q": "name ="})
    assert body["error"]["errors"][0]["reason"] == "invalid"


def test_copy_delete_and_missing_file(gc: gspread.Client, raw: Raw) -> None:
    sh = gc.create("Template")
    sh.sheet1.update([["x"]], "A1")
    copy = gc.copy(sh.id, title="From template")
    assert copy.sheet1.acell("A1").value == "x" and copy.id != sh.id
    gc.del_spreadsheet(copy.id)
    body = raw.json("GET", f"/drive/v3/files/{copy.id}", 404)
    assert body == {"error": {"code": 404, "message": f"File not found: {copy.id}.", "errors": [
        {"message": f"File not found: {copy.id}.", "domain": "global", "reason": "notFound",
         "location": "fileId", "locationType": "parameter"}]}}


def test_export_and_import_csv(gc: gspread.Client) -> None:
    sh = gc.create("Export")
    sh.sheet1.update([["Month", "Leads"], ["Jan", 1234.5], ["Feb, 2", None]], "A1")
    data = sh.export(gspread.utils.ExportFormat.CSV)
    assert data.decode() == 'Month,Leads\r\nJan,1234.5\r\n"Feb, 2"\r\n'
    sh.add_worksheet("Other", 5, 5)
    gc.import_csv(sh.id, "a,b\n1,2\n")
    assert [w.title for w in sh.worksheets()] == ["Sheet1"]
    assert sh.sheet1.get("A1:B2", value_render_option="UNFORMATTED_VALUE") == [["a", "b"],
                                                                               [1, 2]]


def test_permissions(gc: gspread.Client) -> None:
    sh = gc.create("Shared")
    sh.share("analyst@example.com", perm_type="user", role="writer", notify=False)
    emails = [p.get("emailAddress") for p in sh.list_permissions()]
    assert "analyst@example.com" in emails
    sh.remove_permissions("analyst@example.com")
    assert "analyst@example.com" not in [p.get("emailAddress") for p in sh.list_permissions()]
