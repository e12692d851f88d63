"""The one registry of KPIs: ids, names, formulas, units and directions, and the spreadsheet
functions that compute them from cells.

The JSON report, the KPI tab, the Excel functions and their help, KPI(), ``sheets-sync kpis``,
docs/kpis.md and GET /api/v1/kpis all read these tables, so a KPI is described in one place:
the KPIs themselves (names, formulas and descriptions in English and Russian, unit, direction,
scope) are the tables of kpis.toml beside this module, read once into ``Kpi``s in its order.
Ids are stable: they are keys in JSON and APIs. ``FUNCTIONS`` (``Function``, ``Arg``) is the
executable part: each spreadsheet function's Excel-safe name, arguments (unit, range or not,
optional and default, choices, en/ru help) and its formula from funnel_kpi.formulas; ``call``
runs one by name on cleaned arguments; ``CELL_KPIS`` says which function computes which KPI.
The arguments the functions share are the tables of args.toml beside this module (``ARGS``).

Scopes: ``stage`` values exist once per funnel stage (or per step), ``period`` values once per
month (and for the total and each segment), ``deal_log`` values need a deal log; ``forecast``
values are the report's ``forecast`` (next months, backtest) and the parts of the pipeline
forecast in its deal-log section (funnel_kpi.report.forecast), not per period; ``verdict`` values
are
the report's ``verdicts`` (funnel_kpi.report.verdicts); ``plan`` values are the plan's gap split and
backwards funnel (funnel_kpi.report.plan: ``sheets-sync plan``, POST /api/v1/plan), not per period.

Terms used in the formulas: n_i is the count at stage i of the funnel as far as the data has it;
"leads" is the Leads stage (the first stage when the funnel has none), "paid" the Paid stage
(the last stage when the funnel has none); a step belongs to the owner of the stage it ends in,
so the handoff step (marketing -> sales) is sales': sales declined those leads.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from importlib.resources import files
from types import MappingProxyType
from typing import Any, Literal, get_args

from funnel_kpi import formulas as F
from funnel_kpi.values import Value

# "ratio" is a share shown as a percent; "times" a multiple (LTV:CAC 3.2, a seasonal index 0.96).
Unit = Literal["count", "ratio", "times", "money", "days", "months"]
Scope = Literal["stage", "period", "deal_log", "forecast", "verdict", "plan"]

UNIT_NAMES: Mapping[str, tuple[str, str]] = MappingProxyType({
    "count": ("count", "количество"),
    "ratio": ("ratio", "доля"),
    "times": ("times", "раз"),
    "money": ("money", "деньги"),
    "days": ("days", "дни"),
    "months": ("months", "месяцы"),
})


@dataclass(frozen=True, slots=True)
class Kpi:
    id: str
    en: str
    ru: str
    formula: str
    formula_ru: str
    unit: Unit
    higher_is_better: bool | None  # None: neither direction is good in itself (e.g. shares)
    scope: Scope
    description: str
    description_ru: str
    # The spreadsheet function that computes it from cells (FUNCTIONS), and the arguments of
    # that function this KPI fixes, e.g. (("stat", "median"),); set from CELL_KPIS below.
    function: str | None = None
    preset: tuple[tuple[str, str], ...] = ()

    def name(self, lang: str = "en") -> str:
        return self.ru if lang == "ru" else self.en

    def formula_text(self, lang: str = "en") -> str:
        return self.formula_ru if lang == "ru" else self.formula


def _load_kpis() -> tuple[Kpi, ...]:
    """The KPIs of kpis.toml beside this module (one table each), in its order."""
    raw = tomllib.loads(files("funnel_kpi").joinpath("kpis.toml").read_text("utf-8"))
    out = []
    for kpi_id, f in raw.items():
        if f["unit"] not in get_args(Unit) or f["scope"] not in get_args(Scope):
            raise ValueError(f"kpis.toml: [{kpi_id}] has an unknown unit or scope")
        out.append(Kpi(kpi_id, f["en"], f["ru"], f["formula"], f["formula_ru"], f["unit"],
                       f.get("higher_is_better"), f["scope"], f["description"],
                       f["description_ru"]))
    return tuple(out)


_ALL = _load_kpis()

# --- spreadsheet functions: what a user computes from cells ---------------------------------------
# The Excel functions (excel_udfs), KPI(), the docs, ``sheets-sync kpis``, GET /api/v1/kpis and the
# Sheets and Office add-on are generated from FUNCTIONS and CELL_KPIS; ``call`` runs one by name.
# Adding a KPI a user computes from cells: its table in kpis.toml, its formula in
# funnel_kpi.formulas, a Function here (or a line in CELL_KPIS when an existing function computes
# it), and its test.

# Units of an argument: a KPI unit, "number" (any number), "date", "text" or "month" (1..12).
ArgUnit = Literal["count", "ratio", "times", "money", "days", "months", "number", "date", "text",
                  "month"]
NUMBER_UNITS = frozenset({"count", "ratio", "times", "money", "days", "months", "number"})
ARG_UNIT_NAMES: Mapping[str, tuple[str, str]] = MappingProxyType({
    **UNIT_NAMES, "number": ("number", "число"), "date": ("date", "дата"),
    "text": ("text", "текст"), "month": ("month 1-12 or a date", "месяц 1-12 или дата"),
})
Cleaned = float | int | str | date | None
CleanArg = Cleaned | Sequence[Cleaned]
Result = Value | tuple[Value, ...]  # a tuple spills as a column


class CallError(ValueError):
    """A call that cannot be made sense of (arity, a wrong choice, ranges of different lengths):
    the message in English and Russian, shown in the cell by the spreadsheet functions."""

    def __init__(self, en: str, ru: str) -> None:
        super().__init__(f"{en} / {ru}")
        self.en, self.ru = en, ru


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument of a spreadsheet function. ``choices``: each accepted value first, then the
    other spellings it accepts (case does not matter); a choice argument is cleaned to the first.
    ``same_length_as``: the range argument this one pairs with, cell for cell."""

    name: str
    unit: ArgUnit
    en: str
    ru: str
    array: bool = False
    optional: bool = False
    default: float | str | None = None
    choices: tuple[tuple[str, ...], ...] = ()
    same_length_as: str | None = None

    def help(self, lang: str = "en") -> str:
        return self.ru if lang == "ru" else self.en

    def usage(self) -> str:
        return f"[{self.name}]" if self.optional else self.name

    def choose(self, text: str | None) -> str | None:
        """The choice that ``text`` spells; a blank is the default, but not inside a range (a
        stage without its owner); CallError else."""
        blank = text is None or not text.strip()
        if blank and not self.array:
            if self.default is None and not self.optional:  # LOSSSHARE's owner: whose share?
                raise CallError(f"{self.name}: give one of {self._allowed()}",
                                f"{self.name}: укажите одно из {self._allowed()}")
            return None if self.default is None else str(self.default)
        key = (text or "").strip().casefold()
        for spellings in self.choices:
            if key in (s.casefold() for s in spellings):
                return spellings[0]
        allowed = self._allowed()
        raise CallError(f"{self.name}: {text!r} is not one of {allowed}",
                        f"{self.name}: {text!r} — допустимо {allowed}")

    def _allowed(self) -> str:
        return ", ".join(s for c in self.choices for s in c if s.isascii())


