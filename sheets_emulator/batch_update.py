"""spreadsheets.batchUpdate: atomic (applied to a copy, swapped in only when every request
succeeded), one reply per request. Sheet- and spreadsheet-level kinds live here; cell kinds in
batch_cells.py, dimension and range kinds in batch_ranges.py."""

from __future__ import annotations

import copy
from typing import Any

from . import colorstyle, defaults, dims, fieldmask, formulas
from .batch_cells import HANDLERS as CELL_HANDLERS
from .batch_common import Handler, by_request, mask, sheet_of
from .batch_ranges import HANDLERS as RANGE_HANDLERS
from .errors import CELL_LIMIT, ApiError, cell_limit, unknown_field
from .sheets_api import resource
from .store import Sheet, Spreadsheet, new_id, new_sheet_id


def run(book: Spreadsheet, body: dict[str, Any]) -> tuple[Spreadsheet, dict[str, Any]]:
    """Apply all requests to a copy; return (new book, response). Raises on the first failure."""
    handlers = {**HANDLERS, **CELL_HANDLERS, **RANGE_HANDLERS}
    requests = body.get("requests")
    if not isinstance(requests, list) or not requests:
        raise ApiError(400, "Must specify at least one request.")
    # Copy-on-write rows: a batch that rewrites the KPI tab must not copy a 100,000-row input
    # tab (that copy cost more than the rest of the request).
    work = book.clone(share_rows=True)
    replies: list[dict[str, Any]] = []
    for i, req in enumerate(requests):
        if not isinstance(req, dict) or len(req) != 1:
            kinds = ", ".join(req) if isinstance(req, dict) else ""
            raise ApiError(400, f"Invalid requests[{i}]: exactly one request kind is required"
                                f"{' (got ' + kinds + ')' if kinds else ''}.")
        kind, payload = next(iter(req.items()))
        handler = handlers.get(kind)
        if handler is None:
            raise unknown_field(kind, f"requests[{i}]")
        if not isinstance(payload, dict):
            raise ApiError(400, f"Invalid requests[{i}].{kind}: expected an object.")
        try:
            reply = handler(work, payload)
        except ApiError as exc:
            if exc.message.startswith("Invalid requests["):
                raise
            exc.message = f"Invalid requests[{i}].{kind}: {exc.message}"
            raise
        replies.append({kind: reply} if reply is not None else {})
    formulas.recalc(work)
    work.touch()
    response: dict[str, Any] = {"spreadsheetId": work.id, "replies": replies}
    if body.get("includeSpreadsheetInResponse"):
        response["updatedSpreadsheet"] = resource(
            work, bool(body.get("responseIncludeGridData")), None
        )
    return work, response


def _check_title(book: Spreadsheet, title: str, except_sheet: Sheet | None = None) -> None:
    if not title.strip():
        raise ApiError(400, "Sheet name cannot be empty.")
    for s in book.sheets:
        if s is not except_sheet and s.title.lower() == title.lower():
            raise ApiError(400, f'A sheet with the name "{title}" already exists. Please enter '
                                "another name.")


def _free_title(book: Spreadsheet, stem: str = "Sheet") -> str:
    n = len(book.sheets) + 1
    taken = {s.title.lower() for s in book.sheets}
    while f"{stem}{n}".lower() in taken:
        n += 1
    return f"{stem}{n}"


def _place(book: Spreadsheet, sheet: Sheet, index: Any) -> None:
    pos = len(book.sheets) if index is None else max(0, min(int(index), len(book.sheets)))
    book.sheets.insert(pos, sheet)
    book.reindex()


def _new_id(book: Spreadsheet, wanted: Any) -> int:
    taken = {s.id for s in book.sheets}
    if wanted is None:
        return new_sheet_id(taken)
    sid = int(wanted)
    if sid < 0:
        raise ApiError(400, f"Invalid sheet id: {sid}. Sheet ids must be non-negative.")
    if sid in taken:
        raise ApiError(400, f"A sheet with the id {sid} already exists.")
    return sid


# --- sheet and spreadsheet kinds ------------------------------------------------------------


def add_sheet(book: Spreadsheet, p: dict[str, Any]) -> dict[str, Any]:
    props = copy.deepcopy(p.get("properties") or {})
    sid = _new_id(book, props.get("sheetId"))
    title = str(props.get("title") or _free_title(book))
    _check_title(book, title)
    grid = props.get("gridProperties") or {}
    rows = int(grid.get("rowCount", defaults.DEFAULT_ROWS))
    cols = int(grid.get("columnCount", defaults.DEFAULT_COLS))
    if rows < 1 or cols < 1:
        raise ApiError(400, "Invalid grid size: rowCount and columnCount must be positive.")
    if book.cell_total() + rows * cols > CELL_LIMIT:
        raise cell_limit()
    new = defaults.sheet_properties(sid, title, 0, rows, cols)
    for key, value in props.items():
        if key not in ("sheetId", "title", "index", "gridProperties"):
            new[key] = value
    new["gridProperties"].update({k: v for k, v in grid.items()
                                  if k not in ("rowCount", "columnCount")})
    colorstyle.mirror_tab(new, props, {})
    sheet = Sheet(props=new)
    _place(book, sheet, props.get("index"))
    return {"properties": defaults.ordered_sheet_properties(sheet.props)}


