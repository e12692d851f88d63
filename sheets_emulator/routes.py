"""Route name -> handler call, under the store's lock; writes are saved (with --data)."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Request

from . import batch_update, defaults, drive, sheets_api, values_api
from .errors import ApiError
from .reply import Reply
from .state import EmulatorState
from .store import Spreadsheet, new_sheet_id


def body_json(request: Request) -> dict[str, Any]:
    data = request.get_data(cache=True)
    if not data.strip():
        return {}
    try:
        obj = json.loads(data)
    except ValueError as exc:
        raise ApiError(400, f"Invalid JSON payload received. {exc}") from None
    if not isinstance(obj, dict):
        raise ApiError(400, 'Invalid JSON payload received. Unknown name "": Root element must '
                            "be a message.")
    return obj


def dispatch(emu: EmulatorState, name: str, p: dict[str, str], request: Request) -> Reply:
    store, args = emu.store, request.args
    with store.lock:
        if name == "create":
            book = sheets_api.create(body_json(request))
            store.put(book)
            return Reply(json=sheets_api.resource(book), wrote=True)
        if name.startswith(("drive_", "perm_")) or name in ("comments", "import_csv"):
            return _drive(emu, name, p, request)
        book = store.get(p["id"])
        if name == "get":
            return Reply(json=sheets_api.get(book, args))
        if name == "values_get":
            return Reply(raw=values_api.get(book, p["range"], args))
        if name == "values_batch_get":
            return Reply(raw=values_api.batch_get(book, args))
        if name == "batch_update":
            work, response = batch_update.run(book, body_json(request))
            for sheet in work.sheets:
                old = book.sheet_by_id(sheet.id)
                if old is not None and (old.cache or old.display or old.encoded) and (
                        sheet.same_content(old)):
                    sheet.cache, sheet.display = old.cache, old.display
                    sheet.display_locale, sheet.encoded = old.display_locale, old.encoded
                sheet.rows_shared = False  # the old book is dropped: its rows are this one's
            store.books[work.id] = work
            store.save(work)
            return Reply(json=response, wrote=True)
        if name == "copy_to":
            return _copy_to(emu, book, int(p["sid"]), body_json(request))
        result = _values_write(name, book, p, request)
        book.touch()
        store.save(book)
        return Reply(json=result, wrote=True)


def _values_write(name: str, book: Spreadsheet, p: dict[str, str], request: Request) -> Any:
    args = request.args
    if name == "values_update":
        return values_api.update(book, p["range"], args, body_json(request))
    if name == "values_append":
        return values_api.append(book, p["range"], args, body_json(request))
    if name == "values_clear":
        return values_api.clear(book, p["range"])
    if name == "values_batch_update":
        return values_api.batch_update(book, body_json(request))
    if name == "values_batch_clear":
        return values_api.batch_clear(book, body_json(request))
    raise ApiError(404, "Requested entity was not found.")


def _copy_to(emu: EmulatorState, book: Spreadsheet, sheet_id: int, body: dict[str, Any]) -> Reply:
    source = book.sheet_by_id(sheet_id)
    if source is None:
        raise ApiError(404, "Requested entity was not found.")
    dest_id = body.get("destinationSpreadsheetId")
    if not dest_id:
        raise ApiError(400, "Invalid destinationSpreadsheetId: must be specified.")
    dest = emu.store.get(str(dest_id))
    sheet = source.clone()
    sheet.props["sheetId"] = new_sheet_id({s.id for s in dest.sheets})
    taken = {s.title.lower() for s in dest.sheets}
    title, n = f"Copy of {source.title}", 2
    while title.lower() in taken:
        title, n = f"Copy of {source.title} {n}", n + 1
    sheet.props["title"] = title
    for m in sheet.merges:
        m["sheetId"] = sheet.id
    sheet.protected, sheet.charts, sheet.basic_filter = [], [], None
    dest.sheets.append(sheet)
    dest.reindex()
    dest.touch()
    emu.store.save(dest)
    return Reply(json=defaults.ordered_sheet_properties(sheet.props), wrote=True)


def _drive(emu: EmulatorState, name: str, p: dict[str, str], request: Request) -> Reply:
    store, args = emu.store, request.args
    fid = p.get("id", "")
    if name == "drive_list":
        return drive.list_files(store, args)
    if name == "drive_create":
        return drive.create_file(store, args, body_json(request))
    if name == "drive_get":
        return drive.get_file(store, fid, args)
    if name == "drive_update":
        return drive.update_file(store, fid, args, body_json(request))
    if name == "drive_delete":
        return drive.delete_file(store, fid)
    if name == "drive_copy":
        return drive.copy_file(store, fid, args, body_json(request))
    if name == "drive_export":
        return drive.export(store, fid, args)
    if name == "perm_list":
        return drive.list_permissions(store, fid)
    if name == "perm_create":
        return drive.create_permission(store, fid, body_json(request))
    if name == "perm_delete":
        return drive.delete_permission(store, fid, p["pid"])
    if name == "comments":
        return drive.comments(store, fid, request.method, body_json(request))
    if name == "import_csv":
        return drive.import_csv(store, fid, request.get_data())
    raise ApiError(404, "Requested entity was not found.")
