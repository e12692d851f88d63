"""Build the FunnelReport from a summary tab, a deal log, or both.

Periods are calendar months. With a summary tab they are its months (segment rows of a month
summed); with only a deal log they are its monthly cohorts. With both, the summary's counts and
money win, and the deal log adds what only it knows (win rate, times, forecast, velocity,
historical LTV) to the matching months, the total and the segments; a summary month is never
``pending`` (its counts are the month's flow, not a cohort that is still maturing).

Work is linear in the number of periods: every month is computed once, and MoM/YoY look the
earlier month up by date.
"""

from __future__ import annotations

import calendar
import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date

from funnel_kpi import formulas as F
from funnel_kpi.deals.analysis import analyse_deals
from funnel_kpi.deals.types import DealAnalysis, DealStats, StageTime
from funnel_kpi.inputs import DealLog, Problem, SummaryRow, SummaryTable
from funnel_kpi.model import Funnel, Stage
from funnel_kpi.parse.pins import NO_ASSUMPTIONS, LtvAssumptions
from funnel_kpi.registry import REGISTRY, ids
from funnel_kpi.report import buckets as B
from funnel_kpi.report.comparisons import Changes, change
from funnel_kpi.report.figures import Layout, bottleneck, finish_kpis, period_kpis, stage_rows
from funnel_kpi.report.findings import FindingInputs, Month, findings_en_ru
from funnel_kpi.report.forecast import Forecast, forecast, pipeline_notes
from funnel_kpi.report.funnel_report import (
    Change,
    DealLogSection,
    FunnelReport,
    PeriodReport,
    SegmentReport,
    StageRow,
    frozen_map,
)
from funnel_kpi.report.months import months_before
from funnel_kpi.report.notes import NoteFacts, notes
from funnel_kpi.report.verdict_rules import verdicts
from funnel_kpi.values import Value, undefined

# Scalar deal-log KPIs every period gets when there is a deal log (per-stage times live in the
# stage rows).
DEAL_SCALARS = tuple(i for i in ids("deal_log")
                     if i not in ("avg_days_in_stage", "median_days_in_stage"))
# KPIs of the open pipeline as it is now: defined for the month in progress and the total only.
PIPELINE_KPIS = ("forecast_revenue", "pipeline_velocity")


def build_report(*, funnel: Funnel, summary: SummaryTable | None, deals: DealLog | None,
                 problems: Sequence[Problem] = (), unknown_columns: Sequence[str] = (),
                 today: date | None = None, ltv: LtvAssumptions = NO_ASSUMPTIONS,
                 currency: str | None = None, input_currency: str | None = None,
                 ) -> FunnelReport:
    """The report of a summary tab and/or a deal log.

    ``today`` decides which month is in progress (default: the real today) and which deal
    cohorts are pending (default: as funnel_kpi.deals.analysis has it, the log's latest date).
    """
    analysis = None
    if deals is not None:
        analysis = analyse_deals(deals, funnel, today)
    return report_from(funnel=funnel, summary=summary, deals=deals, analysis=analysis,
                       problems=problems, unknown_columns=unknown_columns,
                       today=today or date.today(), ltv=ltv, currency=currency,
                       input_currency=input_currency)


def purchases_per_month(log: DealLog | None, analysis: DealAnalysis | None) -> float | None:
    """Paid deals per customer per month, for a log with customer ids, else None.

    Over the whole log: won deals with money / distinct customers among them, which is
    ltv_historical / average_deal (both revenue over one of the two counts, see
    funnel_kpi.deals.analysis), spread over the months from the first cohort to the last. Reusing
    the
    analysis keeps this O(1) instead of another pass over every deal.
    """
    if log is None or analysis is None or not analysis.by_month:
        return None
    if not log.columns.customer_id.any_text():
        return None  # deals.py counts deal ids as customers then: not a purchase frequency
    ltv = analysis.overall.kpis.get("ltv_historical")
    average = analysis.overall.kpis.get("average_deal")
    if ltv is None or average is None or ltv.value is None or not average.value:
        return None
    first, last = min(analysis.by_month), max(analysis.by_month)
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    return ltv.value / average.value / months


def _times(stats: DealStats | None) -> dict[str, StageTime]:
    return {t.stage: t for t in stats.stage_times} if stats is not None else {}


def _merge_deal_kpis(k: dict[str, Value], stats: DealStats | None, counts_from_log: bool) -> None:
    """Deal-log KPIs into ``k``; with counts from the log, its revenue and average deal too."""
    if stats is None:
        for i in DEAL_SCALARS:
            k[i] = undefined("no_deals")
        return
    for i, v in stats.kpis.items():
        kpi = REGISTRY.get(i)
        if kpi is not None and (kpi.scope == "deal_log" or counts_from_log):
            k[i] = v
    k.setdefault("win_rate", F.win_rate(stats.won, stats.lost))
    k.setdefault("lost_deals", Value(float(stats.lost)))
    for i in DEAL_SCALARS:
        k.setdefault(i, undefined("missing_input"))