@dataclass(frozen=True, slots=True)
class Function:
    """A spreadsheet function: its Excel-safe name, the KPI whose name, formula and description
    are its help (or its own ``en``/``ru`` text), its arguments, and the formula ``call`` runs on
    cleaned arguments (None: the function builds a table from ranges, excel_udfs.adapters)."""

    name: str
    kpi: str | None
    args: tuple[Arg, ...]
    formula: Callable[..., Result] | None
    en: str = ""
    ru: str = ""

    def usage(self) -> str:
        return f"{self.name}({', '.join(a.usage() for a in self.args)})"

    def arg(self, name: str) -> Arg:
        return next(a for a in self.args if a.name == name)

    def help(self, limit: int = 255) -> str:
        """The description in English and Russian: the longest of a few forms that fits
        ``limit`` characters (Excel's limit for a function's description is 255)."""
        usage = self.usage()
        forms: tuple[str, ...]
        if self.kpi is None:
            forms = (f"{usage}: {self.en} / {self.ru}",)
        else:
            k = REGISTRY[self.kpi]
            forms = (
                f"{usage}: {k.en} = {k.formula}. {k.description} / {k.ru}: {k.description_ru}",
                f"{usage}: {k.en} = {k.formula}. {k.description} / {k.ru}",
                f"{usage}: {k.en} = {k.formula} / {k.ru}",
            )
        return next((f for f in forms if len(f) <= limit), forms[-1][:limit])


