"""Excel-shaped arguments -> the plain numbers, dates and texts the core takes.

What a function receives from Excel (through xlwings, or through a formula engine in tests):

- a single cell: a scalar (float, int, str, bool, datetime) or None when blank;
- a range: rows of cells (tuples of tuples, or lists of lists), in either orientation;
- an Excel error: its text ("#N/A", because the UDFs read with ``err_to_str``) or, read without
  that option, the COM error integer (-2146826246).

Numbers written as text ("1 234,5", "30%") and dates as datetimes, serial numbers or text are
read by ``funnel_kpi.parse.cells``, the same parser the service uses on a sheet. Inside a range a
cell
that is not a number (a header caught in the range, a typo) is left out as missing, as the
service leaves it out; a single-cell argument that is not a number is #VALUE!, as in Excel's
arithmetic. An error value anywhere in an argument is the result, as in Excel's SUM.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import date
from operator import itemgetter
from typing import Literal

from excel_udfs.errors import CellError, InputErrorValue, UsageError
from funnel_kpi import CellIssue, parse_date, parse_number, parse_text

Orientation = Literal["row", "column"]
_first = itemgetter(0)
_LOWEST_SCODE = CellError.NULL.scode - 100  # COM error integers lie just above this


def cell_error(x: object) -> CellError | None:
    """The Excel error a cell value stands for, or None."""
    t = type(x)
    if t is str:
        s = x.strip()  # type: ignore[attr-defined]
        return CellError.from_text(s) or (CellError.VALUE if _looks_like_error(s) else None)
    if t is int and x < -2146826000 and x > _LOWEST_SCODE:  # type: ignore[operator]
        return CellError.from_scode(x)  # type: ignore[arg-type]
    return None


def _looks_like_error(s: str) -> bool:
    # Errors of newer Excel versions ("#BLOCKED!") that have no CVErr code of their own here.
    return len(s) > 2 and s[0] == "#" and s[-1] in "!?" and s[1:-1].replace("/", "").isalpha()


def grid(arg: object) -> list[Sequence[object]]:
    """Any argument as rows of cells: a scalar is one cell, a flat sequence is one row."""
    if isinstance(arg, list | tuple):
        if not arg:
            return []
        if isinstance(arg[0], list | tuple):
            return list(arg)
        return [arg]
    return [(arg,)]


def vector(arg: object, name: str) -> tuple[list[object], Orientation]:
    """The cells of a one-row or one-column argument, and which of the two it was."""
    rows = grid(arg)
    if len(rows) <= 1:
        return (list(rows[0]) if rows else []), "row"
    if max(map(len, rows)) == 1:
        return list(map(_first, rows)), "column"
    raise UsageError(f"{name}: give one row or one column",
                     f"{name}: нужна одна строка или один столбец")


def shaped(values: Sequence[object], orientation: Orientation) -> list[list[object]]:
    """Values laid out as the input was: one row, or one column."""
    if orientation == "row":
        return [list(values)]
    return [[v] for v in values]


def single(arg: object, name: str) -> object:
    """The one cell of a single-cell argument (a 1x1 range is fine)."""
    if isinstance(arg, list | tuple):
        cells, _ = vector(arg, name)
        if len(cells) != 1:
            raise UsageError(f"{name}: give one cell", f"{name}: нужна одна ячейка")
        return cells[0]
    return arg


def number(arg: object, name: str) -> float | None:
    """A single-cell number; blank is None, an error cell is raised, text not a number #VALUE!."""
    x = single(arg, name)
    if type(x) is float:
        return x if math.isfinite(x) else None
    err = cell_error(x)
    if err is not None:
        raise InputErrorValue(err)
    n = parse_number(x)
    if isinstance(n, CellIssue):
        raise InputErrorValue(CellError.VALUE)
    return None if n is None else float(n)


def numbers(cells: Sequence[object]) -> list[float | None]:
    """Numbers of a range's cells; blank or unreadable cells are None, an error cell raised."""
    out: list[float | None] = []
    append = out.append
    for x in cells:
        if type(x) is float and math.isfinite(x):
            append(x)
            continue
        err = cell_error(x)
        if err is not None:
            raise InputErrorValue(err)
        n = parse_number(x)
        append(None if n is None or isinstance(n, CellIssue) else float(n))
    return out


def _checked(cells: Sequence[object]) -> Iterator[object]:
    """The cells in order; an error cell (#N/A, #DIV/0!...) raised as its error value."""
    for x in cells:
        err = cell_error(x)
        if err is not None:
            raise InputErrorValue(err)
        yield x


def dates(cells: Sequence[object]) -> list[date | None]:
    """Dates of a range's cells (datetimes, serial numbers, text); blank or unreadable is None."""
    out: list[date | None] = []
    for x in _checked(cells):
        d = parse_date(x)
        out.append(None if d is None or isinstance(d, CellIssue) else d)
    return out


def texts(cells: Sequence[object]) -> list[str | None]:
    """Texts of a range's cells (stage names, statuses); an error cell raised."""
    return [parse_text(x) for x in _checked(cells)]


def text(arg: object, name: str) -> str | None:
    return texts([single(arg, name)])[0]


def same_length(name_a: str, a: Sequence[object], name_b: str, b: Sequence[object]) -> None:
    if len(a) != len(b):
        raise UsageError(
            f"{name_a} and {name_b} must have as many cells ({len(a)} and {len(b)})",
            f"в {name_a} и {name_b} должно быть поровну ячеек ({len(a)} и {len(b)})")
