"""Whole columns of cells parsed at once: the fast path for large tabs (a 500,000-row deal log).

Each distinct raw value of a column is parsed once and the column is mapped through a dict by
C-level built-ins, so a column of repeated channels, statuses or dates costs a few dict lookups
per cell rather than a parser call per cell.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import date
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from funnel_kpi.inputs import CellColumn, serial_cell
from funnel_kpi.parse.cells import (
    MAX_SERIAL,
    NOT_A_NUMBER,
    SERIAL_EPOCH_ORDINAL,
    CellIssue,
    parse_date,
    parse_number,
    parse_text,
)

T = TypeVar("T")


# ---------------------------------------------------------------- columns as numpy arrays
#
# The same parsers, but a column comes back as one numpy array, and may be fed in chunks of
# rows: a 500,000-row log is read a few hundred rows at a time so that the cells being
# transposed and converted stay in the CPU cache (funnel_kpi.parse.deals); that halves the
# cost of reading it. Each chunk takes as few passes over its cells as it can: a value table
# filled on first sight converts it in one C-level pass, calling the parser once per distinct
# value; a column of mostly distinct numbers (timestamps) is handed to numpy after a type check.

_PLAIN = frozenset({float, int})  # exact types numpy converts the way the parsers would
ISSUE = -math.inf  # in a float column: a cell that could not be read
EPOCH_ORDINAL = SERIAL_EPOCH_ORDINAL  # serial + EPOCH_ORDINAL = date.toordinal()
TABLE_LIMIT = 1 << 14  # distinct values a float column's table holds before numpy takes over
MOSTLY_NEW_MIN = 256  # a chunk at least this long, of mostly new values, also hands over


class _TooMany(Exception):
    """A column has more distinct values than a value table is worth."""


class _Table(dict[object, Any]):
    """Cell -> converted value, filled on first sight, so ``map(table.__getitem__, cells)``
    converts cells in one C-level pass, calling ``convert`` once per distinct value.

    ``plain``: ints and floats stand for themselves (a NaN cell still goes to ``convert``).
    Past ``limit`` distinct values it raises ``_TooMany``.
    """

    def __init__(self, convert: Callable[[object], Any], *, plain: bool = False,
                 limit: int | None = None) -> None:
        super().__init__()
        self.convert, self.plain, self.limit = convert, plain, limit

    def __missing__(self, key: object) -> Any:
        if self.limit is not None and len(self) >= self.limit:
            raise _TooMany
        value = key if self.plain and key.__class__ in _PLAIN and key == key else \
            self.convert(key)
        self[key] = value
        return value

    def mixes_bools(self, values: Sequence[object]) -> bool:
        """True == 1 and False == 0 as dict keys: when ``values`` hold booleans and the table
        has a key equal to one, a boolean may have taken a number's entry or the reverse. The
        entries go (they are made again on next sight) and the caller converts cell by cell."""
        if (True in self or False in self) and bool in set(map(type, values)):
            self.pop(True, None)
            self.pop(False, None)
            return True
        return False


class FloatCells:
    """Cells -> float64, fed in chunks: ints and floats as they are, any other cell through
    ``convert``, which gives NaN for a blank and ``ISSUE`` for a cell it cannot read (a NaN
    cell is an issue too).

    ``convert`` must take any cell (numbers too): it is the path for cells numpy must not
    convert itself (numpy reads True as 1.0 and the text "1.5" as 1.5).
    """

    def __init__(self, convert: Callable[[object], float]) -> None:
        self.convert = convert
        self.table = _Table(convert, plain=True, limit=TABLE_LIMIT)
        self.many = False  # too many distinct values for the table: numpy converts numbers
        self.parts: list[NDArray[np.float64]] = []

    def feed(self, values: Sequence[object]) -> None:
        self.parts.append(self._floats(values))

    def result(self) -> NDArray[np.float64]:
        return np.concatenate(self.parts) if self.parts else np.zeros(0)

    def _one_by_one(self, values: Sequence[object]) -> NDArray[np.float64]:
        return np.fromiter(map(self.convert, values), np.float64, len(values))

    def _floats(self, values: Sequence[object]) -> NDArray[np.float64]:
        n = len(values)
        if not self.many:
            out: NDArray[np.float64] | None = None
            known = len(self.table)
            try:
                out = np.fromiter(map(self.table.__getitem__, values), np.float64, n)
            except _TooMany:
                self.many = True
            except (TypeError, OverflowError):  # an unhashable cell; an int beyond any float
                pass
            else:
                # Mostly new values (timestamps): the table would only fill up to its limit
                # before giving up, at a parser call per value; numpy takes over at once.
                self.many = n >= MOSTLY_NEW_MIN and len(self.table) - known > n // 2
            # checked on every path: the table may hold this chunk's booleans even when the
            # pass above stopped half-way
            mixed = self.table.mixes_bools(values)
            if out is not None and not mixed:
                return out
            if not self.many:
                return self._one_by_one(values)
        types = set(map(type, values))
        if types <= _PLAIN:
            try:
                out = np.fromiter(values, np.float64, n)
            except OverflowError:
                return self._one_by_one(values)
            out[np.isnan(out)] = ISSUE
            return out
        if bool in types:
            return self._one_by_one(values)
        try:  # plain numbers pass through get(); a NaN cell is caught by v != v
            table = {v: self.convert(v) for v in set(values)
                     if v.__class__ not in _PLAIN or v != v}
            return np.fromiter(map(table.get, values, values), np.float64, n)
        except (TypeError, OverflowError):
            return self._one_by_one(values)


class CodeCells:
    """Cells -> small ints by ``convert``, fed in chunks; ``convert`` runs once per distinct
    value (each chunk is one C-level pass through a value table)."""

    def __init__(self, convert: Callable[[object], int], dtype: type[np.signedinteger[Any]],
                 ) -> None:
        self.convert, self.dtype = convert, dtype
        self.table = _Table(convert)
        self.parts: list[NDArray[Any]] = []

    def feed(self, values: Sequence[object]) -> None:
        out: NDArray[Any] | None = None
        with suppress(TypeError):  # an unhashable cell: cell by cell below
            out = np.fromiter(map(self.table.__getitem__, values), self.dtype, len(values))
        # checked on every path: the table may hold this chunk's booleans even when the pass
        # above stopped half-way
        if self.table.mixes_bools(values) or out is None:
            out = np.fromiter(map(self.convert, values), self.dtype, len(values))
        self.parts.append(out)

    def result(self) -> NDArray[Any]:
        return np.concatenate(self.parts) if self.parts else np.zeros(0, self.dtype)


def date_cells(locale: str | None = None) -> FloatCells:
    """``FloatCells`` of date serials (see ``dates_of``)."""
    def convert(value: object) -> float:
        d = parse_date(value, locale=locale)
        if d is None:
            return math.nan
        return ISSUE if isinstance(d, CellIssue) else float(d.toordinal() - EPOCH_ORDINAL)
    return FloatCells(convert)


def dates_of(serials: NDArray[np.float64], cell: Callable[[int], object], *,
             locale: str | None = None) -> tuple[NDArray[np.int32], list[tuple[int, CellIssue]]]:
    """Date ordinals (0 for blank or unreadable) and the issues, from ``date_cells``' result.

    A time of day is cut off as ``parse_date`` does. A cell outside the serial range is parsed
    again (``cell(i)`` gives it): it is an issue, or a date before 1900 given as text or a date.
    """
    valid = (serials >= 1) & (serials <= MAX_SERIAL)
    out = np.zeros(len(serials), np.int32)
    out[valid] = np.floor(serials[valid]).astype(np.int32) + EPOCH_ORDINAL
    issues: list[tuple[int, CellIssue]] = []
    for i in np.flatnonzero(~valid & ~np.isnan(serials)).tolist():
        d = parse_date(cell(i), locale=locale)
        if isinstance(d, date):
            out[i] = d.toordinal()
        elif isinstance(d, CellIssue):
            issues.append((i, d))
    return out, issues


def number_cells(locale: str | None = None) -> FloatCells:
    """``FloatCells`` of numbers (see ``numbers_of``)."""
    def convert(value: object) -> float:
        x = parse_number(value, locale=locale)
        if x is None:
            return math.nan
        if isinstance(x, CellIssue):
            return ISSUE
        try:
            return float(x)
        except OverflowError:  # an int beyond any float: no amount can be that large
            return ISSUE
    return FloatCells(convert)


def numbers_of(floats: NDArray[np.float64], cell: Callable[[int], object], *,
               locale: str | None = None,
               ) -> tuple[NDArray[np.float64], list[tuple[int, CellIssue]]]:
    """Numbers (NaN for blank or unreadable) and the issues, from ``number_cells``' result.

    An int too large for a float (beyond 1.8e308) is an issue here (not_a_number).
    """
    bad = np.flatnonzero(np.isinf(floats))
    issues: list[tuple[int, CellIssue]] = []
    for i in bad.tolist():
        x = parse_number(cell(i), locale=locale)
        issues.append((i, x if isinstance(x, CellIssue) else NOT_A_NUMBER))
    out = floats.copy()
    out[bad] = math.nan
    return out, issues


class TextCells(CodeCells):
    """``parse_text`` as codes into ``names``; code 0 is blank (None)."""

    def __init__(self) -> None:
        self.numbers: dict[str | None, int] = {None: 0}
        super().__init__(self._number, np.int32)

    def _number(self, value: object) -> int:
        return self.numbers.setdefault(parse_text(value), len(self.numbers))

    @property
    def names(self) -> tuple[str | None, ...]:
        return tuple(self.numbers)


def date_array(values: Sequence[object], *, locale: str | None = None,
               ) -> tuple[NDArray[np.int32], list[tuple[int, CellIssue]]]:
    """``parse_date`` over a whole column as ordinals (0: none), and the issues by position."""
    cells = date_cells(locale)
    cells.feed(values)
    return dates_of(cells.result(), values.__getitem__, locale=locale)


def number_array(values: Sequence[object], *, locale: str | None = None,
                 ) -> tuple[NDArray[np.float64], list[tuple[int, CellIssue]]]:
    """``parse_number`` over a whole column as floats (NaN: none), and the issues."""
    cells = number_cells(locale)
    cells.feed(values)
    return numbers_of(cells.result(), values.__getitem__, locale=locale)


class ColumnFloats:
    """``FloatCells``' result made from a ``CellColumn`` at once: numbers stand for themselves,
    each distinct text (and boolean) goes through ``convert`` once. Date cells keep their
    serial numbers when ``dates`` (a date column: ``dates_of`` reads them, time of day cut
    off); otherwise each distinct date goes through ``convert`` as the date it is, as a
    row-major tab's would (to an amount, a date is not a number)."""

    def __init__(self, column: CellColumn, convert: Callable[[object], float], *,
                 dates: bool = False) -> None:
        out = column.numbers.copy()
        if column.bools is not None:
            for flag in (True, False):
                out[column.bools & (out == float(flag))] = convert(flag)
        if column.dates is not None and not dates:
            _per_distinct(out, column.dates & ~np.isnan(out), lambda x: convert(serial_cell(x)))
        text = column.codes > 0
        if text.any():
            per_name = np.array([math.nan, *map(convert, column.names[1:])], np.float64)
            out[text] = per_name[column.codes[text]]
        self._values = out

    def result(self) -> NDArray[np.float64]:
        return self._values