def _a(name: str, unit: ArgUnit, en: str, ru: str, **options: Any) -> Arg:
    return Arg(name, unit, en, ru, **options)


_OPTIONAL = ("Optional: ", "Необязательно: ")


def _load_args() -> dict[str, Arg]:
    """The arguments of args.toml beside this module (one table each), by name, in its order."""
    raw = tomllib.loads(files("funnel_kpi").joinpath("args.toml").read_text("utf-8"))
    out = {}
    for name, f in raw.items():
        if f["unit"] not in get_args(ArgUnit):
            raise ValueError(f"args.toml: [{name}] has an unknown unit")
        out[name] = Arg(name, f["unit"], f["en"], f["ru"], array=f.get("array", False),
                        optional=f.get("optional", False), default=f.get("default"),
                        choices=tuple(tuple(c) for c in f.get("choices", ())),
                        same_length_as=f.get("same_length_as"))
    return out


ARGS: Mapping[str, Arg] = MappingProxyType(_load_args())
OWNER = ARGS["owners"].choices  # marketing or sales, and their other spellings


def _args(*items: str | Arg) -> tuple[Arg, ...]:
    return tuple(ARGS[i] if isinstance(i, str) else i for i in items)


def _fn(name: str, kpi: str | None, formula: Callable[..., Result] | None, *args: str | Arg,
        en: str = "", ru: str = "") -> Function:
    return Function(name, kpi, _args(*args), formula, en, ru)


_KIND = _a("kind", "text", "Optional: relative (default) or absolute",
           "Необязательно: relative (относительный, по умолчанию) или absolute", optional=True,
           default="relative", choices=(("relative", "rel", "%", "относительный"),
                                        ("absolute", "abs", "абсолютный")))
_STAT = _a("stat", "text", "Optional: mean (default) or median",
           "Необязательно: mean (среднее) или median", optional=True, default="mean",
           choices=(("mean", "average", "среднее"), ("median", "медиана")))
_BOTTLENECK_KIND = _a("kind", "text", "Optional: conversion or loss (default: both rows)",
                      "Необязательно: conversion или loss (по умолчанию обе строки)",
                      optional=True, choices=(("conversion", "конверсия"), ("loss", "потери")))
_OWNERS = replace(ARGS["owners"], en="Owner of each stage: marketing or sales",
                  ru="Чей этап: маркетинг или продажи", optional=False,
                  same_length_as="stage_counts")
_OWNER = _a("owner", "text", "Whose share: marketing or sales", "Чья доля: маркетинг или продажи",
            choices=OWNER)
_TABLE_NAMES = replace(ARGS["stage_names"], en="Stages of the probability table",
                       ru="Стадии таблицы вероятностей", same_length_as=None)
_MONTHLY_ARPU = replace(ARGS["revenue_per_customer"], en="ARPU: monthly revenue per customer",
                        ru="ARPU: выручка на клиента в месяц")