class _Builder:
    def __init__(self, layout: Layout, analysis: DealAnalysis | None, counts_from_log: bool,
                 fact_is_revenue: bool, today: date) -> None:
        self.layout = layout
        self.analysis = analysis
        self.counts_from_log = counts_from_log
        self.fact_is_revenue = fact_is_revenue
        self.today = today

    def figures(self, bucket: B.Bucket, stats: DealStats | None,
                earlier: tuple[PeriodReport | None, PeriodReport | None] | None = None
                ) -> tuple[tuple[StageRow, ...], dict[str, Value]]:
        has_log = self.analysis is not None
        rows = stage_rows(self.layout, bucket, _times(stats) if has_log else None,
                          earlier=None if earlier is None else
                          (_counts(earlier[0]), _counts(earlier[1])))
        k = period_kpis(self.layout, bucket)
        if has_log:
            _merge_deal_kpis(k, stats, self.counts_from_log)
        finish_kpis(k)
        return rows, k

    def run_rate(self, bucket: B.Bucket) -> Value:
        if self.counts_from_log:
            return undefined("pending")  # a cohort's payments mostly come after its month
        fact = (bucket.get("revenue") if self.fact_is_revenue
                else bucket.count(self.layout.paid_key))
        days = calendar.monthrange(self.today.year, self.today.month)[1]
        return F.run_rate_projection(fact, self.today.day, days)

    def period(self, d: date, bucket: B.Bucket, stats: DealStats | None, seasonal: Value,
               prev: PeriodReport | None, year: PeriodReport | None) -> PeriodReport:
        """One month, compared with the month before (``prev``) and a year before."""
        rows, k = self.figures(bucket, stats, (prev, year))
        current = d == self.today.replace(day=1)
        if current:
            k["run_rate_projection"] = self.run_rate(bucket)
        else:
            # The open pipeline is today's: a past month's cohort has no forecast or velocity
            # of its own (0 would read as "nothing expected"), the total carries them.
            for i in PIPELINE_KPIS:
                if i in k:
                    k[i] = undefined("not_in_progress")
        k["seasonal_index"] = seasonal
        if prev is not None:
            k["revenue_growth"] = change(k["revenue"], prev.kpis["revenue"], "").rel
            k["average_deal_growth"] = change(k["average_deal"], prev.kpis["average_deal"], "").rel
        kpis = frozen_map(k)
        pending = bool(self.counts_from_log and stats is not None and stats.pending)
        # an immature month's counts and money (and a young cohort's win rate) are not final:
        # "Lost deals 0" in the month in progress is no -100 % improvement
        immature = immature_kpis(kpis, rows) if current or pending else ()
        return PeriodReport(
            period=f"{d.year:04d}-{d.month:02d}", in_progress=current, pending=pending,
            stages=rows, kpis=kpis,
            # computed when read (or written as JSON), not here: see funnel_kpi.report.comparisons
            mom=Changes(kpis, prev.kpis if prev else None, "no_previous_period",
                        _count_changes(rows, "count_mom"), immature),
            yoy=Changes(kpis, year.kpis if year else None, "no_year_before",
                        _count_changes(rows, "count_yoy"), immature),
            bottleneck=bottleneck(self.layout, rows, prev.stages if prev else None),
        )

    def segment(self, bucket: B.Bucket, stats: DealStats | None) -> SegmentReport:
        rows, k = self.figures(bucket, stats)
        return SegmentReport(rows, frozen_map(k), bottleneck(self.layout, rows, None))


IMMATURE_RATES = frozenset({"win_rate", "lead_to_payment_conversion", "overall_conversion",
                            "sales_conversion", "plan_fact"})


def immature_kpis(kpis: Mapping[str, Value], rows: Sequence[StageRow]) -> list[str]:
    """What an unfinished month cannot compare yet: every count and money figure, the rates
    whose numerator is still growing, and the stage counts."""
    out = [i for i in kpis if i in IMMATURE_RATES or (
        i in REGISTRY and REGISTRY[i].unit in ("count", "money"))]
    return out + [f"stage_count.{r.key}" for r in rows]


def _seasonal(layout: Layout, buckets: Mapping[date, B.Bucket], fact_is_revenue: bool,
              current: date) -> dict[int, Value]:
    last = layout.stages[-1].key
    values = {d: (b.get("revenue") if fact_is_revenue else b.count(last))
              for d, b in buckets.items() if d < current}
    return F.seasonal_index(values)