def _per_distinct(values: NDArray[np.float64], where: NDArray[np.bool_],
                  convert: Callable[[float], float]) -> None:
    """``values[where]`` through ``convert``, once per distinct value, in place."""
    if where.any():
        distinct, at = np.unique(values[where], return_inverse=True)
        values[where] = np.array([convert(x) for x in distinct.tolist()], np.float64)[at]


class ColumnTexts:
    """``TextCells``' result made from a ``CellColumn`` at once: ``parse_text`` once per
    distinct text and per distinct number ("1001" for 1001.0) or date ("2024-01-05"), then
    numpy takes."""

    def __init__(self, column: CellColumn) -> None:
        numbering: dict[str | None, int] = {None: 0}
        per_name = np.array([numbering.setdefault(parse_text(n), len(numbering))
                             for n in column.names], np.int32)
        per_name[0] = 0
        out = per_name[column.codes]
        numeric = ~np.isnan(column.numbers) & (column.codes == 0)
        if numeric.any():
            n = len(out)
            flags = column.bools if column.bools is not None else np.zeros(n, np.bool_)
            dated = column.dates if column.dates is not None else np.zeros(n, np.bool_)
            kinds: tuple[tuple[NDArray[np.bool_], Callable[[float], str | None]], ...] = (
                (numeric & ~flags & ~dated, parse_text), (numeric & flags, _flag),
                (numeric & dated, _date_text))
            for mask, as_text in kinds:
                if mask.any():
                    distinct, where = np.unique(column.numbers[mask], return_inverse=True)
                    codes = np.array([numbering.setdefault(as_text(x), len(numbering))
                                      for x in distinct.tolist()], np.int32)
                    out[mask] = codes[where]
        self._codes = out.astype(np.int32, copy=False)
        self.names: tuple[str | None, ...] = tuple(numbering)

    def result(self) -> NDArray[np.int32]:
        return self._codes


def _date_text(x: float) -> str | None:
    return parse_text(serial_cell(x))


def _flag(x: object) -> str | None:
    return parse_text(bool(x))
