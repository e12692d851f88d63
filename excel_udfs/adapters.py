"""The Excel functions without xlwings: read Excel-shaped arguments, call funnel_kpi.formulas.

Every function here takes arguments as Excel hands them to a UDF (see ``coerce``) and returns
what a cell shows: a float, a text, None (an empty cell), a ``CellError``, or rows of those for
a function that spills. The arithmetic is ``funnel_kpi.formulas``, so a cell in Excel and the
KPI tab the service writes give the same number; nothing here divides or multiplies KPIs.

``run`` is the one path of every function in ``funnel_kpi.registry.FUNCTIONS`` that has a
formula: each argument cleaned by its spec (``clean``), ``registry.call``, the result as cells.
CONVERSIONS (numpy arrays both ways), FUNNEL and BOTTLENECK (tables) have their own adapters.

``excel_function`` is the one place where a failed call becomes a cell value: an error cell in
the input is returned as is, a call that makes no sense shows its message, and anything
unexpected shows #VALUE! (and is logged), never a traceback.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar, cast

import numpy as np

from excel_udfs import coerce as C
from excel_udfs.arrays import ArrayArg, Spill, collector_paused, read_numbers
from excel_udfs.errors import CellError, InputErrorValue, UsageError, error_for
from funnel_kpi import (
    PeriodReport,
    StageLine,
    counts_period,
    guess_owners,
    match_header,
    registry,
    stage_lines,
)
from funnel_kpi import formulas as F
from funnel_kpi.model import DEFAULT_FUNNEL, Owner
from funnel_kpi.registry import NUMBER_UNITS, Arg, CallError, CleanArg
from funnel_kpi.values import Value

log = logging.getLogger(__name__)
Fn = TypeVar("Fn", bound=Callable[..., Any])
Cell = float | str | None | CellError
Rows = list[list[Any]]

_CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def excel_function(fn: Fn) -> Fn:
    """Turn every way a call can fail into a cell value (see the module docstring)."""
    @functools.wraps(fn)
    def wrapper(*args: Any) -> Any:
        # The collector waits until the call is done (more than half the time of CONVERSIONS
        # on a 100,000-cell column otherwise): see arrays.collector_paused.
        with collector_paused():
            try:
                return fn(*args)
            except InputErrorValue as e:
                return e.error
            except (UsageError, CallError) as e:
                return str(e)
            except Exception:
                log.exception("%s failed on %r", fn.__name__, args)
                return CellError.VALUE

    return wrapper  # type: ignore[return-value]


def cell(v: Value) -> float | CellError:
    """A KPI value as a cell: the number, or the Excel error for why it is undefined."""
    return v.value if v.value is not None else error_for(v.reason)


def cells(values: Sequence[Value]) -> list[float | CellError]:
    return [v.value if v.value is not None else error_for(v.reason) for v in values]


def _counts(arg: object, name: str) -> tuple[list[float | None], C.Orientation]:
    """The numbers of a one-row or one-column range: from the array when the NumberArray
    converter read one (every cell a number or a blank), else cell by cell."""
    if isinstance(arg, ArrayArg):
        if arg.numbers is not None:
            return arg.counts(name)
        arg = arg.raw
    raw, orientation = C.vector(arg, name)
    return C.numbers(raw), orientation


def _stages(stage_names: object, stage_counts: object, owners: object = None
            ) -> tuple[list[str], list[float | None], list[str], str]:
    """Names, counts and owners of a funnel given as two ranges (and optionally owners)."""
    names_raw, _ = C.vector(stage_names, "stage_names")
    counts, _ = _counts(stage_counts, "stage_counts")
    C.same_length("stage_names", names_raw, "stage_counts", counts)
    if len(counts) < 2:
        raise UsageError("a funnel needs at least two stages",
                         "в воронке должно быть не меньше двух стадий")
    names = [t or "" for t in C.texts(names_raw)]
    lang = "ru" if any(_CYRILLIC.search(n) for n in names) else "en"
    return names, counts, stage_owners(names, owners), lang


def stage_owners(names: Sequence[str], owners: object = None) -> list[str]:
    """Owner of each stage: as given, else the default funnel's for known stage names, else the
    service's guess for a sheet with its own stage names (parse_summary.guess_owners)."""
    if owners is not None:
        raw, _ = C.vector(owners, "owners")
        C.same_length("stage_names", names, "owners", raw)
        spec = registry.ARGS["owners"]
        return [str(spec.choose(t)) for t in C.texts(raw)]
    matches = [match_header(n, DEFAULT_FUNNEL, "summary") for n in names]
    if all(m is not None and m.role == "stage" for m in matches):
        return [DEFAULT_FUNNEL.stage(m.key).owner for m in matches if m is not None]
    return list(guess_owners(names))


# --- every function with a formula --------------------------------------------------------------

@excel_function
def run(name: str, *args: object) -> Rows | Cell:
    """The function ``name`` of the registry on arguments as Excel hands them over; omitted
    trailing arguments take their defaults."""
    fn = registry.function(name)
    given = [*args, *(a.default for a in fn.args[len(args):])]
    cleaned = [clean(a, x) for a, x in zip(fn.args, given, strict=False)]
    result = registry.call(fn.name, [*cleaned, *given[len(fn.args):]])  # type: ignore[list-item]
    if isinstance(result, Value):
        return cell(result)
    return [[c] for c in cells(result)]  # a column, as Excel spills a list of values


