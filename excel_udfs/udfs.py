"""The xlwings UDF module: point xlwings' "UDF Modules" at ``excel_udfs.udfs``.

The functions are made from the registry's spec (``funnel_kpi.registry.FUNCTIONS``): names,
arguments, defaults and help in English and Russian are read from there, so Excel, the docs, the
API and the add-on cannot drift. xlwings reads a UDF through ``inspect.signature`` (arguments and
defaults), ``typing.get_type_hints`` (annotations), ``__name__`` and ``__doc__`` (see
``xlwings.udfs.xlfunc``), so ``_udf`` builds a real function with those set; ``@xw.arg`` gives
each argument its help, ``err_to_str`` (error cells arrive as "#N/A") and ``ndim=2`` for ranges.
The function is ``adapters.run`` (the one "clean per spec, call the formula, map the result"
path), and ``wire.to_excel`` turns an undefined result into a real Excel error value. Arrays are
returned as rows and spill as dynamic arrays in Excel 365 (no ``expand``: xlwings' docs say
native dynamic arrays need none).

Every range of numbers (an argument of a numeric unit that takes a range: the counts of
CONVERSIONS, OVERALL, FUNNEL, ...) is read by ``converters.NumberArray`` on xlwings' raw
accessor, which skips xlwings' per-cell cleaning: a range of numbers and blanks becomes a float
array in a few passes of C, any other range reaches the adapters as Excel handed it (error cells
as COM's codes, which ``coerce.cell_error`` reads as it reads "#N/A").

CONVERSIONS (numpy arrays both ways), FUNNEL, BOTTLENECK (tables) and KPI (any KPI by id) are
written out below, their argument help taken from the same spec.

``xw.func`` is applied last on purpose: each ``xw.arg`` registers the function with the default
category, and only the last ``xw.func(category=...)`` call sets ours. Names are checked against
Excel's built-in functions and VBA's reserved words by the tests; that is why Excel's GROWTH and
FORECAST are GROWTHRATE and REVENUEFORECAST here.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import xlwings as xw

from excel_udfs import adapters as A
from excel_udfs import kpi_table
from excel_udfs.converters import NumberArray
from excel_udfs.wire import to_excel
from funnel_kpi import registry
from funnel_kpi.registry import NUMBER_UNITS, Function

CATEGORY = "Funnel KPI"
HELP_LIMIT = 255  # Excel's limit for a function's and an argument's description
HAND_WRITTEN = ("CONVERSIONS", "FUNNEL", "BOTTLENECK")

Fn = TypeVar("Fn", bound=Callable[..., Any])


def _register(spec: Function, fn: Fn, ret: Any = None) -> Fn:
    """xlwings' decorators over ``fn`` with the spec's help. A range of numbers is read by
    ``NumberArray`` (no per-cell cleaning by xlwings; the adapters take the array, or the cells
    as Excel handed them when the range holds anything but numbers and blanks); ``ret``: the
    converter of the result (CONVERSIONS writes its numpy result with NumberArray)."""
    fn.__doc__ = spec.help(HELP_LIMIT)  # before any decorator: the first one reads it
    if ret is not None:
        fn = xw.ret(ret)(fn)
    for a in spec.args:
        options: dict[str, Any] = {"err_to_str": True}
        convert = None
        if a.array:
            options["ndim"] = 2
            convert = NumberArray if a.unit in NUMBER_UNITS else None
        fn = xw.arg(a.name, convert, doc=f"{a.en} / {a.ru}", **options)(fn)
    registered: Fn = xw.func(category=CATEGORY)(fn)
    return registered


def _udf(spec: Function) -> Callable[..., Any]:
    """A real function named and shaped as the spec says, computing through ``adapters.run``."""
    name = spec.name

    def udf(*args: Any) -> Any:
        return to_excel(A.run(name, *args))

    udf.__name__ = udf.__qualname__ = name
    udf.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
        inspect.Parameter(a.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Any,
                          default=a.default if a.optional else inspect.Parameter.empty)
        for a in spec.args])
    udf.__annotations__ = {a.name: Any for a in spec.args} | {"return": Any}
    return _register(spec, udf)


_GENERATED = {name: _udf(spec) for name, spec in registry.FUNCTIONS.items()
              if name not in HAND_WRITTEN}
globals().update(_GENERATED)  # xlwings finds UDFs as attributes of this module


def CONVERSIONS(stage_counts: Any) -> Any:
    return A.conversions(stage_counts)  # made Excel's by NumberArray.write_value, once


def FUNNEL(stage_names: Any, stage_counts: Any, owners: Any = None) -> Any:
    return to_excel(A.funnel(stage_names, stage_counts, owners))


def BOTTLENECK(stage_names: Any, stage_counts: Any, kind: Any = None, owners: Any = None) -> Any:
    return to_excel(A.bottleneck(stage_names, stage_counts, kind, owners))


# numpy arrays both ways, no per-cell cleaning (excel_udfs.arrays)
CONVERSIONS = _register(registry.FUNCTIONS["CONVERSIONS"], CONVERSIONS, ret=NumberArray)
FUNNEL = _register(registry.FUNCTIONS["FUNNEL"], FUNNEL)
BOTTLENECK = _register(registry.FUNCTIONS["BOTTLENECK"], BOTTLENECK)


@xw.func(category=CATEGORY)
@xw.arg("kpi_id", doc='KPI id or name from the registry, e.g. "cac" or "Конверсия шага" / '
        'id или название показателя, например "cac" или "Step conversion"', err_to_str=True)
@xw.arg("args", doc="The KPI's inputs in order (see docs/kpis.md) / Исходные данные показателя "
        "по порядку (см. docs/kpis.ru.md)", err_to_str=True, ndim=2)
def KPI(kpi_id: Any, *args: Any) -> Any:
    """KPI(kpi_id, inputs...): any KPI of the registry by id or name, computed as the service
    computes it, e.g. KPI("cac", spend, customers, sales_cost). / Любой показатель реестра по
    id или названию."""
    return to_excel(kpi_table.kpi(kpi_id, *args))


FUNCTIONS: tuple[Callable[..., Any], ...] = (
    *(_GENERATED[name] if name not in HAND_WRITTEN else globals()[name]
      for name in registry.FUNCTIONS), KPI)
