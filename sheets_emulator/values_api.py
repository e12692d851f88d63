"""spreadsheets.values: get, batchGet, update, batchUpdate, clear, batchClear, append."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from . import a1, cells, dims, formulas, gcpause
from .errors import ApiError, grid_limits
from .params import boolean, enum, known_fields, required_input_option
from .ranges import Target, resolve
from .store import Spreadsheet


@dataclass
class ReadOptions:
    major: str = "ROWS"
    render: str = cells.FORMATTED
    dtr: str = cells.SERIAL


def read_options(args: Any, response: bool = False) -> ReadOptions:
    prefix = "response" if response else ""

    def key(name: str) -> str:
        return prefix + name[0].upper() + name[1:] if prefix else name

    return ReadOptions(
        major="ROWS" if response else enum(args.get("majorDimension"), "majorDimension", "ROWS"),
        render=enum(args.get(key("valueRenderOption")), key("valueRenderOption"), cells.FORMATTED),
        dtr=enum(args.get(key("dateTimeRenderOption")), key("dateTimeRenderOption"), cells.SERIAL),
    )


def value_range(book: Spreadsheet, target: Target, opts: ReadOptions) -> dict[str, Any]:
    target.check_inside()
    r0, r1, c0, c1 = target.clipped()
    rows = cells.read_rows(target.sheet, r0, r1, c0, c1, opts.render, opts.dtr, book.locale)
    if opts.major == "COLUMNS":
        rows = cells.transpose(rows)
    out: dict[str, Any] = {"range": target.text(), "majorDimension": opts.major}
    if rows:
        out["values"] = rows
    return out


CACHE_MIN_BYTES = 256 * 1024
CACHE_ENTRIES = 2


def value_range_bytes(book: Spreadsheet, target: Target, opts: ReadOptions) -> bytes:
    """The encoded ValueRange; big answers are kept on the sheet until it changes, so repeated
    reads of an unchanged input tab cost only the send."""
    target.check_inside()
    sheet = target.sheet
    key = (*target.clipped(), opts.render, opts.dtr, opts.major, book.locale, sheet.title)
    cached = sheet.cache.get(key)
    if cached is not None:
        return cached
    with gcpause.paused():
        if opts.major == "ROWS" and opts.render in (cells.FORMATTED, cells.UNFORMATTED):
            body = _rows_body(book, target, opts)
        else:
            # ASCII escapes are JSON-equal to Google's raw UTF-8 and a third faster to encode
            body = json.dumps(value_range(book, target, opts),
                              separators=(",", ":")).encode("ascii")
    if len(body) >= CACHE_MIN_BYTES:
        while len(sheet.cache) >= CACHE_ENTRIES:
            sheet.cache.pop(next(iter(sheet.cache)))
        sheet.cache[key] = body
    return body


def _rows_body(book: Spreadsheet, target: Target, opts: ReadOptions) -> bytes:
    """The ValueRange built from rows already encoded when they were written (cells.write_block):
    a full-width row without formats or formulas costs a dict lookup. Same JSON as
    value_range()."""
    sheet, locale = target.sheet, book.locale
    r0, r1, c0, c1 = target.clipped()
    cells.display_rows(sheet, locale)  # drops encodings made for another locale
    enc = sheet.encoded.setdefault(opts.render, {})
    rows, extras = sheet.rows, sheet.extras
    formatted = opts.render == cells.FORMATTED
    parts: list[bytes] = []
    append = parts.append
    for r in range(r0, min(r1, len(rows))):
        row = rows[r]
        if c0 == 0 and len(row) <= c1 and r not in extras:
            b = enc.get(r)
            if b is None:
                b = enc[r] = cells.encode_row(
                    cells.plain_display(row, locale) if formatted else cells.plain_values(row))
            append(b)
        else:
            got = cells.read_rows(sheet, r, r + 1, c0, c1, opts.render, opts.dtr, locale)
            append(cells.encode_row(got[0]) if got else b"[]")
    while parts and parts[-1] == b"[]":
        parts.pop()
    head = b'{"range":' + cells.encode_row(target.text()) + b',"majorDimension":"ROWS"'
    if not parts:
        return head + b"}"
    return head + b',"values":[' + b",".join(parts) + b"]}"


def encode(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def get(book: Spreadsheet, range_text: str, args: Any) -> bytes:
    return value_range_bytes(book, resolve(book, range_text), read_options(args))


def batch_get(book: Spreadsheet, args: Any) -> bytes:
    opts = read_options(args)
    parts = [value_range_bytes(book, resolve(book, r), opts) for r in args.getlist("ranges")]
    head = b'{"spreadsheetId":' + encode(book.id)
    if not parts:
        return head + b"}"
    return head + b',"valueRanges":[' + b",".join(parts) + b"]}"


@dataclass
class Write:
    target: Target
    r0: int
    c0: int
    rows: list[list[Any]]
    height: int
    width: int

    def area(self) -> str:
        return a1.format_range(self.target.sheet.title, self.r0, self.r0 + max(self.height, 1),
                               self.c0, self.c0 + max(self.width, 1))


def plan_write(book: Spreadsheet, range_text: str, data: dict[str, Any], field: str) -> Write:
    """Validate one ValueRange write (no state change)."""
    where = field.rsplit(".", 1)[0]
    known_fields(data, ("range", "majorDimension", "values"), "" if where == "data" else where)
    target = resolve(book, range_text)
    major = enum(data.get("majorDimension"), "majorDimension", "ROWS", where)
    rows = cells.check_values(data.get("values"), field)
    if major == "COLUMNS":
        width = len(rows)
        height = max((len(c) for c in rows), default=0)
        rows = [[col[i] if i < len(col) else None for col in rows] for i in range(height)]
    height = len(rows)
    width = max((len(r) for r in rows), default=0)
    r0, c0 = target.r0 or 0, target.c0 or 0
    w = Write(target, r0, c0, rows, height, width)
    if target.single:
        target = Target(target.sheet, r0, None, c0, None)
        w.target = target
    if target.r1 is not None and r0 + height > target.r1:
        raise ApiError(400, f"Requested writing within range [{_bounded(target)}], but tried "
                            f"writing to row [{r0 + height}]")
    if target.c1 is not None and c0 + width > target.c1:
        raise ApiError(400, f"Requested writing within range [{_bounded(target)}], but tried "
                            f"writing to column [{a1.col_letters(c0 + width - 1)}]")
    sheet = target.sheet
    if r0 + max(height, 1) > sheet.row_count or c0 + max(width, 1) > sheet.col_count:
        raise grid_limits(w.area(), sheet.row_count, sheet.col_count)
    return w


def _bounded(t: Target) -> str:
    r0, r1, c0, c1 = t.clipped()
    return a1.format_range(t.sheet.title, r0, max(r1, r0 + 1), c0, max(c1, c0 + 1))


def apply_write(book: Spreadsheet, w: Write, option: str) -> dict[str, Any]:
    cells.write_block(w.target.sheet, w.r0, w.c0, w.rows, option, book.locale)
    # null cells are skipped: they are not counted as updated
    counted = [len(row) - row.count(None) for row in w.rows]
    result: dict[str, Any] = {"spreadsheetId": book.id}
    if w.height and w.width:
        columns: set[int] = set()
        full = 0
        for row in w.rows:
            if None in row:
                columns.update(j for j, v in enumerate(row) if v is not None)
            elif len(row) > full:
                full = len(row)
        columns.update(range(full))
        result["updatedRange"] = w.area()
        result["updatedRows"] = sum(1 for n in counted if n)
        result["updatedColumns"] = len(columns)
        result["updatedCells"] = sum(counted)
    return result


def _updated_data(book: Spreadsheet, w: Write, args: Any) -> dict[str, Any]:
    opts = read_options(args, response=True)
    t = Target(w.target.sheet, w.r0, w.r0 + max(w.height, 1), w.c0, w.c0 + max(w.width, 1))
    return value_range(book, t, opts)


def update(book: Spreadsheet, range_text: str, args: Any, body: dict[str, Any]) -> dict[str, Any]:
    option = required_input_option(args.get("valueInputOption"))
    w = plan_write(book, range_text, body, "data.values")
    result = apply_write(book, w, option)
    formulas.recalc(book)
    if boolean(args.get("includeValuesInResponse"), "includeValuesInResponse"):
        result["updatedData"] = _updated_data(book, w, args)
    return result


def batch_update(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    known_fields(body, ("valueInputOption", "data", "includeValuesInResponse",
                        "responseValueRenderOption", "responseDateTimeRenderOption"))
    option = required_input_option(body.get("valueInputOption"))
    data = body.get("data") or []
    if not isinstance(data, list):
        raise ApiError(400, "Invalid value at 'data'")
    plans = []
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise ApiError(400, f"Invalid value at 'data[{i}]'")
        plans.append(plan_write(book, str(item.get("range", "")), item, f"data[{i}].values"))
    responses = [apply_write(book, w, option) for w in plans]
    formulas.recalc(book)
    include = boolean(body.get("includeValuesInResponse"), "includeValuesInResponse")
    if include:
        opts_args = {k: body.get(k) for k in (
            "responseValueRenderOption", "responseDateTimeRenderOption")}
        for w, resp in zip(plans, responses, strict=True):
            resp["updatedData"] = _updated_data(book, w, _Args(opts_args))
    result: dict[str, Any] = {"spreadsheetId": book.id}
    if plans:
        result["totalUpdatedRows"], result["totalUpdatedColumns"] = _touched(plans)
        result["totalUpdatedCells"] = sum(r.get("updatedCells", 0) for r in responses)
        result["totalUpdatedSheets"] = len({w.target.sheet.id for w in plans})
        result["responses"] = responses
    return result


def _touched(plans: list[Write]) -> tuple[int, int]:
    """How many rows and columns hold an updated cell: Google's totals count "rows where at
    least one cell was updated", so two writes to one row count it once."""
    rows: dict[int, set[int]] = {}
    columns: dict[int, set[int]] = {}
    for w in plans:
        sid, full = w.target.sheet.id, 0
        row_set, column_set = rows.setdefault(sid, set()), columns.setdefault(sid, set())
        row_set.update(w.r0 + i for i, row in enumerate(w.rows) if row.count(None) != len(row))
        for row in w.rows:
            if None in row:
                column_set.update(w.c0 + j for j, v in enumerate(row) if v is not None)
            elif len(row) > full:
                full = len(row)
        column_set.update(range(w.c0, w.c0 + full))
    return sum(map(len, rows.values())), sum(map(len, columns.values()))


