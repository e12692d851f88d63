"""Recalculate an .xlsx with the ``formulas`` package, the Funnel KPI functions registered.

Each UDF is registered under its Excel name. A call goes through xlwings' ``call_udf`` the way
Excel's does: a range arrives as rows of values, an error cell as Excel's COM error integer, an
empty cell as None; the result is what xlwings hands back, and an error text in it becomes
the formula engine's error value, as Excel shows a returned error value.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import formulas
import numpy as np
import schedula as sh
from formulas.ranges import Ranges
from formulas.tokens.operand import Error, XlError

from excel_udfs.errors import CellError

_EMPTY = sh.EMPTY  # an empty cell as the formula engine gives it


def _to_excel_cell(x: Any) -> Any:
    """A cell value as Excel hands it to a UDF (COM error integers for errors)."""
    if x is _EMPTY or x is None:
        return None
    if isinstance(x, XlError):
        e = CellError.from_text(str(x))
        return e.scode if e is not None else CellError.VALUE.scode
    if isinstance(x, np.bool_ | bool):
        return bool(x)
    if isinstance(x, np.integer | np.floating | int | float):
        return float(x)
    return x


def _argument(a: Any) -> Any:
    if isinstance(a, Ranges):
        a = a.value
    if isinstance(a, np.ndarray):
        if a.size == 1:
            return _to_excel_cell(a.reshape(-1)[0])
        return tuple(tuple(_to_excel_cell(x) for x in row) for row in a.tolist())
    return _to_excel_cell(a)


def _from_excel(x: Any) -> Any:
    if isinstance(x, str):
        e = CellError.from_text(x)
        if e is not None:
            return Error.errors[e.text] if e.text in Error.errors else Error.errors["#VALUE!"]
    return x


def _registered(call_udf: Callable[..., Any], name: str) -> Callable[..., Any]:
    def udf(*args: Any) -> Any:
        result = call_udf(name, *(_argument(a) for a in args))
        rows = [[_from_excel(x) for x in row] for row in result]
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        return np.array(rows, dtype=object)

    return udf


@contextlib.contextmanager
def udfs_registered(call_udf: Callable[..., Any], names: list[str]) -> Iterator[None]:
    functions = formulas.get_functions()
    clashes = [n for n in names if n in functions]
    assert not clashes, f"UDF names that formulas knows as built-ins: {clashes}"
    try:
        for name in names:
            functions[name] = _registered(call_udf, name)
        yield
    finally:
        for name in names:
            functions.pop(name, None)


def recalculate(path: Path) -> dict[tuple[str, str], Any]:
    """{(sheet name upper-cased, "B5"): value} of every formula cell of the workbook."""
    model = formulas.ExcelModel().loads(str(path)).finish()
    solution = model.calculate()
    out: dict[tuple[str, str], Any] = {}
    for key, ranges in solution.items():
        ref = str(key)
        if "!" not in ref:
            continue
        sheet, cells = ref.rsplit("!", 1)
        sheet = sheet.strip("'").split("]", 1)[-1]
        value = ranges.value if isinstance(ranges, Ranges) else ranges
        array = np.asarray(value, dtype=object)
        if array.ndim == 0:
            array = array.reshape(1, 1)
        first = cells.split(":")[0]
        col, row = _split(first)
        for i, line in enumerate(array):
            for j, x in enumerate(line):
                out[(sheet.upper(), f"{_letters(col + j)}{row + i}")] = x
    return out


def _split(a1: str) -> tuple[int, int]:
    letters = "".join(ch for ch in a1 if ch.isalpha())
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n, int(a1[len(letters):])


def _letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out
