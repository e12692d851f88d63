"""The xlwings UDF module: point xlwings' "UDF Modules" at ``excel_udfs.udfs``.

Each function is a thin shell over ``excel_udfs.adapters`` (which calls funnel_kpi.formulas):
xlwings reads the arguments (``err_to_str`` so that error cells arrive as "#N/A"; ranges as
rows with ``ndim=2``), the adapter computes, and ``wire.to_excel`` turns an undefined result
into a real Excel error value. Arrays are returned as rows and spill as dynamic arrays in
Excel 365 (no ``expand``: xlwings' docs say native dynamic arrays need none).

``@xw.func`` is the outermost decorator on purpose: each ``@xw.arg`` below it registers the
function with the default category, and only the last ``xw.func(category=...)`` call sets ours.
Names are checked against Excel's built-in functions and VBA's reserved words by the tests; that
is why Excel's GROWTH and FORECAST are GROWTHRATE and REVENUEFORECAST here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import xlwings as xw

from excel_udfs import adapters as A
from excel_udfs import kpi_table
from excel_udfs.converters import NumberArray
from excel_udfs.wire import to_excel
from funnel_kpi import registry

CATEGORY = "Funnel KPI"
HELP_LIMIT = 255  # Excel's limit for a function's and an argument's description

Fn = TypeVar("Fn", bound=Callable[..., Any])


def _arg(name: str, en: str, ru: str, *, array: bool = False,
         convert: Any = None) -> Callable[[Fn], Fn]:
    options: dict[str, Any] = {"err_to_str": True}
    if array:
        options["ndim"] = 2
    decorate: Callable[[Fn], Fn] = xw.arg(name, convert, doc=f"{en} / {ru}", **options)
    return decorate


def _help(kpi_id: str, usage: str) -> Callable[[Fn], Fn]:
    """The function's description from the KPI registry, in English and Russian; the longest of
    a few forms that fits Excel's 255 characters."""
    k = registry.get(kpi_id)
    forms = (
        f"{usage}: {k.en} = {k.formula}. {k.description} / {k.ru}: {k.description_ru}",
        f"{usage}: {k.en} = {k.formula}. {k.description} / {k.ru}",
        f"{usage}: {k.en} = {k.formula} / {k.ru}",
    )
    text = next((f for f in forms if len(f) <= HELP_LIMIT), forms[-1][:HELP_LIMIT])

    def decorate(fn: Fn) -> Fn:
        fn.__doc__ = text
        return fn

    return decorate


_COUNT_FROM = ("Count at the earlier stage", "Количество на более ранней стадии")
_COUNT_TO = ("Count at the later stage", "Количество на более поздней стадии")
_COUNTS = ("Counts of the stages in funnel order: one row or one column",
           "Количество по стадиям по порядку воронки: одна строка или один столбец")
_NAMES = ("Names of the stages, as many as counts", "Названия стадий, столько же, сколько чисел")
_OWNERS = ("Optional: owner of each stage, marketing or sales (default: from the names)",
           "Необязательно: чей этап, маркетинг или продажи (по умолчанию — по названиям)")
_MARGIN = ("Optional gross margin as a ratio, 0.3 for 30% (default 1)",
           "Необязательно: маржа долей, 0,3 для 30% (по умолчанию 1)")


@xw.func(category=CATEGORY)
@_arg("from_count", *_COUNT_FROM)
@_arg("to_count", *_COUNT_TO)
@_help("step_conversion", "CONVERSION(from_count, to_count)")
def CONVERSION(from_count: Any, to_count: Any) -> Any:
    return to_excel(A.conversion(from_count, to_count))


@xw.func(category=CATEGORY)
@_arg("stage_counts", *_COUNTS, array=True, convert=NumberArray)
@xw.ret(NumberArray)  # numpy arrays both ways, no per-cell cleaning (excel_udfs.arrays)
def CONVERSIONS(stage_counts: Any) -> Any:
    """CONVERSIONS(stage_counts): step conversions n_i / n_(i-1), one per step, spilled in the
    orientation of the input. / Конверсии шагов n_i / n_(i-1), по одной на шаг, в том же
    направлении, что и данные."""
    return A.conversions(stage_counts)  # made Excel's by NumberArray.write_value, once


@xw.func(category=CATEGORY)
@_arg("stage_names", *_NAMES, array=True)
@_arg("stage_counts", *_COUNTS, array=True)
@_arg("owners", *_OWNERS, array=True)
def FUNNEL(stage_names: Any, stage_counts: Any, owners: Any = None) -> Any:
    """FUNNEL(stage_names, stage_counts, [owners]): a table, one row per stage: stage, count,
    step conversion, cumulative conversion, drop-off, owner. / Таблица: стадия, количество,
    конверсия шага, накопленная, отвал, владелец."""
    return to_excel(A.funnel(stage_names, stage_counts, owners))


