"""The Drive calls gspread 6 makes: files create/get/list/delete/copy/update, export (CSV, TSV,
xlsx), permissions, comments, and the v2 media upload behind `import_csv`."""

from __future__ import annotations

import copy
import csv
import io
import secrets
from typing import Any

import openpyxl  # type: ignore[import-untyped]

from . import cells, defaults, drive_query, fieldmask, userinput
from .errors import DriveError
from .reply import Reply
from .store import Sheet, Spreadsheet, Store, new_spreadsheet, new_spreadsheet_id

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OWNER = {
    "kind": "drive#user",
    "displayName": "sheets-emulator",
    "me": True,
    "permissionId": "emulator-owner",
    "emailAddress": "emulator@sheets-emulator.iam.gserviceaccount.com",
}


def file_not_found(file_id: str) -> DriveError:
    return DriveError(404, f"File not found: {file_id}.", "notFound", "fileId")


def _visible(store: Store, file_id: str) -> Spreadsheet:
    book = store.books.get(file_id)
    if book is None or not book.shared:
        raise file_not_found(file_id)
    return book


def file_resource(book: Spreadsheet) -> dict[str, Any]:
    return {
        "kind": "drive#file",
        "id": book.id,
        "name": book.title,
        "mimeType": defaults.SHEETS_MIME,
        "starred": False,
        "trashed": False,
        "explicitlyTrashed": False,
        "parents": list(book.parents) or ["root"],
        "webViewLink": book.url() + "?usp=drivesdk",
        "iconLink": "https://drive-thirdparty.googleusercontent.com/16/type/"
                    "application/vnd.google-apps.spreadsheet",
        "createdTime": book.created,
        "modifiedTime": book.modified,
        "version": str(book.version),
        "owners": [copy.deepcopy(OWNER)],
        "shared": False,
        "ownedByMe": True,
    }


_DEFAULT_FILE_FIELDS = fieldmask.parse("kind,id,name,mimeType")


def _file_mask(fields: str | None, list_call: bool = False) -> fieldmask.Tree:
    if not fields:
        return {"kind": {}, "files": _DEFAULT_FILE_FIELDS, "nextPageToken": {},
                "incompleteSearch": {}} if list_call else _DEFAULT_FILE_FIELDS
    try:
        return fieldmask.parse(fields)
    except fieldmask.MaskError:
        raise DriveError(400, f"Invalid field selection {fields}", "invalidParameter",
                         "fields") from None


def get_file(store: Store, file_id: str, args: Any) -> Reply:
    book = _visible(store, file_id)
    return Reply(json=fieldmask.select(file_resource(book), _file_mask(args.get("fields"))))


def list_files(store: Store, args: Any) -> Reply:
    q = args.get("q")
    try:
        pred = drive_query.parse(q) if q else None
    except drive_query.QueryError:
        raise DriveError(400, "Invalid Value", "invalid", "q") from None
    files = [file_resource(b) for b in store.books.values() if b.shared]
    if pred is not None:
        files = [f for f in files if pred(f)]
    try:
        size = max(1, min(int(args.get("pageSize") or 100), 1000))
        offset = int(args.get("pageToken") or 0)
    except ValueError:
        raise DriveError(400, "Invalid Value", "invalid", "pageToken") from None
    page = files[offset : offset + size]
    body: dict[str, Any] = {"kind": "drive#fileList"}
    if offset + size < len(files):
        body["nextPageToken"] = str(offset + size)
    body["incompleteSearch"] = False
    body["files"] = page
    return Reply(json=fieldmask.select(body, _file_mask(args.get("fields"), list_call=True)))


def create_file(store: Store, args: Any, body: dict[str, Any]) -> Reply:
    mime = body.get("mimeType") or defaults.SHEETS_MIME
    if mime != defaults.SHEETS_MIME:
        raise DriveError(400, f"The emulator stores only Google Sheets files, not {mime}.",
                         "badRequest", "mimeType")
    book = new_spreadsheet(str(body.get("name") or "Untitled spreadsheet"))
    book.parents = [str(p) for p in body.get("parents") or []]
    store.put(book)
    reply = fieldmask.select(file_resource(book), _file_mask(args.get("fields")))
    return Reply(json=reply, wrote=True)


def update_file(store: Store, file_id: str, args: Any, body: dict[str, Any]) -> Reply:
    book = _visible(store, file_id)
    if body.get("name"):
        book.props["title"] = str(body["name"])
    book.touch()
    store.save(book)
    return Reply(json=fieldmask.select(file_resource(book), _file_mask(args.get("fields"))),
                 wrote=True)