FUNCTIONS: Mapping[str, Function] = MappingProxyType({f.name: f for f in (
    _fn("CONVERSION", "step_conversion", F.conversion, "from_count", "to_count"),
    _fn("CONVERSIONS", None, F.step_conversions, "stage_counts",
        en="step conversions n_i / n_(i-1), one per step, spilled in the orientation of the "
           "input.",
        ru="Конверсии шагов n_i / n_(i-1), по одной на шаг, в том же направлении, что и данные."),
    _fn("FUNNEL", None, None, "stage_names", "stage_counts", "owners",
        en="a table, one row per stage: stage, count, step conversion, cumulative conversion, "
           "drop-off, owner.",
        ru="Таблица: стадия, количество, конверсия шага, накопленная, отвал, владелец."),
    _fn("BOTTLENECK", None, None, "stage_names", "stage_counts", _BOTTLENECK_KIND, "owners",
        en="rows of from, to, value, owner for the step of lowest conversion and of largest "
           "loss.",
        ru="Узкое место: шаг с наименьшей конверсией и с наибольшими потерями."),
    _fn("OVERALL", "overall_conversion", F.overall_conversion, "stage_counts"),
    _fn("DROPOFF", "drop_off", F.drop_off, "from_count", "to_count"),
    _fn("DROPOFFRATE", "drop_off_rate", F.drop_off_rate, "from_count", "to_count"),
    _fn("COSTPERUNIT", "cost_per_stage_unit", F.cost_per_unit, "spend", "count"),
    _fn("LOSSSHARE", None, F.loss_share, "stage_counts", _OWNERS, _OWNER,
        en="lost at steps ending in the owner's stages / lost at all steps from leads on "
           "(counts from leads).",
        ru="Доля потерь: потери на шагах, ведущих в стадии владельца / все потери от лидов."),
    _fn("LOSTLEADSCOST", "lost_leads_cost", F.lost_leads_cost, "spend", "leads", "paid"),
    _fn("CPL", "cpl", F.cpl, "spend", "leads"),
    _fn("CAC", "cac", F.cac, "spend", "new_customers", "sales_cost"),
    _fn("DEALSIZE", "average_deal", F.average_deal, "revenue", "deals"),
    _fn("ARPU", None, F.arpu, "revenue", "customers",
        en="revenue / customers, revenue per customer.",
        ru="Выручка на клиента: выручка / клиенты."),
    _fn("WINRATE", "win_rate", F.win_rate, "won", "lost"),
    _fn("LTV", "ltv_simple", F.ltv, "average_check", "purchases_per_period",
        "lifetime_periods", "margin"),
    _fn("LTV_CONTRACTUAL", "ltv_contractual", F.ltv_contractual, "revenue_per_customer",
        "churn_rate", "margin"),
    _fn("LTVCAC", "ltv_cac", F.ltv_cac, "lifetime_value", "acquisition_cost"),
    _fn("PAYBACK", "payback_months", F.payback_months, "acquisition_cost", _MONTHLY_ARPU,
        "margin"),
    _fn("CHURN", "churn_rate", F.churn_rate, "churned", "customers_at_start"),
    _fn("PLANFACT", "plan_fact", F.plan_fact, "fact", "plan"),
    _fn("RUNRATE", "run_rate_projection", F.run_rate_projection, "fact_so_far",
        "days_elapsed", "days_in_period"),
    _fn("GROWTHRATE", None, F.change, "current", "previous", _KIND,
        en='(current - previous) / |previous|, or the difference with kind "absolute".',
        ru="Рост: (текущее - прошлое) / |прошлое|, или разница."),
    _fn("SEASONALINDEX", "seasonal_index", F.seasonal_index_of, "periods", "values", "month"),
    _fn("STAGETIME", None, F.stage_days, "start_dates", "end_dates", _STAT,
        en="mean or median whole days from start to end, over rows with both dates (end "
           "before start is left out).",
        ru="Дней на стадии: среднее или медиана."),
    _fn("REVENUEFORECAST", "forecast_revenue", F.forecast_from_deals, "open_stages",
        "open_amounts", _TABLE_NAMES, "win_probabilities"),
    _fn("PIPELINEVELOCITY", "pipeline_velocity", F.pipeline_velocity, "opportunities",
        "win_rate", "average_deal", "cycle_days"),
)})