@xw.func(category=CATEGORY)
@_arg("stage_names", *_NAMES, array=True)
@_arg("stage_counts", *_COUNTS, array=True)
@_arg("kind", "Optional: conversion or loss (default: both rows)",
      "Необязательно: conversion или loss (по умолчанию обе строки)")
@_arg("owners", *_OWNERS, array=True)
def BOTTLENECK(stage_names: Any, stage_counts: Any, kind: Any = None, owners: Any = None) -> Any:
    """BOTTLENECK(stage_names, stage_counts, [kind], [owners]): rows of from, to, value, owner
    for the step of lowest conversion and of largest loss. / Узкое место: шаг с наименьшей
    конверсией и с наибольшими потерями."""
    return to_excel(A.bottleneck(stage_names, stage_counts, kind, owners))


@xw.func(category=CATEGORY)
@_arg("stage_counts", *_COUNTS, array=True)
@_help("overall_conversion", "OVERALL(stage_counts)")
def OVERALL(stage_counts: Any) -> Any:
    return to_excel(A.overall(stage_counts))


@xw.func(category=CATEGORY)
@_arg("spend", "Marketing spend", "Маркетинговый бюджет")
@_arg("leads", "Leads", "Лиды")
@_help("cpl", "CPL(spend, leads)")
def CPL(spend: Any, leads: Any) -> Any:
    return to_excel(A.cpl(spend, leads))


@xw.func(category=CATEGORY)
@_arg("spend", "Marketing spend", "Маркетинговый бюджет")
@_arg("new_customers", "New (paying) customers", "Новые (оплатившие) клиенты")
@_arg("sales_cost", "Optional: cost of sales (blank counts as 0)",
      "Необязательно: затраты на продажи (пусто — 0)")
@_help("cac", "CAC(spend, new_customers, [sales_cost])")
def CAC(spend: Any, new_customers: Any, sales_cost: Any = None) -> Any:
    return to_excel(A.cac(spend, new_customers, sales_cost))


@xw.func(category=CATEGORY)
@_arg("revenue", "Revenue", "Выручка")
@_arg("deals", "Paid deals", "Оплаченные сделки")
@_help("average_deal", "DEALSIZE(revenue, deals)")
def DEALSIZE(revenue: Any, deals: Any) -> Any:
    return to_excel(A.dealsize(revenue, deals))


@xw.func(category=CATEGORY)
@_arg("revenue", "Revenue of the period", "Выручка за период")
@_arg("customers", "Active customers", "Активные клиенты")
def ARPU(revenue: Any, customers: Any) -> Any:
    """ARPU(revenue, customers): revenue / customers, revenue per customer. / Выручка на
    клиента: выручка / клиенты."""
    return to_excel(A.arpu(revenue, customers))


@xw.func(category=CATEGORY)
@_arg("won", "Won deals", "Выигранные сделки")
@_arg("lost", "Lost deals", "Проигранные сделки")
@_help("win_rate", "WINRATE(won, lost)")
def WINRATE(won: Any, lost: Any) -> Any:
    return to_excel(A.winrate(won, lost))


@xw.func(category=CATEGORY)
@_arg("average_check", "Average check (average deal)", "Средний чек")
@_arg("purchases_per_period", "Purchases per customer per period", "Покупок на клиента за период")
@_arg("lifetime_periods", "Customer lifetime in periods (1 / churn)",
      "Срок жизни клиента в периодах (1 / отток)")
@_arg("margin", *_MARGIN)
def LTV(average_check: Any, purchases_per_period: Any, lifetime_periods: Any,
        margin: Any = 1.0) -> Any:
    """LTV(average_check, purchases_per_period, lifetime_periods, [margin]): average check x
    purchases per period x lifetime x margin. / Пожизненная ценность клиента: средний чек x
    покупки за период x срок жизни x маржа."""
    return to_excel(A.ltv(average_check, purchases_per_period, lifetime_periods, margin))


@xw.func(category=CATEGORY)
@_arg("revenue_per_customer", "ARPU: revenue per customer per period",
      "ARPU: выручка на клиента за период")
@_arg("churn_rate", "Churn per period, as a ratio", "Отток за период, долей")
@_arg("margin", *_MARGIN)
@_help("ltv_contractual", "LTV_CONTRACTUAL(revenue_per_customer, churn_rate, [margin])")
def LTV_CONTRACTUAL(revenue_per_customer: Any, churn_rate: Any, margin: Any = 1.0) -> Any:
    return to_excel(A.ltv_contractual(revenue_per_customer, churn_rate, margin))


@xw.func(category=CATEGORY)
@_arg("lifetime_value", "LTV of a customer", "LTV клиента")
@_arg("acquisition_cost", "CAC: cost of acquiring a customer", "CAC: стоимость привлечения")
@_help("ltv_cac", "LTVCAC(lifetime_value, acquisition_cost)")
def LTVCAC(lifetime_value: Any, acquisition_cost: Any) -> Any:
    return to_excel(A.ltvcac(lifetime_value, acquisition_cost))


