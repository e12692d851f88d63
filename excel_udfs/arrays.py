"""Ranges as numpy arrays, both ways, without per-cell cleaning: for functions over
100,000-cell columns (``CONVERSIONS``). The xlwings converter over these is
``excel_udfs.converters.NumberArray``; this module needs no xlwings.

xlwings' own numpy converter (``@xw.arg("x", np.array)``) reads through its value accessor,
which cleans every cell in Python first (``Engine.clean_value_data``: blanks, dates, error
codes) and only then builds the array; writing, it turns the array into lists and cleans every
cell again (``prepare_xl_data_element``). On a 100,000-cell column those two passes cost four
times what the formula does. ``NumberArray`` is a converter on xlwings' *raw* accessor (values
as Excel handed them, which xlwings documents for speed), with the cleaning done by numpy:

- reading: a range whose cells are all numbers or blanks becomes a 2-D float64 array, blanks
  NaN, in one pass of numpy's; any other range (an error cell, text, dates, ragged rows) is
  handed over as it came (``ArrayArg.raw``) for the adapters' per-cell reading: the service's
  rules for numbers typed as text, the first error cell as the result;
- writing: a ``Spill`` (float values, NaN where a reason code says why) becomes rows of floats
  in one ``tolist``, and only the undefined cells are visited, to become Excel errors; any
  other result (a message, an error value) becomes one cell, as xlwings' default writer does.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
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


_PLAIN = frozenset({float, type(None)})  # what a number or blank cell arrives as from Excel


def read_numbers(value: Any) -> ArrayArg:
    """See the module docstring. The type test is one pass in C (``set(map(type, ...))``); an
    error cell (an int from COM, a text elsewhere), text, a bool or a date sends the range to
    the per-cell reading, which gives the same answer as before for it."""
    rows = C.grid(value)
    if not rows or not all(isinstance(r, list | tuple) for r in (rows[0], rows[-1])):
        return ArrayArg(None, value)
    widths = set(map(len, rows))
    if len(widths) != 1:
        return ArrayArg(None, value)  # ragged
    if widths == {1}:
        cells: Any = list(map(C._first, rows))  # a column: numpy reads one flat list far faster
        shape = (len(rows), 1)
    else:
        cells = list(chain.from_iterable(rows))
        shape = (len(rows), widths.pop())
    if not set(map(type, cells)) <= _PLAIN:
        return ArrayArg(None, value)
    return ArrayArg(np.array(cells, dtype=np.float64).reshape(shape), value)


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
    if result.orientation == "row":
        rows: list[list[Any]] = [result.values.tolist()]
        for j in np.flatnonzero(result.codes).tolist():
            rows[0][j] = to_excel(error_for(result.reasons[result.codes[j]]))
        return rows
    rows = result.values.reshape(-1, 1).tolist()
    for i in np.flatnonzero(result.codes).tolist():
        rows[i][0] = to_excel(error_for(result.reasons[result.codes[i]]))
    return rows