def delete_file(store: Store, file_id: str) -> Reply:
    _visible(store, file_id)
    store.delete(file_id)
    return Reply(status=204, raw=b"", wrote=True)


def copy_file(store: Store, file_id: str, args: Any, body: dict[str, Any]) -> Reply:
    source = _visible(store, file_id)
    book = source.clone()
    book.id = new_spreadsheet_id()
    book.props["title"] = str(body.get("name") or f"Copy of {source.title}")
    book.parents = [str(p) for p in body.get("parents") or source.parents]
    book.touch()
    book.created = book.modified
    store.put(book)
    return Reply(json=fieldmask.select(file_resource(book), _file_mask(args.get("fields"))),
                 wrote=True)


def export(store: Store, file_id: str, args: Any) -> Reply:
    book = _visible(store, file_id)
    mime = args.get("mimeType")
    if not mime:
        raise DriveError(400, "Required parameter: mimeType", "required", "mimeType")
    sheet = book.sheets[0]
    if mime in ("text/csv", "text/tab-separated-values"):
        rows = _formatted(book, sheet)
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter="," if mime == "text/csv" else "\t",
                            lineterminator="\r\n")
        writer.writerows(rows)
        return Reply(raw=buf.getvalue().encode("utf-8"), content_type=f"{mime}; charset=utf-8")
    if mime == XLSX_MIME:
        return Reply(raw=_xlsx(book), content_type=mime)
    raise DriveError(400, "The requested conversion is not supported.", "badRequest", "mimeType")


def _formatted(book: Spreadsheet, sheet: Sheet) -> list[list[Any]]:
    return cells.read_rows(sheet, 0, sheet.row_count, 0, sheet.col_count, cells.FORMATTED,
                           cells.SERIAL, book.locale)


def _xlsx(book: Spreadsheet) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet in book.sheets:
        ws = wb.create_sheet(sheet.title[:31])
        for row in cells.read_rows(sheet, 0, sheet.row_count, 0, sheet.col_count,
                                   cells.UNFORMATTED, cells.SERIAL, book.locale):
            ws.append([None if v == "" else v for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def list_permissions(store: Store, file_id: str) -> Reply:
    book = _visible(store, file_id)
    return Reply(json={"permissions": copy.deepcopy(book.permissions)})


def create_permission(store: Store, file_id: str, body: dict[str, Any]) -> Reply:
    book = _visible(store, file_id)
    perm: dict[str, Any] = {"kind": "drive#permission", "id": secrets.token_hex(10),
                            "type": body.get("type"), "role": body.get("role")}
    for key in ("emailAddress", "domain"):
        if body.get(key):
            perm[key] = body[key]
    book.permissions.append(perm)
    store.save(book)
    return Reply(json=perm, wrote=True)


def delete_permission(store: Store, file_id: str, permission_id: str) -> Reply:
    book = _visible(store, file_id)
    if not any(p.get("id") == permission_id for p in book.permissions):
        raise DriveError(404, f"Permission not found: {permission_id}.", "notFound",
                         "permissionId")
    book.permissions = [p for p in book.permissions if p.get("id") != permission_id]
    store.save(book)
    return Reply(status=204, raw=b"", wrote=True)


def comments(store: Store, file_id: str, method: str, body: dict[str, Any]) -> Reply:
    _visible(store, file_id)
    if method == "POST":
        return Reply(json={"id": secrets.token_hex(8)}, wrote=True)
    return Reply(json={"comments": []})


def import_csv(store: Store, file_id: str, data: bytes) -> Reply:
    """PUT /upload/drive/v2/files/ID: the first sheet takes the CSV, the other sheets go."""
    book = _visible(store, file_id)
    text = data.decode("utf-8-sig", errors="replace")
    rows = list(csv.reader(io.StringIO(text)))
    first = book.sheets[0]
    book.sheets = [first]
    first.rows, first.extras, first.merges = [], {}, []
    first.changed()
    first.set_size(max(len(rows), 1), max((len(r) for r in rows), default=1))
    cells.write_block(first, 0, 0, rows, cells.USER_ENTERED, book.locale)
    book.touch()
    store.save(book)
    return Reply(json={"kind": "drive#file", "id": book.id, "title": book.title,
                       "mimeType": defaults.SHEETS_MIME}, wrote=True)


__all__ = ["userinput"]