def _buckets(summary: SummaryTable | None, analysis: DealAnalysis | None, layout: Layout
             ) -> tuple[dict[date, B.Bucket], B.Bucket, dict[str, dict[str, B.Bucket]], bool]:
    """(months, total, segment field -> name -> bucket, whether plan/fact compares revenue)."""
    keys = [s.key for s in layout.stages]
    if summary is not None:
        fact_is_revenue = (summary.plan_of == "revenue" if summary.plan_of is not None
                           else any(r.money.get("revenue") is not None for r in summary.rows))
        months, segs = B.group_rows(summary.rows)

        def make(rows: Sequence[SummaryRow]) -> B.Bucket:
            return B.from_rows(rows, keys, paid_key=layout.paid_key,
                               fact_is_revenue=fact_is_revenue)

        segments = {summary.segment_field or "segment": {n: make(r) for n, r in segs.items()}}
        return ({d: make(r) for d, r in months.items()}, make(summary.rows),
                segments if segs else {}, fact_is_revenue)
    if analysis is not None:
        return ({d: B.from_stats(s, keys) for d, s in sorted(analysis.by_month.items())},
                B.from_stats(analysis.overall, keys), {},
                any(s.money.get("revenue") is not None for s in analysis.by_month.values()))
    return {}, B.from_rows((), keys, paid_key=layout.paid_key, fact_is_revenue=False), {}, False


def report_from(*, funnel: Funnel, summary: SummaryTable | None, deals: DealLog | None,
                analysis: DealAnalysis | None, problems: Sequence[Problem] = (),
                unknown_columns: Sequence[str] = (), today: date,
                ltv: LtvAssumptions = NO_ASSUMPTIONS, currency: str | None = None,
                input_currency: str | None = None) -> FunnelReport:
    """``build_report`` with the deal analysis given (tests build it by hand)."""
    present = (summary.stage_keys if summary is not None
               else deals.stage_keys if deals is not None else funnel.keys)
    wanted = set(present)
    stages = tuple(s for s in funnel.stages if s.key in wanted) or funnel.stages
    ppm = purchases_per_month(deals, analysis)
    layout = Layout.of(stages, ppm if ppm is not None else ltv.purchases_per_month,
                       ltv.lifetime_months)
    keys = [s.key for s in stages]
    current = today.replace(day=1)
    counts_from_log = summary is None and analysis is not None

    by_month, total_bucket, segment_buckets, fact_is_revenue = _buckets(summary, analysis,
                                                                        layout)
    builder = _Builder(layout, analysis, counts_from_log, fact_is_revenue, today)
    cohorts = analysis.by_month if analysis is not None else {}

    seasonal = _seasonal(layout, by_month, fact_is_revenue, current)
    finals: dict[date, PeriodReport] = {}
    for d, bucket in by_month.items():  # in date order: the earlier months are final already
        finals[d] = builder.period(d, bucket, cohorts.get(d), seasonal[d.month],
                                   finals.get(months_before(d, 1)),
                                   finals.get(months_before(d, 12)))

    total_rows, total_k = builder.figures(total_bucket, analysis.overall if analysis else None)
    total = PeriodReport("total", False, False, total_rows, frozen_map(total_k),
                         frozen_map({}), frozen_map({}), bottleneck(layout, total_rows, None))

    segments = _segments(builder, segment_buckets, analysis, keys)
    periods = tuple(finals.values())
    facts = NoteFacts(
        stages=stages, funnel_inferred=funnel.inferred, layout=layout, summary=summary,
        analysis=analysis, periods=periods, total=total, fact_is_revenue=fact_is_revenue,
        purchases_from_log=ppm is not None, today=today,
        unmatched_cohorts=sorted(d for d in cohorts if summary is not None and d not in by_month),
        deal_log_tab=deals.tab if deals is not None else None,
    )
    series = _series_forecast(periods, current)
    pipeline = analysis.overall.pipeline if analysis is not None else ()
    expected = analysis.overall.kpis.get("forecast_revenue") if analysis is not None else None
    notes_en, notes_ru = ((*notes(facts, lang),
                           *pipeline_notes(pipeline, expected.value if expected else None, lang),
                           *(series.notes(lang) if series else ())) for lang in ("en", "ru"))
    inputs = _finding_inputs(stages, finals, by_month, current, fact_is_revenue)
    found = verdicts(segments, inputs.latest.report if inputs.latest else None, inputs.history)
    # the input's own currency (FunnelReport.currency) wins over the caller's guess, and a mix
    # of currencies in the input takes no guess at all (the status is check, and says why)
    every_problem = tuple(dict.fromkeys([*(summary.problems if summary else ()),
                                         *(deals.problems if deals else ()), *problems]))
    guess = None if any(p.code == "mixed_currency" for p in every_problem) else currency
    inputs = dataclasses.replace(inputs, verdicts=found, currency=input_currency or guess)
    findings_en, findings_ru = findings_en_ru(inputs)
    return FunnelReport(
        funnel=tuple(Stage(s.key, s.en, s.ru, s.owner) for s in stages),  # aliases: parsing's
        funnel_inferred=funnel.inferred,
        sources=frozen_map({"summary": summary.tab if summary else None,
                            "deal_log": deals.tab if deals else None}),
        periods=periods, total=total,
        segments=frozen_map({f: frozen_map(by) for f, by in segments.items()}),
        deal_log=_deal_section(analysis), seasonal_index=(
            frozen_map({m: v.value for m, v in seasonal.items()})
            if all(v.value is not None for v in seasonal.values()) else None),
        findings=findings_en, findings_ru=findings_ru,
        problems=every_problem,
        columns=(*(summary.readout if summary else ()), *(deals.readout if deals else ())),
        # "Tab: Header", once each (parsing passes the same columns named so)
        unknown_columns=tuple(dict.fromkeys([
            *(f"{part.tab}: {h}" for part in (summary, deals) if part is not None
              for h in part.unknown_columns),
            *unknown_columns])),
        notes=notes_en, notes_ru=notes_ru, forecast=series, verdicts=found,
        currency=input_currency,
    )


