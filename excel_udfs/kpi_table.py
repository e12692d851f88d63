"""KPI(kpi_id, ...): every KPI of the registry that cells can compute, by id or name.

The table is the registry's: a KPI with a spreadsheet function (``Kpi.function``) is that
function with the arguments the KPI fixes filled in (KPI("median_days_in_stage", starts, ends)
is STAGETIME(starts, ends, "median")). Ids whose value is a count or a sum of the data itself
(stage_count, revenue, ...) or that need a whole deal log (ltv_historical) have no cell
formula; KPI() says so instead of guessing.
"""

from __future__ import annotations

from excel_udfs import adapters as A
from excel_udfs import coerce as C
from excel_udfs.adapters import Cell, Rows, excel_function
from excel_udfs.errors import UsageError
from funnel_kpi import normalize, registry
from funnel_kpi.registry import Kpi

KPI_FUNCTIONS: dict[str, Kpi] = {k.id: k for k in registry.REGISTRY.values() if k.function}

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


def signature(kpi: Kpi) -> str:
    """KPI("cpl", spend, leads): the call of KPI() for this KPI."""
    return f'KPI("{kpi.id}", {", ".join(a.usage() for a in registry.kpi_args(kpi))})'


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
    if entry is None or entry.function is None:
        why = NOT_COMPUTED.get(key, "no formula for it")
        raise UsageError(f"KPI {key!r} has no cell formula: {why}",
                         f"у показателя {key!r} нет формулы для ячеек")
    given = registry.kpi_args(entry)
    required = sum(1 for a in given if not a.optional)
    # Excel passes trailing omitted arguments of a ParamArray as nothing; blanks stay None.
    if not required <= len(args) <= len(given):
        raise UsageError(f"use {signature(entry)}", f"вызов: {signature(entry)}")
    fixed, rest = dict(entry.preset), iter(args)
    full = [fixed[a.name] if a.name in fixed else next(rest, a.default)
            for a in registry.FUNCTIONS[entry.function].args]
    result: Rows | Cell = A.run(entry.function, *full)
    return result