def delete_sheet(book: Spreadsheet, p: dict[str, Any]) -> None:
    sid = int(p.get("sheetId") or 0)
    sheet = book.sheet_by_id(sid)
    if sheet is None:
        raise ApiError(400, f"No sheet with id: {sid}")
    if len(book.sheets) == 1:
        raise ApiError(400, "You can't remove all the sheets in a document.")
    visible = [s for s in book.sheets if not s.props.get("hidden")]
    if visible == [sheet]:
        raise ApiError(400, "You can't remove all the visible sheets in a document.")
    book.sheets.remove(sheet)
    book.named_ranges = [n for n in book.named_ranges
                         if int(n.get("range", {}).get("sheetId", 0) or 0) != sid]
    book.reindex()
    return None


def duplicate_sheet(book: Spreadsheet, p: dict[str, Any]) -> dict[str, Any]:
    source = book.sheet_by_id(int(p.get("sourceSheetId") or 0))
    if source is None:
        raise ApiError(400, f"No sheet with id: {p.get('sourceSheetId')}")
    if book.cell_total() + source.row_count * source.col_count > CELL_LIMIT:
        raise cell_limit()
    sid = _new_id(book, p.get("newSheetId"))
    title = p.get("newSheetName") or _copy_title(book, source.title)
    _check_title(book, str(title))
    sheet = source.clone()
    sheet.props["sheetId"] = sid
    sheet.props["title"] = str(title)
    for gr in [*sheet.merges, *(x.get("range", {}) for x in sheet.protected)]:
        gr["sheetId"] = sid
    for prot in sheet.protected:
        prot["protectedRangeId"] = new_id()
    if sheet.basic_filter and "range" in sheet.basic_filter:
        sheet.basic_filter["range"]["sheetId"] = sid
    sheet.charts = []
    _place(book, sheet, p.get("insertSheetIndex"))
    return {"properties": defaults.ordered_sheet_properties(sheet.props)}


def _copy_title(book: Spreadsheet, title: str) -> str:
    taken = {s.title.lower() for s in book.sheets}
    name, n = f"Copy of {title}", 2
    while name.lower() in taken:
        name, n = f"Copy of {title} {n}", n + 1
    return name


def update_sheet_properties(book: Spreadsheet, p: dict[str, Any]) -> None:
    props = p.get("properties") or {}
    tree = mask(p)
    sheet = sheet_of(book, props.get("sheetId"))
    new = copy.deepcopy(sheet.props)
    fieldmask.update(new, props, tree)
    colorstyle.mirror_tab(new, props, tree)
    new["sheetId"] = sheet.id
    new.setdefault("title", sheet.title)
    new.setdefault("sheetType", "GRID")
    grid = new.setdefault("gridProperties", {})
    grid.setdefault("rowCount", sheet.row_count)
    grid.setdefault("columnCount", sheet.col_count)
    if new["title"] != sheet.title:
        _check_title(book, str(new["title"]), sheet)
    if new.get("hidden") and all(s.props.get("hidden") or s is sheet for s in book.sheets):
        raise ApiError(400, "You can't hide all the sheets in a document.")
    rows, cols = int(grid["rowCount"]), int(grid["columnCount"])
    if rows < 1 or cols < 1:
        raise ApiError(400, "Invalid grid size: rowCount and columnCount must be positive.")
    for key in ("frozenRowCount", "frozenColumnCount"):
        if int(grid.get(key, 0)) >= (rows if key == "frozenRowCount" else cols):
            raise ApiError(400, "You can't freeze all visible rows on the sheet."
                           if key == "frozenRowCount"
                           else "You can't freeze all visible columns on the sheet.")
        if key in grid and not grid[key]:
            del grid[key]
    _resize(book, sheet, rows, cols)
    index = new.pop("index", sheet.props.get("index", 0))
    for flag in ("hidden", "rightToLeft"):
        if flag in new and not new[flag]:
            del new[flag]
    sheet.props = new
    book.sheets.remove(sheet)
    _place(book, sheet, index)
    return None


def _resize(book: Spreadsheet, sheet: Sheet, rows: int, cols: int) -> None:
    if rows < sheet.row_count:
        dims.delete(book, sheet, dims.ROWS, rows, sheet.row_count)
    if cols < sheet.col_count:
        dims.delete(book, sheet, dims.COLUMNS, cols, sheet.col_count)
    dims.grow(book, sheet, max(rows, sheet.row_count), max(cols, sheet.col_count))


def update_spreadsheet_properties(book: Spreadsheet, p: dict[str, Any]) -> None:
    tree = mask(p)
    props = p.get("properties") or {}
    new = copy.deepcopy(book.props)
    fieldmask.update(new, props, tree)
    if not new.get("title"):
        raise ApiError(400, "Spreadsheet title cannot be empty.")
    new.setdefault("locale", book.locale)
    book.props = new
    return None


HANDLERS: dict[str, Handler] = by_request(
    add_sheet, delete_sheet, duplicate_sheet, update_sheet_properties,
    update_spreadsheet_properties,
)
