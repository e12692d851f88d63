"""KPI(kpi_id, ...): every KPI of the registry that cells can compute, in one table.

Each registry id maps to the adapter that computes it and the names of its arguments. Ids whose
value is a count or a sum of the data itself (stage_count, revenue, ...) or that need a whole
deal log (ltv_historical) have no cell formula; KPI() says so instead of guessing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from excel_udfs import adapters as A
from excel_udfs import coerce as C
from excel_udfs.adapters import Cell, Rows, cell, excel_function
from excel_udfs.errors import UsageError
from funnel_kpi import formulas as F
from funnel_kpi import normalize, registry


@dataclass(frozen=True, slots=True)
class KpiFunction:
    params: tuple[str, ...]  # argument names; those after `required` are optional
    fn: Callable[..., Any]
    required: int

    def signature(self, kpi_id: str) -> str:
        shown = [p if i < self.required else f"[{p}]" for i, p in enumerate(self.params)]
        return f'KPI("{kpi_id}", {", ".join(shown)})'


def _kf(fn: Callable[..., Any], *params: str, required: int | None = None) -> KpiFunction:
    return KpiFunction(params, fn, len(params) if required is None else required)


# --- KPIs that have no named function of their own --------------------------------------------

@excel_function
def drop_off(from_count: object, to_count: object) -> Cell:
    return cell(F.drop_off(C.number(from_count, "from_count"), C.number(to_count, "to_count")))


@excel_function
def drop_off_rate(from_count: object, to_count: object) -> Cell:
    return cell(F.drop_off_rate(C.number(from_count, "from_count"),
                                C.number(to_count, "to_count")))


@excel_function
def cost_per_unit(spend: object, count: object) -> Cell:
    return cell(F.cost_per_unit(C.number(spend, "spend"), C.number(count, "count")))


@excel_function
def lost_leads_cost(spend: object, leads: object, paid: object) -> Cell:
    return cell(F.lost_leads_cost(C.number(spend, "spend"), C.number(leads, "leads"),
                                  C.number(paid, "paid")))


def _loss_share(owner: str) -> Callable[..., Cell]:
    @excel_function
    def share(stage_counts: object, owners: object) -> Cell:
        """Share of the leads lost at steps ending in this owner's stages (counts from leads)."""
        counts, _ = C.vector(stage_counts, "stage_counts")
        owner_cells, _ = C.vector(owners, "owners")
        C.same_length("stage_counts", counts, "owners", owner_cells)
        own = A.stage_owners([""] * len(counts), owners)
        losses = [d.value for d in F.drop_offs(C.numbers(counts))]
        return cell(F.loss_shares(losses, own[1:])[owner])

    share.__name__ = f"{owner}_loss_share"
    return share


@excel_function
def run_rate(fact_so_far: object, days_elapsed: object, days_in_period: object) -> Cell:
    return cell(F.run_rate_projection(C.number(fact_so_far, "fact_so_far"),
                                      C.number(days_elapsed, "days_elapsed"),
                                      C.number(days_in_period, "days_in_period")))


@excel_function
def pipeline_velocity(opportunities: object, win_rate: object, average_deal: object,
                      cycle_days: object) -> Cell:
    return cell(F.pipeline_velocity(C.number(opportunities, "opportunities"),
                                    C.number(win_rate, "win_rate"),
                                    C.number(average_deal, "average_deal"),
                                    C.number(cycle_days, "cycle_days")))


@excel_function
def seasonal_index(periods: object, values: object, month: object = None) -> Rows | Cell:
    """Index of each calendar month (a column of 12), or of ``month`` (a date or 1..12).
    Values of the same month are added up first, as the service adds up a month's rows."""
    periods_raw, _ = C.vector(periods, "periods")
    values_raw, _ = C.vector(values, "values")
    C.same_length("periods", periods_raw, "values", values_raw)
    by_month: dict[date, list[float]] = {}
    missing: set[date] = set()
    for d, v in zip(C.dates(periods_raw), C.numbers(values_raw), strict=True):
        if d is None:
            continue
        key = d.replace(day=1)
        if v is None:
            missing.add(key)
        else:
            by_month.setdefault(key, []).append(v)
    sums: dict[date, float | None] = {d: math.fsum(vs) for d, vs in by_month.items()}
    sums.update({d: None for d in missing if d not in sums})
    index = F.seasonal_index(sums)
    if month is None:
        return [[cell(index[m])] for m in range(1, 13)]
    return cell(index[_month_number(month)])


def _month_number(arg: object) -> int:
    x = C.single(arg, "month")
    if isinstance(x, int | float) and not isinstance(x, bool) and 1 <= x <= 12 and x == int(x):
        return int(x)
    d = C.dates([x])[0]
    if d is None:
        raise UsageError("month: give a date or a month number 1-12",
                         "month: укажите дату или номер месяца 1-12")
    return d.month


# --- the table ---------------------------------------------------------------------------------

