"""Spreadsheet functions for formulas.py. Arguments arrive as thunks so IF and IFERROR evaluate
only the branch they need. Over ranges, SUM/AVERAGE/MIN/MAX/COUNT look at numbers only (text and
booleans in a range are skipped, as in Google Sheets); direct arguments are coerced."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .operands import Range, number
from .operands import text as _text
from .store import CellError

Thunk = Callable[[], Any]


def _error_in(values: list[Any]) -> CellError | None:
    for v in values:
        if isinstance(v, CellError):
            return v
    return None


def _numbers(args: list[Thunk], fname: str) -> list[Any]:
    """Numbers from the arguments (ranges: numbers only; scalars: coerced). May hold errors."""
    out: list[Any] = []
    for thunk in args:
        v = thunk()
        if isinstance(v, Range):
            for x in v.values():
                numeric = isinstance(x, (int, float)) and not isinstance(x, bool)
                if numeric or isinstance(x, CellError):
                    out.append(x)
        elif v is None:
            continue
        else:
            out.append(number(v))
    return out


def _count_error(name: str, n: int) -> CellError:
    return CellError(
        "#N/A", "N_A",
        f"Wrong number of arguments to {name}. Expected at least 1 arguments, but got {n} "
        "arguments.",
    )


def fn_sum(args: list[Thunk]) -> Any:
    xs = _numbers(args, "SUM")
    return _error_in(xs) or sum(xs)


def fn_average(args: list[Thunk]) -> Any:
    xs = _numbers(args, "AVERAGE")
    err = _error_in(xs)
    if err:
        return err
    if not xs:
        return CellError(
            "#DIV/0!", "DIVIDE_BY_ZERO", "Evaluation of function AVERAGE caused a divide by zero "
            "error.",
        )
    return sum(xs) / len(xs)


def fn_min(args: list[Thunk]) -> Any:
    xs = _numbers(args, "MIN")
    return _error_in(xs) or (min(xs) if xs else 0)


def fn_max(args: list[Thunk]) -> Any:
    xs = _numbers(args, "MAX")
    return _error_in(xs) or (max(xs) if xs else 0)


def fn_count(args: list[Thunk]) -> Any:
    n = 0
    for thunk in args:
        v = thunk()
        items = v.values() if isinstance(v, Range) else [v]
        for x in items:
            if isinstance(x, (int, float)) and not isinstance(x, bool):
                n += 1
    return n


def fn_counta(args: list[Thunk]) -> Any:
    n = 0
    for thunk in args:
        v = thunk()
        items = v.values() if isinstance(v, Range) else [v]
        n += sum(1 for x in items if x is not None and x != "")
    return n


def _truth(v: Any) -> Any:
    if isinstance(v, Range):
        v = next(v.values(), None)
    if isinstance(v, CellError):
        return v
    if v is None:
        return False
    if isinstance(v, str):
        if v.upper() in ("TRUE", "FALSE"):
            return v.upper() == "TRUE"
        return CellError(
            "#VALUE!", "VALUE",
            f"Function IF parameter 1 expects boolean values. But '{v}' is a text and cannot be "
            "coerced to a boolean.",
        )
    return bool(v)


def fn_if(args: list[Thunk]) -> Any:
    if not 2 <= len(args) <= 3:
        return _count_error("IF", len(args))
    cond = _truth(args[0]())
    if isinstance(cond, CellError):
        return cond
    if cond:
        return args[1]()
    return args[2]() if len(args) == 3 else False


def fn_iferror(args: list[Thunk]) -> Any:
    if not 1 <= len(args) <= 2:
        return _count_error("IFERROR", len(args))
    v = args[0]()
    if isinstance(v, CellError):
        return args[1]() if len(args) == 2 else None
    return v


def fn_round(args: list[Thunk]) -> Any:
    if not 1 <= len(args) <= 2:
        return _count_error("ROUND", len(args))
    x = number(args[0]())
    places = number(args[1]()) if len(args) == 2 else 0
    err = _error_in([x, places])
    if err:
        return err
    q = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    return float(q)


def fn_abs(args: list[Thunk]) -> Any:
    if len(args) != 1:
        return _count_error("ABS", len(args))
    x = number(args[0]())
    return x if isinstance(x, CellError) else abs(x)


def _bools(args: list[Thunk]) -> list[Any]:
    out = []
    for thunk in args:
        v = thunk()
        items = list(v.values()) if isinstance(v, Range) else [v]
        for x in items:
            if x is None or (isinstance(x, str) and isinstance(v, Range)):
                continue
            out.append(_truth(x))
    return out


def fn_and(args: list[Thunk]) -> Any:
    bs = _bools(args)
    return _error_in(bs) or all(bs)


def fn_or(args: list[Thunk]) -> Any:
    bs = _bools(args)
    return _error_in(bs) or any(bs)


def fn_not(args: list[Thunk]) -> Any:
    if len(args) != 1:
        return _count_error("NOT", len(args))
    b = _truth(args[0]())
    return b if isinstance(b, CellError) else not b


def fn_concatenate(args: list[Thunk]) -> Any:
    parts: list[str] = []
    for thunk in args:
        v = thunk()
        items = list(v.values()) if isinstance(v, Range) else [v]
        err = _error_in(items)
        if err:
            return err
        parts.extend(_text(x) for x in items)
    return "".join(parts)


FUNCTIONS: dict[str, Callable[[list[Thunk]], Any]] = {
    "SUM": fn_sum,
    "AVERAGE": fn_average,
    "MIN": fn_min,
    "MAX": fn_max,
    "COUNT": fn_count,
    "COUNTA": fn_counta,
    "IF": fn_if,
    "IFERROR": fn_iferror,
    "ROUND": fn_round,
    "ABS": fn_abs,
    "AND": fn_and,
    "OR": fn_or,
    "NOT": fn_not,
    "CONCATENATE": fn_concatenate,
}


def call(name: str, args: list[Thunk]) -> Any:
    fn = FUNCTIONS.get(name)
    if fn is None:
        return CellError("#NAME?", "NAME", f"Unknown function: '{name.lower()}'.")
    result = fn(args)
    if isinstance(result, float) and (math.isinf(result) or math.isnan(result)):
        return CellError("#NUM!", "NUM", f"{name} result is out of range.")
    return result