# KPI id -> the function that computes it from cells, and the arguments that KPI fixes
# (KPI("median_days_in_stage", starts, ends) is STAGETIME(starts, ends, "median")).
CELL_KPIS: Mapping[str, tuple[str, Mapping[str, str]]] = MappingProxyType({
    **dict.fromkeys(("step_conversion", "cumulative_conversion", "lead_to_payment_conversion",
                     "marketing_conversion", "handoff_acceptance", "sales_conversion"),
                    ("CONVERSION", {})),
    "drop_off": ("DROPOFF", {}), "drop_off_rate": ("DROPOFFRATE", {}),
    "cost_per_stage_unit": ("COSTPERUNIT", {}), "overall_conversion": ("OVERALL", {}),
    "marketing_loss_share": ("LOSSSHARE", {"owner": "marketing"}),
    "sales_loss_share": ("LOSSSHARE", {"owner": "sales"}),
    "lost_leads_cost": ("LOSTLEADSCOST", {}), "cpl": ("CPL", {}), "cac": ("CAC", {}),
    "average_deal": ("DEALSIZE", {}),
    **dict.fromkeys(("revenue_growth", "average_deal_growth"),
                    ("GROWTHRATE", {"kind": "relative"})),
    "plan_fact": ("PLANFACT", {}), "run_rate_projection": ("RUNRATE", {}),
    "ltv_simple": ("LTV", {}), "ltv_contractual": ("LTV_CONTRACTUAL", {}),
    "ltv_cac": ("LTVCAC", {}), "payback_months": ("PAYBACK", {}), "churn_rate": ("CHURN", {}),
    "seasonal_index": ("SEASONALINDEX", {}), "win_rate": ("WINRATE", {}),
    **dict.fromkeys(("avg_days_in_stage", "sales_cycle_days", "first_response_days",
                     "proposal_prep_days", "contract_prep_days"), ("STAGETIME", {"stat": "mean"})),
    "median_days_in_stage": ("STAGETIME", {"stat": "median"}),
    "forecast_revenue": ("REVENUEFORECAST", {}), "pipeline_velocity": ("PIPELINEVELOCITY", {}),
})


def _attach(k: Kpi) -> Kpi:
    found = CELL_KPIS.get(k.id)
    if found is None:
        return k
    name, preset = found
    return replace(k, function=name, preset=tuple(preset.items()))


_ALL = tuple(_attach(k) for k in _ALL)
REGISTRY: Mapping[str, Kpi] = MappingProxyType({k.id: k for k in _ALL})