@xw.func(category=CATEGORY)
@_arg("acquisition_cost", "CAC: cost of acquiring a customer", "CAC: стоимость привлечения")
@_arg("revenue_per_customer", "ARPU: monthly revenue per customer",
      "ARPU: выручка на клиента в месяц")
@_arg("margin", *_MARGIN)
@_help("payback_months", "PAYBACK(acquisition_cost, revenue_per_customer, [margin])")
def PAYBACK(acquisition_cost: Any, revenue_per_customer: Any, margin: Any = 1.0) -> Any:
    return to_excel(A.payback(acquisition_cost, revenue_per_customer, margin))


@xw.func(category=CATEGORY)
@_arg("churned", "Customers lost in the period", "Ушедшие за период клиенты")
@_arg("customers_at_start", "Customers at the start of the period", "Клиенты на начало периода")
@_help("churn_rate", "CHURN(churned, customers_at_start)")
def CHURN(churned: Any, customers_at_start: Any) -> Any:
    return to_excel(A.churn(churned, customers_at_start))


@xw.func(category=CATEGORY)
@_arg("fact", "Fact: revenue (or paid count)", "Факт: выручка (или число оплат)")
@_arg("plan", "Plan of the same measure", "План того же показателя")
@_help("plan_fact", "PLANFACT(fact, plan)")
def PLANFACT(fact: Any, plan: Any) -> Any:
    return to_excel(A.planfact(fact, plan))


@xw.func(category=CATEGORY)
@_arg("current", "Value of this period", "Значение этого периода")
@_arg("previous", "Value of the earlier period", "Значение прошлого периода")
@_arg("kind", "Optional: relative (default) or absolute",
      "Необязательно: relative (относительный, по умолчанию) или absolute")
def GROWTHRATE(current: Any, previous: Any, kind: Any = None) -> Any:
    """GROWTHRATE(current, previous, [kind]): (current - previous) / |previous|, or the
    difference with kind "absolute". / Рост: (текущее - прошлое) / |прошлое|, или разница."""
    return to_excel(A.growthrate(current, previous, kind))


@xw.func(category=CATEGORY)
@_arg("start_dates", "Dates the stage was reached (one row or column)",
      "Даты начала стадии (строка или столбец)")
@_arg("end_dates", "Dates the next stage was reached, same length",
      "Даты следующей стадии, столько же")
@_arg("stat", "Optional: mean (default) or median", "Необязательно: mean (среднее) или median")
def STAGETIME(start_dates: Any, end_dates: Any, stat: Any = None) -> Any:
    """STAGETIME(start_dates, end_dates, [stat]): mean or median whole days from start to end,
    over rows with both dates (end before start is left out). / Дней на стадии: среднее или
    медиана."""
    return to_excel(A.stagetime(start_dates, end_dates, stat))


@xw.func(category=CATEGORY)
@_arg("open_stages", "Stage of each open deal", "Стадия каждой открытой сделки", array=True)
@_arg("open_amounts", "Amount of each open deal", "Сумма каждой открытой сделки", array=True)
@_arg("stage_names", "Stages of the probability table", "Стадии таблицы вероятностей",
      array=True)
@_arg("win_probabilities", "Win probability from each of those stages",
      "Вероятность выигрыша с каждой из этих стадий", array=True)
@_help("forecast_revenue",
       "REVENUEFORECAST(open_stages, open_amounts, stage_names, win_probabilities)")
def REVENUEFORECAST(open_stages: Any, open_amounts: Any, stage_names: Any,
                    win_probabilities: Any) -> Any:
    return to_excel(A.revenueforecast(open_stages, open_amounts, stage_names, win_probabilities))


@xw.func(category=CATEGORY)
@_arg("kpi_id", 'KPI id or name from the registry, e.g. "cac" or "Конверсия шага"',
      'id или название показателя, например "cac" или "Step conversion"')
@_arg("args", "The KPI's inputs in order (see templates/README.md)",
      "Исходные данные показателя по порядку (см. templates/README.md)", array=True)
def KPI(kpi_id: Any, *args: Any) -> Any:
    """KPI(kpi_id, inputs...): any KPI of the registry by id or name, computed as the service
    computes it, e.g. KPI("cac", spend, customers, sales_cost). / Любой показатель реестра по
    id или названию."""
    return to_excel(kpi_table.kpi(kpi_id, *args))


FUNCTIONS = (CONVERSION, CONVERSIONS, FUNNEL, BOTTLENECK, OVERALL, CPL, CAC, DEALSIZE, ARPU,
             WINRATE, LTV, LTV_CONTRACTUAL, LTVCAC, PAYBACK, CHURN, PLANFACT, GROWTHRATE,
             STAGETIME, REVENUEFORECAST, KPI)
