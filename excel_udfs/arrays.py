"""Ranges as numpy arrays, both ways, without per-cell cleaning: for functions over
100,000-cell columns (``CONVERSIONS``), and for every range of numbers an Excel function reads
(``ArrayArg.counts``). The xlwings converter over these is
``excel_udfs.converters.NumberArray``; this module needs no xlwings.

xlwings' own numpy converter (``@xw.arg("x", np.array)``) reads through its value accessor,
which cleans every cell in Python first (``Engine.clean_value_data``: blanks, dates, error
codes) and only then builds the array; writing, it turns the array into lists and cleans every
cell again (``prepare_xl_data_element``). On a 100,000-cell column those two passes cost four
times what the formula does. ``NumberArray`` is a converter on xlwings' *raw* accessor (values
as Excel handed them, which xlwings documents for speed), with the cleaning done in C:

- reading: a range whose cells are all floats or blanks becomes a 2-D float64 array, blanks
  NaN, in four passes of C and no Python loop (``read_numbers``); any other range (an error
  cell, text, a bool, dates, ragged rows) is handed over as it came (``ArrayArg.raw``) for the
  adapters' per-cell reading: the service's rules for numbers typed as text, the first error
  cell as the result;
- writing: a ``Spill`` (float values, NaN where a reason code says why) becomes rows of floats
  in one ``tolist``, and only the undefined cells are visited, to become Excel errors; any
  other result (a message, an error value) becomes one cell, as xlwings' default writer does.

Taking Excel's rows in and handing rows back is most of the time of such a call: on 100,000
cells, reading and writing cost some 30 times the formula (docs/performance.md, section 4).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from operator import countOf
from types import NoneType
from typing import Any

import numpy as np
import numpy.typing as npt

from excel_udfs import coerce as C
from excel_udfs.errors import UsageError, error_for
from excel_udfs.wire import to_excel

Floats = npt.NDArray[np.float64]


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused for the block, as it was after. A call on a
    100,000-cell range makes as many small objects, none in a cycle; collecting while they are
    made would walk them all several times over. Used by ``adapters.excel_function`` around a
    call and by ``write_spill`` around the write xlwings makes after the call has returned."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True, slots=True)
class ArrayArg:
    """A range argument: ``numbers`` (2-D float64, NaN blank) when every cell is a number or a
    blank, else None; ``raw``: the range as Excel handed it, for reading cell by cell."""

    numbers: Floats | None
    raw: Any

    def vector(self, name: str) -> tuple[Floats, C.Orientation]:
        """The one row or one column of ``numbers``, and which it was."""
        assert self.numbers is not None
        rows, cols = self.numbers.shape
        if rows <= 1:
            return self.numbers.reshape(-1), "row"
        if cols == 1:
            return self.numbers[:, 0], "column"
        raise UsageError(f"{name}: give one row or one column",
                         f"{name}: нужна одна строка или один столбец")

    def counts(self, name: str) -> tuple[list[float | None], C.Orientation]:
        """``vector`` as the list ``coerce.numbers`` makes of the same cells (a blank, an
        infinity: None), for the functions whose formulas take lists: one ``tolist`` and a
        visit of the blanks only."""
        array, orientation = self.vector(name)
        out: list[float | None] = array.tolist()
        for i in np.flatnonzero(~np.isfinite(array)).tolist():
            out[i] = None
        return out, orientation


def read_numbers(value: Any) -> ArrayArg:
    """See the module docstring. Every step is one pass in C over the cells, none a Python loop
    (on a 100,000-cell column each costs 1.5-2.5 ms, about the formula's whole time): the
    widths counted, the cells taken out of their rows, their types counted, the array built.
    An error cell (an int from COM, a text elsewhere), text, a bool, a date, a row not as wide as
    the first, or a row that is not a row sends the range to the per-cell reading, which gives
    the same answer as before for it."""
    # Excel's rows as they came (C.grid's copy of 100,000 rows is a pass of its own)
    rows = value if isinstance(value, tuple) and value and type(value[0]) is tuple else (
        C.grid(value))
    if not rows or not isinstance(rows[0], list | tuple):
        return ArrayArg(None, value)
    width = len(rows[0])
    try:
        if countOf(map(len, rows), width) != len(rows):
            return ArrayArg(None, value)  # ragged
        cells = list(map(C._first, rows)) if width == 1 else list(chain.from_iterable(rows))
    except (TypeError, LookupError):  # a scalar among the rows: not a range Excel hands over
        return ArrayArg(None, value)
    n = len(cells)
    floats = countOf(map(type, cells), float)  # exactly float: not a bool, an int, a subclass
    if floats == n:
        array = np.fromiter(cells, np.float64, count=n)
    elif floats + countOf(map(type, cells), NoneType) == n:
        array = np.array(cells, dtype=np.float64)  # numpy makes each None (a blank) NaN
    else:
        return ArrayArg(None, value)
    return ArrayArg(array.reshape(len(rows), width), value)


@dataclass(frozen=True, slots=True)
class Spill:
    """A result column or row: ``values`` (NaN where ``codes`` is not 0) and ``reasons`` (the
    reason of each code, as in funnel_kpi.formulas.STEP_REASONS)."""

    values: Floats
    codes: npt.NDArray[np.int8]
    reasons: tuple[str, ...]
    orientation: C.Orientation


def write_spill(result: Spill) -> list[list[Any]]:
    # xlwings writes after the function has returned, outside excel_function's pause of the
    # collector; 100,000 one-cell rows hold no cycle, and collecting while they are made
    # would triple the time of this write.
    with collector_paused():
        return _rows_of(result)


def _rows_of(result: Spill) -> list[list[Any]]:
    """One ``tolist`` makes the rows (numpy builds each row and float in C: the least a result
    of 100,000 one-cell rows can cost); only the undefined cells are visited after."""
    values = result.values
    rows: list[list[Any]] = (values.reshape(1, -1) if result.orientation == "row"
                             else values.reshape(-1, 1)).tolist()
    undefined = np.flatnonzero(result.codes)
    if undefined.size:
        errors = [to_excel(error_for(r)) for r in result.reasons]
        patches = zip(undefined.tolist(), result.codes[undefined].tolist(), strict=True)
        if result.orientation == "row":
            for j, code in patches:
                rows[0][j] = errors[code]
        else:
            for i, code in patches:
                rows[i][0] = errors[code]
    return rows