def get(kpi_id: str) -> Kpi:
    """The KPI with this id; a KeyError that names the close matches otherwise."""
    try:
        return REGISTRY[kpi_id]
    except KeyError:
        close = difflib.get_close_matches(str(kpi_id), list(REGISTRY), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown KPI id {kpi_id!r}{hint}") from None


def ids(scope: Scope | None = None) -> tuple[str, ...]:
    return tuple(k.id for k in _ALL if scope is None or k.scope == scope)


# --- running a spreadsheet function -----------------------------------------------------------

def function(name: str) -> Function:
    """The spreadsheet function of this name (any case); CallError naming close matches."""
    found = FUNCTIONS.get(str(name).strip().upper())
    if found is None:
        close = difflib.get_close_matches(str(name).upper(), list(FUNCTIONS), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise CallError(f"unknown function {name!r}{hint}", f"неизвестная функция {name!r}")
    return found


def kpi_function(kpi: Kpi) -> Function | None:
    return FUNCTIONS[kpi.function] if kpi.function else None


def kpi_args(kpi: Kpi) -> tuple[Arg, ...]:
    """The arguments a user gives for this KPI: its function's, less those the KPI fixes."""
    fn = kpi_function(kpi)
    fixed = dict(kpi.preset)
    return () if fn is None else tuple(a for a in fn.args if a.name not in fixed)


def kpi_usage(kpi: Kpi) -> str:
    """How a cell computes this KPI, e.g. 'STAGETIME(start_dates, end_dates, "median")'; ""
    for a KPI no spreadsheet function computes."""
    fn = kpi_function(kpi)
    if fn is None:
        return ""
    fixed = dict(kpi.preset)
    shown = [f'"{fixed[a.name]}"' if a.name in fixed else a.usage() for a in fn.args]
    return f"{fn.name}({', '.join(shown)})"


def call(function_name: str, args: Sequence[CleanArg]) -> Result:
    """Run a spreadsheet function on cleaned arguments: numbers as float (or None for a blank),
    dates as ``date``, texts as ``str``, a range as a list of those, in the order of its
    ``args``; trailing optional arguments may be left out. CallError for a call that cannot be
    made sense of; an undefined KPI is a ``Value`` with a reason, as in the report."""
    fn = function(function_name)
    if fn.formula is None:
        raise CallError(f"{fn.name} builds a table from ranges: call it from a spreadsheet",
                        f"{fn.name} строит таблицу по диапазонам: вызывайте её в таблице")
    required = sum(1 for a in fn.args if not a.optional)
    if not required <= len(args) <= len(fn.args):
        raise CallError(f"use {fn.usage()}", f"вызов: {fn.usage()}")
    given = [*args, *(a.default for a in fn.args[len(args):])]
    values = {a.name: _clean(a, x) for a, x in zip(fn.args, given, strict=True)}
    for a in fn.args:
        other = values.get(a.same_length_as or "")
        mine = values[a.name]
        if isinstance(other, list) and isinstance(mine, list) and len(other) != len(mine):
            pair = f"{a.same_length_as} and {a.name}"
            raise CallError(f"{pair} must have as many cells ({len(other)} and {len(mine)})",
                            f"в {a.same_length_as} и {a.name} должно быть поровну ячеек "
                            f"({len(other)} и {len(mine)})")
    return fn.formula(*values.values())


def _clean(arg: Arg, x: CleanArg) -> Any:
    if arg.array:
        if x is None and arg.optional:
            return None
        if not isinstance(x, list | tuple):
            raise CallError(f"{arg.name}: give a range (a list)",
                            f"{arg.name}: нужен диапазон (список)")
        return [_one(arg, v) for v in x]
    if isinstance(x, list | tuple):
        raise CallError(f"{arg.name}: give one value", f"{arg.name}: нужно одно значение")
    return _one(arg, x)


def _one(arg: Arg, x: object) -> Any:
    if arg.choices:
        if x is not None and not isinstance(x, str):
            raise _wrong(arg, x)
        return arg.choose(x)
    if x is None:
        return None
    if arg.unit in NUMBER_UNITS:
        if isinstance(x, bool) or not isinstance(x, int | float):
            raise _wrong(arg, x)
        return float(x) if math.isfinite(x) else None
    if arg.unit == "date":
        if isinstance(x, datetime):
            return x.date()
        if not isinstance(x, date):
            raise _wrong(arg, x)
        return x
    if arg.unit == "month":
        if isinstance(x, date):
            return x.month
        if isinstance(x, bool) or not isinstance(x, int | float) or x not in range(1, 13):
            raise CallError(f"{arg.name}: give a date or a month number 1-12",
                            f"{arg.name}: укажите дату или номер месяца 1-12")
        return int(x)
    if not isinstance(x, str):
        raise _wrong(arg, x)
    return x


def _wrong(arg: Arg, x: object) -> CallError:
    en, ru = ARG_UNIT_NAMES[arg.unit]
    return CallError(f"{arg.name}: {x!r} is not a {en}", f"{arg.name}: {x!r} — не {ru}")


def _arg_json(a: Arg) -> dict[str, Any]:
    return {"name": a.name, "unit": a.unit, "array": a.array, "optional": a.optional,
            "default": a.default, "choices": [list(c) for c in a.choices],
            "same_length_as": a.same_length_as, "help": {"en": a.en, "ru": a.ru}}


def catalogue() -> dict[str, Any]:
    """The registry as JSON: every KPI (with the function that computes it from cells and the
    arguments a user gives) and every spreadsheet function with its arguments and help."""
    kpis = [{"id": k.id, "name": {"en": k.en, "ru": k.ru},
             "formula": {"en": k.formula, "ru": k.formula_ru},
             "description": {"en": k.description, "ru": k.description_ru},
             "unit": k.unit, "higher_is_better": k.higher_is_better, "scope": k.scope,
             "function": k.function, "usage": kpi_usage(k) or None,
             "args": [_arg_json(a) for a in kpi_args(k)]} for k in _ALL]
    functions = [{"name": f.name, "kpi": f.kpi, "usage": f.usage(), "help": f.help(),
                  "args": [_arg_json(a) for a in f.args]} for f in FUNCTIONS.values()]
    return {"kpis": kpis, "functions": functions}


def direction_text(kpi: Kpi, lang: str = "en") -> str:
    if kpi.higher_is_better is None:
        return "—"
    if lang == "ru":
        return "больше — лучше" if kpi.higher_is_better else "меньше — лучше"
    return "higher is better" if kpi.higher_is_better else "lower is better"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def arg_text(a: Arg, lang: str = "en") -> str:
    """One argument for people: 'margin (ratio, optional, default 1): Optional gross margin...'."""
    ru = lang == "ru"
    unit = ARG_UNIT_NAMES[a.unit][1 if ru else 0]
    notes = [f"{unit}, {'диапазон' if ru else 'range'}" if a.array else unit]
    if a.optional:
        notes.append("необязательный" if ru else "optional")
    if a.default is not None:
        shown = f"{a.default:g}" if isinstance(a.default, float) else a.default
        notes.append(f"{'по умолчанию' if ru else 'default'} {shown}")
    if a.choices:
        notes.append(" | ".join(c[0] for c in a.choices))
    return f"{a.name} ({', '.join(notes)}): {a.help(lang)}"


def markdown(lang: str = "en") -> str:
    """The registry as a Markdown document (docs/kpis.md is this text)."""
    ru = lang == "ru"
    head = ("id", "название", "формула", "единица", "направление", "описание",
            "функция в таблице") if ru else (
        "id", "name", "formula", "unit", "direction", "description", "spreadsheet function")
    lines = [
        "# Показатели" if ru else "# KPIs",
        "",
        ("Создано из funnel_kpi/registry.py; не править вручную." if ru
         else "Generated from funnel_kpi/registry.py; do not edit by hand."),
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for k in _ALL:
        unit = UNIT_NAMES[k.unit][1 if ru else 0]
        usage = kpi_usage(k)
        row = (f"`{k.id}`", k.name(lang), k.formula_text(lang), unit, direction_text(k, lang),
               k.description_ru if ru else k.description, f"`{usage}`" if usage else "—")
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    lines += [
        "",
        "## Функции для таблиц" if ru else "## Spreadsheet functions",
        "",
        ("Одни и те же функции в Excel (excel_udfs) и в дополнении для таблиц; [x] — "
         "необязательный аргумент. KPI(id, ...) считает любой показатель из таблицы выше по id "
         "или названию с аргументами его функции." if ru else
         "The same functions in Excel (excel_udfs) and in the spreadsheet add-on; [x] is an "
         "optional argument. KPI(id, ...) computes any KPI of the table above by id or name, "
         "with the arguments its function shows."),
        "",
        "| функция | аргументы |" if ru else "| function | arguments |",
        "|---|---|",
    ]
    for f in FUNCTIONS.values():
        args = "<br>".join(_cell(arg_text(a, lang)) for a in f.args)
        lines.append(f"| `{f.usage()}` | {args} |")
    return "\n".join(lines) + "\n"