KPI_FUNCTIONS: dict[str, KpiFunction] = {
    "step_conversion": _kf(A.conversion, "from_count", "to_count"),
    "cumulative_conversion": _kf(A.conversion, "first_count", "count"),
    "drop_off": _kf(drop_off, "from_count", "to_count"),
    "drop_off_rate": _kf(drop_off_rate, "from_count", "to_count"),
    "cost_per_stage_unit": _kf(cost_per_unit, "spend", "count"),
    "overall_conversion": _kf(A.overall, "stage_counts"),
    "lead_to_payment_conversion": _kf(A.conversion, "leads", "paid"),
    "marketing_conversion": _kf(A.conversion, "first_count", "last_marketing_count"),
    "handoff_acceptance": _kf(A.conversion, "last_marketing_count", "first_sales_count"),
    "sales_conversion": _kf(A.conversion, "first_sales_count", "last_count"),
    "marketing_loss_share": _kf(_loss_share("marketing"), "stage_counts", "owners"),
    "sales_loss_share": _kf(_loss_share("sales"), "stage_counts", "owners"),
    "lost_leads_cost": _kf(lost_leads_cost, "spend", "leads", "paid"),
    "cpl": _kf(A.cpl, "spend", "leads"),
    "cac": _kf(A.cac, "spend", "new_customers", "sales_cost", required=2),
    "average_deal": _kf(A.dealsize, "revenue", "deals"),
    "revenue_growth": _kf(A.growthrate, "current", "previous"),
    "average_deal_growth": _kf(A.growthrate, "current", "previous"),
    "plan_fact": _kf(A.planfact, "fact", "plan"),
    "run_rate_projection": _kf(run_rate, "fact_so_far", "days_elapsed", "days_in_period"),
    "ltv_simple": _kf(A.ltv, "average_check", "purchases_per_period", "lifetime_periods",
                      "margin", required=3),
    "ltv_contractual": _kf(A.ltv_contractual, "arpu", "churn", "margin", required=2),
    "ltv_cac": _kf(A.ltvcac, "ltv", "cac"),
    "payback_months": _kf(A.payback, "cac", "arpu", "margin", required=2),
    "churn_rate": _kf(A.churn, "churned", "customers_at_start"),
    "seasonal_index": _kf(seasonal_index, "periods", "values", "month", required=2),
    "win_rate": _kf(A.winrate, "won", "lost"),
    "avg_days_in_stage": _kf(A.stagetime, "stage_dates", "next_stage_dates"),
    "median_days_in_stage": _kf(lambda a, b: A.stagetime(a, b, "median"), "stage_dates",
                                "next_stage_dates"),
    "sales_cycle_days": _kf(A.stagetime, "created_dates", "paid_dates"),
    "first_response_days": _kf(A.stagetime, "created_dates", "first_response_dates"),
    "proposal_prep_days": _kf(A.stagetime, "meeting_dates", "proposal_dates"),
    "contract_prep_days": _kf(A.stagetime, "proposal_dates", "contract_dates"),
    "forecast_revenue": _kf(A.revenueforecast, "open_stages", "open_amounts", "stage_names",
                            "win_probabilities"),
    "pipeline_velocity": _kf(pipeline_velocity, "opportunities", "win_rate", "average_deal",
                             "cycle_days"),
}

# Registry ids with no cell formula, and why (shown by KPI()).
NOT_COMPUTED = {
    "stage_count": "it is the count itself",
    "new_customers": "it is the paid count itself",
    "revenue": "it is the sum of revenue (SUM)",
    "lost_deals": "it is a count of lost deals (COUNTIF)",
    "ltv_historical": "it needs the deal log's payments per customer",
    "ltv": ("it is the report's one LTV: historical from a deal log, else contractual "
            "(LTV_CONTRACTUAL), else simple (LTV) with the purchases you set"),
    # funnel_kpi.report.forecast: the report's forecast section, from the whole monthly series
    # or log
    **dict.fromkeys(("win_probability", "pipeline_expected"),
                    "it is in the report's deal-log section (the pipeline forecast's parts)"),
    **dict.fromkeys(("payments_next_months", "revenue_next_months", "seasonal_naive",
                     "forecast_mape", "seasonal_naive_mape", "forecast_coverage_80"),
                    "it is in the report's forecast section (see docs/forecast.md)"),
    **dict.fromkeys(("segment_vs_rest", "control_limits"),
                    "it is in the report's verdicts section (segments, months of history)"),
    **dict.fromkeys(("plan_gap", "plan_expected_volume", "plan_gap_part", "needed_stage_count",
                     "needed_budget"), "it needs the report's months: sheets-sync plan"),
}


def _lookup() -> dict[str, str]:
    """Registry ids and the English and Russian names, normalized, -> id."""
    table: dict[str, str] = {}
    for k in registry.REGISTRY.values():
        for name in (k.id, k.en, k.ru):
            table.setdefault(normalize(name), k.id)
    return table


_BY_NAME = _lookup()


def resolve(kpi_id: object) -> str:
    text = C.text(kpi_id, "kpi_id") or ""
    found = _BY_NAME.get(normalize(text))
    if found is not None:
        return found
    try:
        registry.get(text.strip())
    except KeyError as e:
        raise UsageError(str(e.args[0]), f"неизвестный показатель {text!r}") from None
    return text.strip()  # pragma: no cover - get() raised for anything not in the table


@excel_function
def kpi(kpi_id: object, *args: object) -> Rows | Cell:
    key = resolve(kpi_id)
    entry = KPI_FUNCTIONS.get(key)
    if entry is None:
        why = NOT_COMPUTED.get(key, "no formula for it")
        raise UsageError(f"KPI {key!r} has no cell formula: {why}",
                         f"у показателя {key!r} нет формулы для ячеек")
    # Excel passes trailing omitted arguments of a ParamArray as nothing; blanks stay None.
    if not entry.required <= len(args) <= len(entry.params):
        raise UsageError(f"use {entry.signature(key)}", f"вызов: {entry.signature(key)}")
    result: Rows | Cell = entry.fn(*args)
    return result
