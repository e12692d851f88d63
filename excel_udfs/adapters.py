"""The Excel functions without xlwings: read Excel-shaped arguments, call funnel_kpi.formulas.

Every function here takes arguments as Excel hands them to a UDF (see ``coerce``) and returns
what a cell shows: a float, a text, None (an empty cell), a ``CellError``, or rows of those for
a function that spills. The arithmetic is ``funnel_kpi.formulas``, so a cell in Excel and the
KPI tab the service writes give the same number; nothing here divides or multiplies KPIs.

``excel_function`` is the one place where a failed call becomes a cell value: an error cell in
the input is returned as is, a call that makes no sense shows its message, and anything
unexpected shows #VALUE! (and is logged), never a traceback.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar

from excel_udfs import coerce as C
from excel_udfs.arrays import ArrayArg, Spill, collector_paused, read_numbers
from excel_udfs.errors import CellError, InputErrorValue, UsageError, error_for
from funnel_kpi import formulas as F
from funnel_kpi import guess_owners, match_header, normalize
from funnel_kpi.model import DEFAULT_FUNNEL
from funnel_kpi.values import Value

log = logging.getLogger(__name__)
Fn = TypeVar("Fn", bound=Callable[..., Any])
Cell = float | str | None | CellError
Rows = list[list[Any]]

_CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
OWNER_LABELS = {"en": {"marketing": "marketing", "sales": "sales"},
                "ru": {"marketing": "маркетинг", "sales": "продажи"}}
_OWNER_WORDS = {"marketing": "marketing", "маркетинг": "marketing", "m": "marketing",
                "sales": "sales", "продажи": "sales", "s": "sales"}


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
            except UsageError as e:
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
        out = []
        for t in C.texts(raw):
            owner = _OWNER_WORDS.get((t or "").strip().casefold())
            if owner is None:
                raise UsageError(f"owners: {t!r} is neither marketing nor sales",
                                 f"owners: {t!r} — не маркетинг и не продажи")
            out.append(owner)
        return out
    matches = [match_header(n, DEFAULT_FUNNEL, "summary") for n in names]
    if all(m is not None and m.role == "stage" for m in matches):
        return [DEFAULT_FUNNEL.stage(m.key).owner for m in matches if m is not None]
    return list(guess_owners(names))


# --- conversions -------------------------------------------------------------------------------

@excel_function
def conversion(from_count: object, to_count: object) -> Cell:
    return cell(F.conversion(C.number(from_count, "from_count"), C.number(to_count, "to_count")))


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
    # A spilled column shows values only; Value objects with intervals cost 10x more here.
    cells = [v if isinstance(v, float) else error_for(v)
             for v in F.step_conversion_values(counts)]
    return C.shaped(cells, orientation)


def _at_least_two(n: int) -> None:
    if n < 2:
        raise UsageError("stage_counts: give at least two stages",
                         "stage_counts: нужно не меньше двух стадий")


@excel_function
def overall(stage_counts: object) -> Cell:
    counts, _ = _counts(stage_counts, "stage_counts")
    return cell(F.overall_conversion(counts))


@excel_function
def funnel(stage_names: object, stage_counts: object, owners: object = None) -> Rows | Cell:
    """Rows of: stage, count, step conversion, cumulative conversion, drop-off, owner."""
    names, counts, own, lang = _stages(stage_names, stage_counts, owners)
    steps = cells(F.step_conversions(counts))
    cumulative = cells(F.cumulative_conversions(counts))
    drops = cells(F.drop_offs(counts))
    labels = OWNER_LABELS[lang]
    rows: Rows = []
    for i, name in enumerate(names):
        count = counts[i] if counts[i] is not None else CellError.NA
        # The first stage has no step into it: its step and drop-off cells stay empty.
        rows.append([name, count, steps[i - 1] if i else None, cumulative[i],
                     drops[i - 1] if i else None, labels[own[i]]])
    return rows


@excel_function
def bottleneck(stage_names: object, stage_counts: object, kind: object = None,
               owners: object = None) -> Rows | Cell:
    """Row 1: the step of lowest conversion; row 2: the step of largest loss. Each row: from
    stage, to stage, value, owner of the step (the owner of the stage it ends in)."""
    names, counts, own, lang = _stages(stage_names, stage_counts, owners)
    which = _choice(kind, "kind", {"conversion": 0, "конверсия": 0, "loss": 1, "потери": 1},
                    None)
    steps = F.step_conversions(counts)
    losses = F.drop_offs(counts)
    picked = F.bottleneck(steps, losses)
    labels = OWNER_LABELS[lang]
    rows: Rows = []
    for i, values in ((picked.lowest_conversion, steps), (picked.largest_loss, losses)):
        if i is None:
            rows.append([CellError.NA] * 4)
        else:
            rows.append([names[i], names[i + 1], cell(values[i]), labels[own[i + 1]]])
    return rows if which is None else [rows[which]]


# --- money -------------------------------------------------------------------------------------

@excel_function
def cpl(spend: object, leads: object) -> Cell:
    return cell(F.cpl(C.number(spend, "spend"), C.number(leads, "leads")))


@excel_function
def cac(spend: object, new_customers: object, sales_cost: object = None) -> Cell:
    return cell(F.cac(C.number(spend, "spend"), C.number(new_customers, "new_customers"),
                      C.number(sales_cost, "sales_cost")))


@excel_function
def dealsize(revenue: object, deals: object) -> Cell:
    return cell(F.average_deal(C.number(revenue, "revenue"), C.number(deals, "deals")))


@excel_function
def arpu(revenue: object, customers: object) -> Cell:
    return cell(F.arpu(C.number(revenue, "revenue"), C.number(customers, "customers")))


@excel_function
def winrate(won: object, lost: object) -> Cell:
    return cell(F.win_rate(C.number(won, "won"), C.number(lost, "lost")))


@excel_function
def ltv(average_check: object, purchases_per_period: object, lifetime_periods: object,
        margin: object = 1.0) -> Cell:
    return cell(F.ltv(C.number(average_check, "average_check"),
                      C.number(purchases_per_period, "purchases_per_period"),
                      C.number(lifetime_periods, "lifetime_periods"),
                      C.number(margin, "margin")))


@excel_function
def ltv_contractual(arpu: object, churn: object, margin: object = 1.0) -> Cell:
    return cell(F.ltv_contractual(C.number(arpu, "arpu"), C.number(churn, "churn"),
                                  C.number(margin, "margin")))


@excel_function
def ltvcac(ltv: object, cac: object) -> Cell:
    return cell(F.ltv_cac(C.number(ltv, "ltv"), C.number(cac, "cac")))


@excel_function
def payback(cac: object, arpu: object, margin: object = 1.0) -> Cell:
    return cell(F.payback_months(C.number(cac, "cac"), C.number(arpu, "arpu"),
                                 C.number(margin, "margin")))


@excel_function
def churn(churned: object, customers_at_start: object) -> Cell:
    return cell(F.churn_rate(C.number(churned, "churned"),
                             C.number(customers_at_start, "customers_at_start")))


# --- plan, growth, time, pipeline ----------------------------------------------------------------

@excel_function
def planfact(fact: object, plan: object) -> Cell:
    return cell(F.plan_fact(C.number(fact, "fact"), C.number(plan, "plan")))


@excel_function
def growthrate(current: object, previous: object, kind: object = None) -> Cell:
    which = _choice(kind, "kind", {"relative": 1, "rel": 1, "%": 1, "относительный": 1,
                                   "absolute": 0, "abs": 0, "абсолютный": 0}, 1)
    return cell(F.growth(C.number(current, "current"), C.number(previous, "previous"))[which])


@excel_function
def stagetime(start_dates: object, end_dates: object, stat: object = None) -> Cell:
    """Mean (or median) whole days from start to end over the rows that have both dates. A row
    whose end is before its start is left out, as the service leaves out dates out of order."""
    which = _choice(stat, "stat", {"mean": "mean", "average": "mean", "среднее": "mean",
                                   "median": "median", "медиана": "median"}, "mean")
    starts_raw, _ = C.vector(start_dates, "start_dates")
    ends_raw, _ = C.vector(end_dates, "end_dates")
    C.same_length("start_dates", starts_raw, "end_dates", ends_raw)
    days = _durations(C.dates(starts_raw), C.dates(ends_raw))
    return cell(F.mean_days(days) if which == "mean" else F.median_days(days))


def _durations(starts: Sequence[date | None], ends: Sequence[date | None]) -> list[float]:
    out = []
    for s, e in zip(starts, ends, strict=True):
        if s is not None and e is not None and e >= s:
            out.append(float((e - s).days))
    return out


@excel_function
def revenueforecast(open_stages: object, open_amounts: object, stage_names: object,
                    win_probabilities: object) -> Cell:
    """Sum over open deals of amount x the win probability of the deal's stage."""
    stages_raw, _ = C.vector(open_stages, "open_stages")
    amounts_raw, _ = C.vector(open_amounts, "open_amounts")
    C.same_length("open_stages", stages_raw, "open_amounts", amounts_raw)
    names_raw, _ = C.vector(stage_names, "stage_names")
    probs_raw, _ = C.vector(win_probabilities, "win_probabilities")
    C.same_length("stage_names", names_raw, "win_probabilities", probs_raw)
    probabilities = {normalize(n): p for n, p in zip(C.texts(names_raw), C.numbers(probs_raw),
                                                     strict=True) if n is not None}
    amounts: dict[str, float | None] = {}
    for stage, amount in zip(C.texts(stages_raw), C.numbers(amounts_raw), strict=True):
        if stage is None and amount is None:
            continue  # an empty row of the range
        key = normalize(stage or "")
        before = amounts.get(key, 0.0)
        amounts[key] = None if before is None or amount is None else before + amount
    return cell(F.forecast_revenue(amounts, probabilities))


def _choice(arg: object, name: str, options: dict[str, Any], default: Any) -> Any:
    text = C.text(arg, name) if arg is not None else None
    if text is None:
        return default
    found = options.get(text.strip().casefold())
    if found is None:
        allowed = ", ".join(k for k in options if k.isascii())
        raise UsageError(f"{name}: {text!r} is not one of {allowed}",
                         f"{name}: {text!r} — допустимо {allowed}")
    return found