def clean(arg: Arg, raw: object) -> CleanArg:
    """One argument as ``registry.call`` takes it: a blank is None, an error cell is the
    result (InputErrorValue), text in a number cell is #VALUE!, inside a range it is missing."""
    if arg.array:
        if raw is None and arg.optional:
            return None
        if arg.unit in NUMBER_UNITS:
            return _counts(raw, arg.name)[0]
        cells_, _ = C.vector(raw.raw if isinstance(raw, ArrayArg) else raw, arg.name)
        return C.dates(cells_) if arg.unit == "date" else C.texts(cells_)
    if arg.unit in NUMBER_UNITS:
        return C.number(raw, arg.name)
    if raw is None:
        return None
    if arg.unit == "month":
        return _month_number(raw, arg.name)
    if arg.unit == "date":
        return C.dates([C.single(raw, arg.name)])[0]
    return C.text(raw, arg.name)


def _month_number(raw: object, name: str) -> int:
    x = C.single(raw, name)
    if isinstance(x, int | float) and not isinstance(x, bool) and 1 <= x <= 12 and x == int(x):
        return int(x)
    d = C.dates([x])[0]
    if d is None:
        raise UsageError(f"{name}: give a date or a month number 1-12",
                         f"{name}: укажите дату или номер месяца 1-12")
    return d.month


# --- conversions -------------------------------------------------------------------------------

@excel_function
def conversions(stage_counts: object) -> Spill | Rows | Cell:
    """A range of numbers and blanks is computed as arrays (``excel_udfs.arrays``); any other
    range cell by cell, as the service reads a sheet."""
    arg = stage_counts if isinstance(stage_counts, ArrayArg) else read_numbers(stage_counts)
    if arg.numbers is not None:
        array, orientation = arg.vector("stage_counts")
        _at_least_two(len(array))
        values, codes = F.step_conversion_array(array)
        return Spill(values, codes, F.STEP_REASONS, orientation)
    counts, orientation = _counts(arg.raw, "stage_counts")
    _at_least_two(len(counts))
    # The same array formula on the numbers read cell by cell (a blank or text: NaN).
    values, codes = F.step_conversion_array(np.array(
        [math.nan if c is None else c for c in counts], dtype=np.float64))
    return Spill(values, codes, F.STEP_REASONS, orientation)


def _at_least_two(n: int) -> None:
    if n < 2:
        raise UsageError("stage_counts: give at least two stages",
                         "stage_counts: нужно не меньше двух стадий")


@excel_function
def funnel(stage_names: object, stage_counts: object, owners: object = None) -> Rows | Cell:
    """Rows of: stage, count, step conversion, cumulative conversion, drop-off, owner."""
    period, lines = _funnel_view(stage_names, stage_counts, owners)
    rows: Rows = []
    for i, (line, row) in enumerate(zip(lines, period.stages, strict=True)):
        # The line gives the label and owner; the numbers are its row's Values, whose reason
        # gives an undefined one's Excel error. The first stage has no step into it: its step
        # and drop-off cells stay empty.
        rows.append([line.label, cell(row.count) if line.count is not None else CellError.NA,
                     cell(row.step_conversion) if i else None, cell(row.cumulative_conversion),
                     cell(row.drop_off) if i else None, _owner(line.owner_label)])
    return rows


@excel_function
def bottleneck(stage_names: object, stage_counts: object, kind: object = None,
               owners: object = None) -> Rows | Cell:
    """Row 1: the step of lowest conversion; row 2: the step of largest loss. Each row: from
    stage, to stage, value, owner of the step (the owner of the stage it ends in)."""
    period, lines = _funnel_view(stage_names, stage_counts, owners)
    which = _choice(registry.function("BOTTLENECK").arg("kind"), kind)
    by_key = {line.key: line for line in lines}
    picked = period.bottleneck
    rows: Rows = []
    for step in (picked.lowest_conversion if picked else None,
                 picked.largest_loss if picked else None):
        if step is None:
            rows.append([CellError.NA] * 4)
        else:
            to = by_key[step.to_key]
            rows.append([by_key[step.from_key].label, to.label, cell(step.value),
                         _owner(to.owner_label)])
    return rows if which is None else [rows[0 if which == "conversion" else 1]]


def _funnel_view(stage_names: object, stage_counts: object, owners: object,
                 ) -> tuple[PeriodReport, tuple[StageLine, ...]]:
    """The funnel of the ranges as a one-period report (as the service builds a month's) and
    its stage lines as every surface shows them, in the language of the stage names."""
    names, counts, own, lang = _stages(stage_names, stage_counts, owners)
    # stage_owners gives registry choices ("marketing"/"sales") or the core's guesses: Owners
    period = counts_period(names, counts, cast("list[Owner]", own))
    # a blank stage name stays blank (the view names a nameless stage by its key)
    lines = tuple(line if name else replace(line, label="")
                  for line, name in zip(stage_lines(period, lang), names, strict=True))
    return period, lines


def _owner(label: str) -> str:
    # The catalogue's owner label ("Marketing", "Продажи") in lower case, as these functions
    # have always written it: a sheet may count or match on "marketing".
    return label.lower()


def _choice(arg: Arg, raw: object) -> str | None:
    return arg.choose(C.text(raw, arg.name) if raw is not None else None)
