"""POST /api/v1/functions/<NAME>: the spreadsheet functions of the registry, many calls in one
request, for the Google Sheets add-on and the Office add-in (docs/addon.md).

    {"calls": [{"args": [<arg>, ...]}, ...]}  ->  {"results": [<result>, ...]}

An argument is what Apps Script hands a custom function: a scalar (number, text, boolean, null or
"" for a blank cell) or a range as rows of such cells; dates come as ISO text or serial numbers.
Each call is computed exactly as the Excel function computes it: the cells cleaned by the Excel
functions' own reader (``excel_udfs.adapters.clean``, over ``funnel_kpi.parse_number`` and
``parse_date``), the formula run by ``funnel_kpi.registry.call``; FUNNEL, BOTTLENECK and
CONVERSIONS by their own adapters. A result is ``{"value": ...}`` or the error the Excel function
shows, with the reason and its text in English and Russian. A call that fails never fails the
batch; only a body that is not a batch, or too large a one, is refused as a whole.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
from flask import Response, request

from excel_udfs import adapters as A
from excel_udfs.arrays import Spill
from excel_udfs.errors import CellError, InputErrorValue, UsageError, error_for
from funnel_kpi import registry
from funnel_kpi.messages import undefined_text
from funnel_kpi.registry import NUMBER_UNITS, CallError, Function
from funnel_kpi.values import Value
from sheets_sync.app.api import api
from sheets_sync.app.auth import require_token
from sheets_sync.app.encode import encode_json
from sheets_sync.app.errors import ApiError
from sheets_sync.app.limits import over

log = logging.getLogger(__name__)

Scalar = str | int | float | bool | None
Arg = Scalar | list[Scalar | list[Scalar]]
Result = dict[str, Any]


class CallIn(msgspec.Struct, forbid_unknown_fields=True):
    args: list[Arg]


class BatchIn(msgspec.Struct, forbid_unknown_fields=True):
    calls: list[CallIn]


_decode = msgspec.json.Decoder(BatchIn).decode


def read_batch(raw: bytes) -> list[CallIn]:
    """The calls of a body; a 400 for a body that is not JSON, a 422 naming the place for JSON
    that is not a batch. msgspec decodes and checks the shapes in one pass (a tenth of what
    pydantic takes on 1,000 calls, which is most of a small call's cost)."""
    if not raw.strip():
        raise ApiError(400, "missing_body", "error.api_calls_body")
    try:
        return _decode(raw).calls
    except msgspec.ValidationError as e:
        where = str(e).rpartition(" - at ")[2].strip("`") if " - at " in str(e) else "$"
        raise ApiError(422, "invalid_request", "error.api_calls_shape", {"why": e},
                       [{"field": where, "message": str(e)}]) from None
    except msgspec.DecodeError as e:
        raise ApiError(400, "bad_request", "error.api_calls_not_json", {"why": e}) from None


def _cells(arg: Arg) -> int:
    if not isinstance(arg, list):
        return 1
    return sum(len(r) if isinstance(r, list) else 1 for r in arg)


def check_size(calls: Sequence[CallIn]) -> None:
    if (limit := over("FUNCTIONS_MAX_CALLS", len(calls))) is not None:
        raise ApiError(413, "too_many_calls", "error.api_too_many_calls",
                       {"calls": len(calls), "limit": limit},
                       [{"field": "calls", "calls": len(calls), "limit": limit}])
    cells = sum(_cells(a) if type(a) is list else 1 for c in calls for a in c.args)
    if (cell_limit := over("COMPUTE_MAX_CELLS", cells)) is not None:
        raise ApiError(413, "too_many_cells", "error.api_cells_ranges",
                       {"cells": cells, "limit": cell_limit},
                       [{"field": "calls", "cells": cells, "limit": cell_limit}])


# --- one call ---------------------------------------------------------------------------------

def error_result(error: CellError, reason: str, en: str, ru: str) -> Result:
    return {"error": error.text, "reason": reason, "message": en, "message_ru": ru}


def input_error(error: CellError) -> Result:
    """An input cell's error is the result, as in Excel; #VALUE! is also what a text in a
    number cell gives (excel_udfs.coerce.number)."""
    if error is CellError.VALUE:
        return error_result(error, "not_a_number", "an input is not a number (or holds #VALUE!)",
                            "входное значение — не число (или #VALUE!)")
    return error_result(error, "input_error", f"an input cell holds {error.text}",
                        f"во входной ячейке {error.text}")


def value_result(v: Value) -> Result:
    if v.value is not None:
        return {"value": v.value}
    reason = v.reason or "missing_input"
    return error_result(error_for(reason), reason, undefined_text(reason, "en"),
                        undefined_text(reason, "ru"))


def _cell(x: object) -> object:
    return x.text if isinstance(x, CellError) else x


def rows_result(rows: list[list[Any]]) -> Result:
    """A table of cells: an undefined cell is its error's text, as Apps Script shows it (a
    custom function cannot return an error value inside an array)."""
    return {"value": [[_cell(x) for x in row] for row in rows]}


def spill_result(s: Spill) -> Result:
    cells = [v if code == 0 else error_for(s.reasons[code]).text
             for v, code in zip(s.values.tolist(), s.codes.tolist(), strict=True)]
    return {"value": [cells] if s.orientation == "row" else [[c] for c in cells]}


def _table(fn: Callable[..., Any]) -> Callable[[Function, list[Arg]], Any]:
    """The Excel adapter of a function that builds a table, without its cell-value wrapper
    (``excel_function``): its errors are told apart here, with their reasons."""
    bare: Callable[..., Any] = getattr(fn, "__wrapped__", fn)

    def run(spec: Function, args: list[Arg]) -> Any:
        if not sum(1 for a in spec.args if not a.optional) <= len(args) <= len(spec.args):
            raise CallError(f"use {spec.usage()}", f"вызов: {spec.usage()}")
        return bare(*args)

    return run


TABLES = {"FUNNEL": _table(A.funnel), "BOTTLENECK": _table(A.bottleneck),
          "CONVERSIONS": _table(A.conversions)}


# Below this an int cell is a COM error code (excel_udfs.coerce.cell_error), not a number.
_LOWEST_NUMBER = -2146826000


_SINGLE_NUMBERS = {f.name: tuple(not a.array and a.unit in NUMBER_UNITS for a in f.args)
                   for f in registry.FUNCTIONS.values()}


def scalar(spec: Function, args: list[Arg]) -> Value | tuple[Value, ...]:
    """``excel_udfs.adapters.run`` up to the result: each argument cleaned by its spec, the
    formula by ``registry.call``; the Value is kept, so its reason goes out too. A number cell
    given as a JSON number is taken as it is, which is what ``coerce.number`` makes of it
    without its checks, the larger part of a batch's own time (tests/addon/test_cases.py
    holds the answers equal)."""
    given = args if len(args) >= len(spec.args) else [
        *args, *(a.default for a in spec.args[len(args):])]
    cleaned: list[Any] = []
    for a, plain, x in zip(spec.args, _SINGLE_NUMBERS[spec.name], given, strict=False):
        t = type(x)
        if plain and t is float:
            cleaned.append(x if math.isfinite(x) else None)  # type: ignore[arg-type]
        elif plain and t is int and x >= _LOWEST_NUMBER:  # type: ignore[operator]
            cleaned.append(float(x))  # type: ignore[arg-type]
        else:
            cleaned.append(A.clean(a, x))
    if len(given) > len(spec.args):  # one too many: registry.call says how to call it
        cleaned.extend(given[len(spec.args):])
    return registry.call(spec.name, cleaned)


def evaluate(spec: Function, args: list[Arg]) -> Result:
    """One call's result; never raises (a failure is that call's error)."""
    try:
        table = TABLES.get(spec.name)
        out = scalar(spec, args) if table is None else table(spec, args)
    except InputErrorValue as e:
        return input_error(e.error)
    except CallError as e:
        return error_result(CellError.VALUE, "bad_call", e.en, e.ru)
    except UsageError as e:  # its text is "<en> / <ru>" (excel_udfs.errors)
        en, _, ru = str(e).partition(" / ")
        return error_result(CellError.VALUE, "bad_call", en, ru or en)
    except OverflowError:  # an integer cell past the float range (10**400): not a number
        return input_error(CellError.VALUE)
    except Exception:  # a bug must cost one cell, not the batch; it is logged
        log.exception("%s failed on %r", spec.name, args)
        return error_result(CellError.VALUE, "internal_error", "the service failed on this "
                            "call; it was logged", "сервис не смог выполнить вызов; это записано")
    if isinstance(out, Value):
        return value_result(out)
    if isinstance(out, tuple):  # a column of values, as Excel spills a list
        return {"value": [[v.value if v.value is not None else error_for(v.reason).text]
                          for v in out]}
    if isinstance(out, Spill):
        return spill_result(out)
    if isinstance(out, list):
        return rows_result(out)
    if isinstance(out, CellError):
        return input_error(out)
    return {"value": out}


def lookup(name: str) -> Function:
    try:
        return registry.function(name)
    except CallError as e:
        raise ApiError(404, "unknown_function", "error.api_unknown_function",
                       {"what_en": e.en, "what_ru": e.ru},
                       {"functions": list(registry.FUNCTIONS)}) from None


@api.post("/functions/<name>")
@require_token
def call_function(name: str) -> Response:
    spec = lookup(name)
    calls = read_batch(request.get_data(cache=False))
    check_size(calls)
    results = [evaluate(spec, c.args) for c in calls]
    return Response(encode_json({"results": results}), mimetype="application/json")
