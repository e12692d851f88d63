"""The control API, outside Google's paths (requests here are not logged, faulted or counted).

    GET    /__emulator/health                       {"ok": true, "spreadsheets": N}
    GET    /__emulator/spreadsheets                 every spreadsheet: id, title, locale, ...
    POST   /__emulator/spreadsheets                 create from values: {"title", "sheets":
                                                    {name: rows}, "locale"?, "timeZone"?, "id"?,
                                                    "valueInputOption"? (RAW)} -> {"spreadsheetId"}
    DELETE /__emulator/spreadsheets/ID
    POST   /__emulator/spreadsheets/ID/locale       {"locale", "timeZone"?}
    POST   /__emulator/spreadsheets/ID/unshare      the service account loses access (403)
    POST   /__emulator/spreadsheets/ID/share
    GET    /__emulator/log        DELETE /__emulator/log
    POST   /__emulator/reset                        forget everything, re-load the seeds
    GET    /__emulator/faults     POST (method, path, kind, count, retryAfter, hangSeconds)
    DELETE /__emulator/faults
    GET    /__emulator/quotas     POST {"readsPerMinute": N|null, "writesPerMinute": N|null}
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.wrappers import Request

from . import cells, defaults, formulas
from .errors import ApiError
from .reply import Reply
from .routes import body_json
from .state import EmulatorState
from .store import Sheet, new_spreadsheet


def handle(emu: EmulatorState, request: Request, path: str) -> Reply:
    parts = [p for p in path.split("/") if p][1:]
    method = request.method
    key = (method, tuple(parts[:1]), len(parts))
    if key == ("GET", ("health",), 1):
        return Reply(json={"ok": True, "spreadsheets": len(emu.store.books)})
    if parts[:1] == ["spreadsheets"]:
        return _spreadsheets(emu, request, parts[1:])
    if parts == ["log"]:
        if method == "DELETE":
            emu.log.clear()
            return Reply(json={})
        return Reply(json={"requests": emu.log.all()})
    if parts == ["reset"] and method == "POST":
        emu.reset()
        return Reply(json={})
    if parts == ["faults"]:
        return _faults(emu, request)
    if parts == ["quotas"]:
        if method == "POST":
            body = body_json(request)
            emu.quotas.set(_opt_int(body.get("readsPerMinute")),
                           _opt_int(body.get("writesPerMinute")))
        return Reply(json=emu.quotas.state())
    raise ApiError(404, f"No control endpoint {method} {path}")


def _opt_int(v: Any) -> int | None:
    if v is None:
        return None
    try:
        return int(v)
    except (TypeError, ValueError):
        raise ApiError(400, f"expected an integer or null, got {v!r}") from None


def _faults(emu: EmulatorState, request: Request) -> Reply:
    if request.method == "DELETE":
        emu.faults.clear()
    elif request.method == "POST":
        b = body_json(request)
        try:
            emu.faults.add(str(b.get("method", "*")), str(b.get("path", "*")),
                           str(b.get("kind", "")), int(b.get("count", 1)),
                           None if b.get("retryAfter") is None else float(b["retryAfter"]),
                           None if b.get("hangSeconds") is None else float(b["hangSeconds"]))
        except (TypeError, ValueError) as exc:
            raise ApiError(400, str(exc)) from None
    return Reply(json={"faults": emu.faults.listing()})


def summary(book: Any) -> dict[str, Any]:
    return {"id": book.id, "title": book.title, "locale": book.locale,
            "timeZone": book.props.get("timeZone"), "shared": book.shared, "url": book.url(),
            "sheets": [s.title for s in book.sheets]}


def _spreadsheets(emu: EmulatorState, request: Request, rest: list[str]) -> Reply:
    store = emu.store
    with store.lock:
        if not rest:
            if request.method == "POST":
                return Reply(json=_create(emu, body_json(request)))
            return Reply(json={"spreadsheets": [summary(b) for b in store.books.values()]})
        book = store.get(rest[0], check_shared=False)
        action = rest[1] if len(rest) > 1 else ""
        if request.method == "DELETE" and not action:
            store.delete(book.id)
            return Reply(json={})
        if request.method == "GET" and not action:
            return Reply(json=summary(book))
        if request.method != "POST":
            raise ApiError(404, "No such control endpoint")
        if action in ("unshare", "share"):
            book.shared = action == "share"
        elif action == "locale":
            body = body_json(request)
            if body.get("locale"):
                book.props["locale"] = str(body["locale"])
            if body.get("timeZone"):
                book.props["timeZone"] = str(body["timeZone"])
        else:
            raise ApiError(404, f"No control action {action!r}")
        store.save(book)
        return Reply(json=summary(book))


def _create(emu: EmulatorState, body: dict[str, Any]) -> dict[str, Any]:
    sheets = body.get("sheets") or {"Sheet1": []}
    items = list(sheets.items()) if isinstance(sheets, dict) else [tuple(x) for x in sheets]
    sid = body.get("id")
    if sid is not None and not re.fullmatch(r"[A-Za-z0-9_-]+", str(sid)):
        raise ApiError(400, "id may hold only letters, digits, '-' and '_'")
    option = str(body.get("valueInputOption") or cells.RAW)
    if option not in (cells.RAW, cells.USER_ENTERED):
        raise ApiError(400, "valueInputOption must be RAW or USER_ENTERED")
    locale = str(body.get("locale") or "en_US")
    book = new_spreadsheet(str(body.get("title") or "Untitled spreadsheet"), locale,
                           body.get("timeZone"), spreadsheet_id=sid)
    book.sheets = []
    for index, (title, rows) in enumerate(items):
        rows = cells.check_values(rows, "sheets.values")
        height, width = len(rows), max((len(r) for r in rows), default=0)
        sheet_id = 0 if index == 0 else 1000 + index
        sheet = Sheet(props=defaults.sheet_properties(
            sheet_id, str(title), index, max(height, defaults.DEFAULT_ROWS),
            max(width, defaults.DEFAULT_COLS)))
        cells.write_block(sheet, 0, 0, rows, option, locale)
        book.sheets.append(sheet)
    if not book.sheets:
        raise ApiError(400, "at least one sheet is needed")
    formulas.recalc(book)
    emu.store.put(book)
    return {"spreadsheetId": book.id, **summary(book)}
