"""Inserting and deleting rows/columns: values, sparse cell extras, row/column metadata and every
GridRange on the sheet (merges, named and protected ranges, the basic filter) move together."""

from __future__ import annotations

from typing import Any

from . import refs
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
        sheet.extras = _add_shift(sheet.extras, start, count)
        sheet.row_meta = _add_shift(sheet.row_meta, start, count)
    else:
        grow(book, sheet, sheet.row_count, sheet.col_count + count)
        for row in sheet.rows:
            if start < len(row):
                row[start:start] = [None] * count
        sheet.extras = {r: _add_shift(cols, start, count) for r, cols in sheet.extras.items()}
        sheet.col_meta = _add_shift(sheet.col_meta, start, count)
    if dim in sheet.groups:
        sheet.groups[dim] = _add_shift(sheet.groups[dim], start, count)
    _move_ranges(book, sheet, dim, start, start, count)
    _move_collapsed(sheet, dim, start, start, count)
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
    if dim in sheet.groups:
        sheet.groups[dim] = _drop_shift(sheet.groups[dim], start, end)
    _move_ranges(book, sheet, dim, start, end, -count)
    _move_collapsed(sheet, dim, start, end, -count)
    _move_formulas(book, sheet, dim, start, -count)


def _move_formulas(book: Spreadsheet, sheet: Sheet, dim: str, start: int, delta: int) -> None:
    for other in book.sheets:
        for cols in other.extras.values():
            for extra in cols.values():
                if "f" in extra:
                    extra["f"] = refs.move(extra["f"], other.title, sheet.title, dim == ROWS,
                                           start, delta)


def _add_shift(d: dict[int, Any], start: int, count: int) -> dict[int, Any]:
    """Keys of `d` (row or column indexes) after `count` were inserted at `start`."""
    return {(k + count if k >= start else k): v for k, v in d.items()}


def _drop_shift(d: dict[int, Any], start: int, end: int) -> dict[int, Any]:
    """Keys of `d` after [start, end) were deleted (the keys inside go)."""
    count = end - start
    return {(k - count if k >= end else k): v for k, v in d.items() if not start <= k < end}


def _moved(x: int, start: int, end: int, delta: int, exclusive_end: bool = False) -> int:
    """Where a range's start (or, with `exclusive_end`, its end) goes after rows/columns
    [start, end) were inserted (delta > 0, start == end) or deleted (delta < 0): an insertion at
    a range's start moves it, one at its end does not grow it; a deletion clamps into it."""
    if delta > 0:
        return x + delta if (x > start if exclusive_end else x >= start) else x
    return x if x <= start else (start if x <= end else x + delta)


def _move_collapsed(sheet: Sheet, dim: str, start: int, end: int, delta: int) -> None:
    """A collapsed group stays collapsed when rows/columns move (if it still exists)."""
    folded = sheet.collapsed.get(dim)
    if folded:
        sheet.collapsed[dim] = {(_moved(a, start, end, delta),
                                 _moved(b, start, end, delta, exclusive_end=True), d)
                                for a, b, d in folded}


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
        if a is not None:
            gr[lo] = _moved(a, start, end, delta)
        if b is not None:
            gr[hi] = _moved(b, start, end, delta, exclusive_end=True)
        return delta > 0 or not (a is not None and b is not None and gr[lo] >= gr[hi])

    sheet.merges = [m for m in sheet.merges if fix(m)]
    for nr in book.named_ranges:
        fix(nr.setdefault("range", {}))
    sheet.protected = [p for p in sheet.protected if "range" not in p or fix(p["range"])]
    flt = sheet.basic_filter
    if flt and "range" in flt and not fix(flt["range"]):
        sheet.basic_filter = None