class _Args(dict[str, Any]):
    def getlist(self, key: str) -> list[Any]:
        v = self.get(key)
        return [] if v is None else [v]


def clear(book: Spreadsheet, range_text: str) -> dict[str, Any]:
    target = resolve(book, range_text)
    target.check_inside()
    r0, r1, c0, c1 = target.clipped()
    cells.clear_rect(target.sheet, r0, r1, c0, c1)
    formulas.recalc(book)
    return {"spreadsheetId": book.id, "clearedRange": target.text()}


def batch_clear(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    targets = [resolve(book, str(r)) for r in body.get("ranges") or []]
    for t in targets:
        t.check_inside()
    for t in targets:
        r0, r1, c0, c1 = t.clipped()
        cells.clear_rect(t.sheet, r0, r1, c0, c1)
    formulas.recalc(book)
    result: dict[str, Any] = {"spreadsheetId": book.id}
    if targets:
        result["clearedRanges"] = [t.text() for t in targets]
    return result


def append(book: Spreadsheet, range_text: str, args: Any, body: dict[str, Any]) -> dict[str, Any]:
    option = required_input_option(args.get("valueInputOption"))
    insert_option = enum(args.get("insertDataOption"), "insertDataOption", "OVERWRITE")
    target = resolve(book, range_text)
    sheet = target.sheet
    major = enum(body.get("majorDimension"), "majorDimension", "ROWS", "data")
    rows = cells.check_values(body.get("values"), "data.values")
    if major == "COLUMNS":
        rows = cells.transpose([["" if v is None else v for v in c] for c in rows])
    height, width = len(rows), max((len(r) for r in rows), default=0)
    tr0 = target.r0 or 0
    tc0 = target.c0 or 0
    tc1 = target.c1 if target.c1 is not None and not target.single else sheet.col_count
    table = _find_table(sheet, tr0, tc0, tc1, contiguous=target.single)
    result: dict[str, Any] = {"spreadsheetId": book.id}
    if table is not None:
        first_r, last_r, first_c, last_c = table
        result["tableRange"] = a1.format_range(sheet.title, first_r, last_r + 1, first_c,
                                               last_c + 1)
        start_r, start_c = last_r + 1, first_c
    else:
        start_r, start_c = tr0, tc0
    if height and width:
        need_rows = start_r + height
        need_cols = max(sheet.col_count, start_c + width)
        if insert_option == "INSERT_ROWS" and start_r < sheet.row_count:
            dims.insert(book, sheet, dims.ROWS, start_r, height)
        elif need_rows > sheet.row_count:
            dims.grow(book, sheet, need_rows, sheet.col_count)
        if need_cols > sheet.col_count:
            dims.grow(book, sheet, sheet.row_count, need_cols)
    w = Write(Target(sheet, start_r, None, start_c, None), start_r, start_c, rows, height, width)
    updates = apply_write(book, w, option)
    if "updatedRange" not in updates:
        updates["updatedRange"] = a1.format_range(sheet.title, start_r, start_r + 1, start_c,
                                                  start_c + 1)
    formulas.recalc(book)
    if boolean(args.get("includeValuesInResponse"), "includeValuesInResponse"):
        updates["updatedData"] = _updated_data(book, w, args)
    result["updates"] = updates
    return result


def _column_run(sheet: Any, first: int, last: int, c0: int, c1: int) -> tuple[int, int]:
    """The run of filled columns from the first filled one at or after c0 (recorded: from A1
    over A1 and C1 with B1 empty, Google's tableRange is A1)."""

    def filled(c: int) -> bool:
        return any(c < len(sheet.rows[r]) and sheet.rows[r][c] is not None
                   for r in range(first, min(last + 1, len(sheet.rows))))

    lo = next((c for c in range(c0, c1) if filled(c)), c0)
    hi = lo
    while hi + 1 < c1 and filled(hi + 1):
        hi += 1
    return lo, hi


def _find_table(sheet: Any, r0: int, c0: int, c1: int,
                contiguous: bool = False) -> tuple[int, int, int, int] | None:
    """The data block at or below row r0 within columns [c0, c1): (first, last row, first, last
    col), or None. From a single cell the table is the run of non-empty rows starting there
    (so an empty anchor row, as gspread's insert_row leaves, is written in place)."""

    def filled(r: int) -> bool:
        return r < len(sheet.rows) and any(v is not None for v in sheet.rows[r][c0:c1])

    if contiguous:
        if not filled(r0):
            return None
        last = r0
        while filled(last + 1):
            last += 1
        return (r0, last, *_column_run(sheet, r0, last, c0, c1))
    last = cells.last_data_row(sheet, c0, c1)
    if last < r0:
        return None
    first = next(r for r in range(r0, last + 1) if filled(r))
    lo, hi = c1, -1
    for r in range(first, last + 1):
        row = sheet.rows[r] if r < len(sheet.rows) else []
        for c in range(c0, min(c1, len(row))):
            if row[c] is not None:
                lo, hi = min(lo, c), max(hi, c)
    return first, last, lo, hi
