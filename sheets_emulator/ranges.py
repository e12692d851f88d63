"""Resolving a range (A1 text, named range or GridRange) against a spreadsheet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import a1
from .errors import ApiError, grid_limits, unable_to_parse
from .store import Sheet, Spreadsheet


@dataclass
class Target:
    """A rectangle on one sheet; unbounded sides are None until clipped."""

    sheet: Sheet
    r0: int | None
    r1: int | None
    c0: int | None
    c1: int | None
    single: bool = False

    def clipped(self) -> tuple[int, int, int, int]:
        """The rectangle cut to the grid (start may still lie outside it: see check_inside)."""
        rows, cols = self.sheet.row_count, self.sheet.col_count
        r0 = self.r0 or 0
        c0 = self.c0 or 0
        r1 = rows if self.r1 is None else min(self.r1, rows)
        c1 = cols if self.c1 is None else min(self.c1, cols)
        return r0, max(r1, r0), c0, max(c1, c0)

    def text(self) -> str:
        """The range as Google echoes it (clipped to the grid)."""
        r0, r1, c0, c1 = self.clipped()
        return a1.format_range(self.sheet.title, r0, max(r1, r0 + 1), c0, max(c1, c0 + 1))

    def check_inside(self) -> None:
        """Google refuses a range whose start lies outside the grid."""
        rows, cols = self.sheet.row_count, self.sheet.col_count
        r0, c0 = self.r0 or 0, self.c0 or 0
        if r0 >= rows or c0 >= cols:
            r1 = self.r1 if self.r1 is not None else r0 + 1
            c1 = self.c1 if self.c1 is not None else c0 + 1
            raise grid_limits(a1.format_range(self.sheet.title, r0, r1, c0, c1), rows, cols)


def resolve(book: Spreadsheet, text: str) -> Target:
    """A1 text -> Target. Raises Google's 'Unable to parse range' for anything it cannot name."""
    raw = text.strip()
    if not raw:
        raise unable_to_parse(text)
    try:
        title, ref = a1.split_sheet(raw)
    except ValueError:
        raise unable_to_parse(text) from None
    if title is not None:
        sheet = book.sheet_by_title(title)
        if sheet is None:
            raise unable_to_parse(text)
        if ref is None:
            return Target(sheet, None, None, None, None)
        bounds = a1.parse_ref(ref)
        if bounds is None:
            named = _named(book, ref)
            if named is not None:
                return named
            raise unable_to_parse(text)
        return Target(sheet, bounds.r0, bounds.r1, bounds.c0, bounds.c1, bounds.single)
    assert ref is not None
    bounds = a1.parse_ref(ref)
    if bounds is not None:
        first = _first_visible(book)
        return Target(first, bounds.r0, bounds.r1, bounds.c0, bounds.c1, bounds.single)
    sheet = book.sheet_by_title(ref)
    if sheet is not None:
        return Target(sheet, None, None, None, None)
    named = _named(book, ref)
    if named is not None:
        return named
    raise unable_to_parse(text)


def _first_visible(book: Spreadsheet) -> Sheet:
    for s in book.sheets:
        if not s.props.get("hidden"):
            return s
    return book.sheets[0]


def _named(book: Spreadsheet, name: str) -> Target | None:
    low = name.lower()
    for nr in book.named_ranges:
        if str(nr.get("name", "")).lower() == low:
            return from_grid_range(book, nr.get("range", {}), "namedRange")
    return None


def from_grid_range(book: Spreadsheet, gr: dict[str, Any], where: str) -> Target:
    """A GridRange dict (sheetId may be omitted for sheet 0) -> Target."""
    if not isinstance(gr, dict):
        raise ApiError(400, f"Invalid {where}: range must be an object")
    sheet_id = int(gr.get("sheetId", 0) or 0)
    sheet = book.sheet_by_id(sheet_id)
    if sheet is None:
        raise ApiError(400, f"Invalid {where}: No grid with id: {sheet_id}")
    vals = {}
    for key in ("startRowIndex", "endRowIndex", "startColumnIndex", "endColumnIndex"):
        v = gr.get(key)
        if v is not None and (not isinstance(v, int) or v < 0):
            raise ApiError(400, f"Invalid {where}: {key} must be a non-negative integer")
        vals[key] = v
    target = Target(
        sheet,
        vals["startRowIndex"],
        vals["endRowIndex"],
        vals["startColumnIndex"],
        vals["endColumnIndex"],
    )
    if target.r0 is not None and target.r1 is not None and target.r1 < target.r0:
        raise ApiError(400, f"Invalid {where}: endRowIndex must be >= startRowIndex")
    if target.c0 is not None and target.c1 is not None and target.c1 < target.c0:
        raise ApiError(400, f"Invalid {where}: endColumnIndex must be >= startColumnIndex")
    return target


def to_grid_range(target: Target) -> dict[str, Any]:
    return grid_range(target.sheet.id, target.r0, target.r1, target.c0, target.c1)


def grid_range(sheet_id: int, r0: int | None, r1: int | None, c0: int | None,
               c1: int | None) -> dict[str, Any]:
    """A GridRange as Google writes it: proto3 drops `sheetId` 0, the default (the indexes are
    optional fields, so a 0 there stays)."""
    gr: dict[str, Any] = {"sheetId": sheet_id} if sheet_id else {}
    for key, value in (("startRowIndex", r0), ("endRowIndex", r1), ("startColumnIndex", c0),
                       ("endColumnIndex", c1)):
        if value is not None:
            gr[key] = value
    return gr