def _series_forecast(periods: Sequence[PeriodReport], current: date) -> Forecast | None:
    """The next months from the complete months before ``current``: the last stage's count
    (payments) and revenue."""
    before = f"{current.year:04d}-{current.month:02d}"
    return forecast([(p.period, p.stages[-1].count.value if p.stages else None,
                      p.kpis["revenue"].value if "revenue" in p.kpis else None)
                     for p in periods if p.complete and p.period < before])


def _counts(period: PeriodReport | None) -> dict[str, Value] | None:
    return {r.key: r.count for r in period.stages} if period is not None else None


def _count_changes(rows: Sequence[StageRow], attr: str) -> dict[str, Change]:
    """Stage-count changes under "stage_count.<stage key>", next to the KPIs' changes."""
    return {f"stage_count.{r.key}": c for r in rows if (c := getattr(r, attr)) is not None}


def _segments(builder: _Builder, buckets: dict[str, dict[str, B.Bucket]],
              analysis: DealAnalysis | None, keys: Sequence[str]
              ) -> dict[str, dict[str, SegmentReport]]:
    """Summary segments (with the deal log's KPIs of the same name merged), then the deal
    log's channels and managers that the summary does not have (counts from the log)."""
    by_field: dict[str, Mapping[str, DealStats]] = {}
    if analysis is not None:
        by_field = {"channel": analysis.by_channel, "manager": analysis.by_manager}
    out: dict[str, dict[str, SegmentReport]] = {}
    for field, by_name in buckets.items():
        log_stats = by_field.get(field, {})
        out[field] = {n: builder.segment(b, log_stats.get(n)) for n, b in by_name.items()}
    if analysis is None:
        return out
    log_builder = _Builder(builder.layout, analysis, True, builder.fact_is_revenue,
                           builder.today)
    for field, by_name_stats in by_field.items():
        for name, stats in by_name_stats.items():
            if name not in out.get(field, {}):
                out.setdefault(field, {})[name] = log_builder.segment(
                    B.from_stats(stats, keys), stats)
    return out


def _deal_section(analysis: DealAnalysis | None) -> DealLogSection | None:
    if analysis is None:
        return None
    o = analysis.overall
    return DealLogSection(frozen_map(o.lost_by_stage), frozen_map(o.lost_by_reason),
                          tuple(o.stage_times), analysis.median_cycle_days,
                          analysis.implied_passages, o.pipeline)


def _finding_inputs(stages: Sequence[Stage], finals: Mapping[date, PeriodReport],
                    buckets: Mapping[date, B.Bucket], current: date,
                    fact_is_revenue: bool) -> FindingInputs:
    def month(d: date) -> Month:
        return Month(d, finals[d], buckets[d].plan, buckets[d].plan_fact)

    complete = [d for d, p in finals.items() if p.complete and d < current
                and any(s.count.value is not None for s in p.stages)]
    return FindingInputs(
        labels={s.key: (s.en, s.ru) for s in stages},
        latest=month(complete[-1]) if complete else None,
        in_progress=month(current) if current in finals else None,
        fact_is_revenue=fact_is_revenue,
        history=tuple(finals[d] for d in complete[:-1]),
    )
