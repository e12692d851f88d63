"""The job page's trends, from the typed report: the funnel of a chosen month, each step's
conversion by month with the months it was the bottleneck marked, the plan reached by month, and
a sparkline per headline KPI. The numbers come from ``FunnelReport`` (its periods, stage rows,
bottleneck and KPI values); sheets_sync.app.charts draws them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from funnel_kpi import FunnelReport, text, textfmt
from funnel_kpi.registry import REGISTRY
from funnel_kpi.report.funnel_report import PeriodReport
from funnel_kpi.values import Value
from sheets_sync.app.charts import FunnelBar, MonthBar, funnel, month_bars, sparkline

WINDOW = 12  # months shown by month: a year, ending at the chosen month
# The KPIs a head of sales reads first, in this order; each shown when it has two months.
SPARK_KPIS = ("overall_conversion", "lead_to_payment_conversion", "new_customers", "revenue",
              "average_deal", "cpl", "cac", "win_rate", "sales_cycle_days", "ltv_cac")


@dataclass(frozen=True)
class StepTrend:
    label: str  # "Leads → Briefs"
    chart: Markup
    bottleneck_months: int  # in the window


@dataclass(frozen=True)
class KpiTrend:
    name: str
    text: str  # the chosen month's value
    chart: Markup


@dataclass(frozen=True)
class Trends:
    month: str  # "YYYY-MM"
    month_label: str  # "October 2026"
    in_progress: bool
    choices: tuple[tuple[str, str], ...]  # the month picker: (value, label), newest first
    funnel: Markup
    steps: tuple[StepTrend, ...]
    plan: Markup | None
    kpis: tuple[KpiTrend, ...]


def _x(v: Value | None) -> float | None:
    if v is None or v.value is None or not math.isfinite(v.value):
        return None
    return float(v.value)


def _start(period: str) -> date:
    return date.fromisoformat(f"{period}-01")


def month_label(period: str, lang: str) -> str:
    return textfmt.month(_start(period), lang).capitalize()


def _short(period: str, lang: str) -> str:
    return textfmt.month(_start(period), lang)[:3]


def _neck(p: PeriodReport) -> tuple[str, str] | None:
    low = p.bottleneck.lowest_conversion if p.bottleneck is not None else None
    return (low.from_key, low.to_key) if low is not None else None


def _funnel(p: PeriodReport, lang: str) -> Markup:
    neck = _neck(p)
    bars = []
    for i, s in enumerate(p.stages):
        count, step = _x(s.count), _x(s.step_conversion)
        bars.append(FunnelBar(
            (s.label_ru if lang == "ru" else s.label) or s.key, count,
            textfmt.figure(count, "count", lang),
            textfmt.figure(step, "ratio", lang) if i else "", s.owner,
            i > 0 and neck is not None and neck[1] == s.key))
    return funnel(bars, text("funnel", lang, period=month_label(p.period, lang)),
                  text("bottleneck", lang))


def _bar(p: PeriodReport, first: bool, value: float | None, unit: str, lang: str,
         marked: bool, currency: str | None = None) -> MonthBar:
    shown = textfmt.figure(value, unit, lang, currency)
    year = str(_start(p.period).year) if first or p.period.endswith("-01") else ""
    partial = p.in_progress or p.pending
    title = f"{month_label(p.period, lang)}: {shown}"
    if partial:
        title += f" ({text('in_progress' if p.in_progress else 'not_final', lang)})"
    return MonthBar(_short(p.period, lang), year, value, shown, title, marked and not partial,
                    partial)


def _steps(window: tuple[PeriodReport, ...], lang: str) -> tuple[StepTrend, ...]:
    last = window[-1]
    out = []
    for a, b in zip(last.stages, last.stages[1:], strict=False):
        label = f"{(a.label_ru if lang == 'ru' else a.label) or a.key} → " \
                f"{(b.label_ru if lang == 'ru' else b.label) or b.key}"
        bars, necks = [], 0
        for i, p in enumerate(window):
            row = next((s for s in p.stages if s.key == b.key), None)
            neck = _neck(p) == (a.key, b.key)
            necks += neck
            bars.append(_bar(p, i == 0, _x(row.step_conversion) if row else None, "ratio",
                             lang, neck))
        if any(x.value is not None for x in bars):
            out.append(StepTrend(label, month_bars(bars, text("step_by_month", lang,
                                                              step=label)), necks))
    return tuple(out)


def _plan(window: tuple[PeriodReport, ...], lang: str) -> Markup | None:
    values = [_x(p.kpis.get("plan_fact")) for p in window]
    if all(v is None for v in values):
        return None
    bars = [_bar(p, i == 0, v, "ratio", lang, v is not None and v < 1)
            for i, (p, v) in enumerate(zip(window, values, strict=True))]
    return month_bars(bars, text("plan_by_month", lang), reference=1.0,
                      reference_text=text("plan_line", lang))


def _kpis(window: tuple[PeriodReport, ...], lang: str,
          currency: str | None) -> tuple[KpiTrend, ...]:
    out = []
    for kpi_id in SPARK_KPIS:
        kpi = REGISTRY.get(kpi_id)
        values = [_x(p.kpis.get(kpi_id)) for p in window]
        if kpi is None or sum(v is not None for v in values) < 2:
            continue
        first = next(v for v in values if v is not None)
        last = next(v for v in reversed(values) if v is not None)
        name = kpi.name(lang)
        label = text("kpi_trend", lang, name=name,
                     first=textfmt.figure(first, kpi.unit, lang, currency),
                     last=textfmt.figure(last, kpi.unit, lang, currency))
        out.append(KpiTrend(name, textfmt.figure(values[-1], kpi.unit, lang, currency),
                            sparkline(values, label)))
    return tuple(out)


def trends(report: FunnelReport, month: str | None, lang: str,
           currency: str | None = None) -> Trends | None:
    """The trends up to ``month`` (a "YYYY-MM" the report has; else the month every surface
    shows); None for a report without months."""
    if not report.periods:
        return None
    chosen = next((p for p in report.periods if p.period == month), None) \
        or report.shown_period()
    if chosen.period == "total":
        return None
    upto = [p for p in report.periods if p.period <= chosen.period]
    window = tuple(upto[-WINDOW:])
    choices = tuple((p.period, month_label(p.period, lang)) for p in reversed(report.periods))
    return Trends(chosen.period, month_label(chosen.period, lang), chosen.in_progress, choices,
                  _funnel(chosen, lang), _steps(window, lang), _plan(window, lang),
                  _kpis(window, lang, currency))
