"""Inserting and deleting rows/columns: values, sparse cell extras, row/column metadata and every
GridRange on the sheet (merges, named and protected ranges, the basic filter) move together."""

from __future__ import annotations

from typing import Any

from . import groups, refs
from .errors import CELL_LIMIT, ApiError, cell_limit
from .store import Sheet, Spreadsheet

ROWS, COLUMNS = "ROWS", "COLUMNS"


def grow(book: Spreadsheet, sheet: Sheet, rows: int, cols: int) -> None:
    """Resize the grid, refusing to pass the workbook's cell limit."""
    added = rows * cols - sheet.row_count * sheet.col_count
    if added > 0 and book.cell_total() + added > CELL_LIMIT:
        raise cell_limit()
    sheet.set_size(rows, cols)


def insert(book: Spreadsheet, sheet: Sheet, dim: str, start: int, count: int) -> None:
    if count <= 0:
        return
    sheet.changed()
    if dim == ROWS:
        grow(book, sheet, sheet.row_count + count, sheet.col_count)
        if start < len(sheet.rows):
            sheet.rows[start:start] = [[] for _ in range(count)]
        sheet.extras = {(r + count if r >= start else r): v for r, v in sheet.extras.items()}
        sheet.row_meta = {(r + count if r >= start else r): v for r, v in sheet.row_meta.items()}
    else:
        grow(book, sheet, sheet.row_count, sheet.col_count + count)
        for row in sheet.rows:
            if start < len(row):
                row[start:start] = [None] * count
        sheet.extras = {
            r: {(c + count if c >= start else c): x for c, x in cols.items()}
            for r, cols in sheet.extras.items()
        }
        sheet.col_meta = {(c + count if c >= start else c): v for c, v in sheet.col_meta.items()}
    _move_ranges(book, sheet, dim, start, start, count)
    groups.shift(sheet, dim, start, start, count)
    _move_formulas(book, sheet, dim, start, count)


def delete(book: Spreadsheet, sheet: Sheet, dim: str, start: int, end: int) -> None:
    count = end - start
    if count <= 0:
        return
    sheet.changed()
    if dim == ROWS:
        if count >= sheet.row_count:
            raise ApiError(400, "You can't delete all the rows on the sheet.")
        del sheet.rows[start:end]
        sheet.extras = _drop_shift(sheet.extras, start, end)
        sheet.row_meta = _drop_shift(sheet.row_meta, start, end)
        sheet.set_size(sheet.row_count - count, sheet.col_count)
    else:
        if count >= sheet.col_count:
            raise ApiError(400, "You can't delete all the columns on the sheet.")
        for row in sheet.rows:
            del row[start:end]
        sheet.extras = {r: _drop_shift(cols, start, end) for r, cols in sheet.extras.items()}
        sheet.extras = {r: cols for r, cols in sheet.extras.items() if cols}
        sheet.col_meta = _drop_shift(sheet.col_meta, start, end)
        sheet.set_size(sheet.row_count, sheet.col_count - count)
    _move_ranges(book, sheet, dim, start, end, -count)
    groups.shift(sheet, dim, start, end, -count)
    _move_formulas(book, sheet, dim, start, -count)


def _move_formulas(book: Spreadsheet, sheet: Sheet, dim: str, start: int, delta: int) -> None:
    for other in book.sheets:
        for cols in other.extras.values():
            for extra in cols.values():
                if "f" in extra:
                    extra["f"] = refs.move(extra["f"], other.title, sheet.title, dim == ROWS,
                                           start, delta)


def _drop_shift(d: dict[int, Any], start: int, end: int) -> dict[int, Any]:
    count = end - start
    return {(k - count if k >= end else k): v for k, v in d.items() if not start <= k < end}


def _move_ranges(book: Spreadsheet, sheet: Sheet, dim: str, start: int, end: int,
                 delta: int) -> None:
    """Shift or shrink GridRanges on `sheet` after rows/columns [start, end) were inserted
    (delta > 0, start == end) or deleted (delta < 0)."""
    lo, hi = ("startRowIndex", "endRowIndex") if dim == ROWS else (
        "startColumnIndex", "endColumnIndex")

    def fix(gr: dict[str, Any]) -> bool:
        """Adjust in place; False when the range vanished."""
        if int(gr.get("sheetId", 0) or 0) != sheet.id:
            return True
        a, b = gr.get(lo), gr.get(hi)
        if delta > 0:
            if a is not None and a >= start:
                gr[lo] = a + delta
            if b is not None and b > start:
                gr[hi] = b + delta
            return True
        count = -delta

        def pos(x: int) -> int:
            return x if x <= start else (start if x <= end else x - count)

        if a is not None:
            gr[lo] = pos(a)
        if b is not None:
            gr[hi] = pos(b)
        return not (a is not None and b is not None and gr[lo] >= gr[hi])

    sheet.merges = [m for m in sheet.merges if fix(m)]
    for nr in book.named_ranges:
        fix(nr.setdefault("range", {}))
    sheet.protected = [p for p in sheet.protected if "range" not in p or fix(p["range"])]
    flt = sheet.basic_filter
    if flt and "range" in flt and not fix(flt["range"]):
        sheet.basic_filter = None
