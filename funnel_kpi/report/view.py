"""The report as every surface shows it: one view model for the KPI tab, the text report, the
dashboard and the API, in one language.

``report_view(report, lang)`` decides once what the surfaces used to decide each on its own: the
period to show (``FunnelReport.shown_period``), the stage rows with their bottleneck, the KPI rows
in registry order with their unit, format kind and text, each change with its direction, whether
up is good and whether it is noise (report.noise), the status and its reasons, findings, notes,
problems, the column read-out, the forecast, the verdicts and the plan. Surfaces lay these out;
they compute nothing. Numbers stay numbers (``value``) beside their text (``text``), so a
spreadsheet can format them itself. Money has a symbol only when the currency is known.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import Any, Literal

from funnel_kpi.catalogue import text
from funnel_kpi.model import Owner, Stage
from funnel_kpi.registry import REGISTRY, Unit
from funnel_kpi.report import textfmt
from funnel_kpi.report.buckets import Bucket
from funnel_kpi.report.figures import Layout, bottleneck, stage_rows
from funnel_kpi.report.forecast import Forecast
from funnel_kpi.report.funnel_report import Change, FunnelReport, PeriodReport, Status
from funnel_kpi.report.noise import is_noise, usual_move
from funnel_kpi.report.plan import GapSplit, signed
from funnel_kpi.values import Value

FormatKind = Literal["integer", "percent", "times", "money", "days", "months", "number"]
Direction = Literal["up", "down", "flat"]
Tone = Literal["good", "bad", "flat", "noise", "none"]

FORMAT_KINDS: Mapping[str, FormatKind] = {
    "count": "integer", "ratio": "percent", "times": "times", "money": "money", "days": "days",
    "months": "months"}
ARROWS: Mapping[str, str] = {"none": "", "noise": "≈", "flat": "→", "up": "▲", "down": "▼"}
PROBLEMS_SHOWN = 500  # a report full of problems helps nobody; the count is kept
SHOWN_FORMS = ("ets", "seasonal_naive", "naive")  # forecasts a note names (catalogue shown_*)


def _x(v: Value | float | None) -> float | None:
    """A defined, finite number, or None."""
    x = v.value if isinstance(v, Value) else v
    return x if x is not None and math.isfinite(x) else None


@dataclass(frozen=True, slots=True)
class Move:
    """A change against an earlier period as shown: a rate in percentage points (20 % -> 25 % is
    +5.0 pp), counts and money relative (+25 %). ``relative`` is the relative change whatever
    the unit (the KPI tab's stage columns show it)."""

    value: float | None  # None: not defined (``reason`` says why, when known)
    relative: float | None
    reason: str | None
    text: str
    direction: Direction | None
    up_is_good: bool | None  # the registry's higher_is_better
    noise: bool  # no larger than the usual move, or the intervals overlap: "≈", no colour

    @property
    def tone(self) -> Tone:
        if self.direction is None:
            return "none"
        if self.noise:
            return "noise"
        if self.direction == "flat" or self.up_is_good is None:
            return "flat"
        return "good" if (self.direction == "up") == self.up_is_good else "bad"

    @property
    def arrow(self) -> str:
        tone = self.tone
        if tone in ("none", "noise") or self.direction is None:
            return ARROWS[tone]
        return ARROWS[self.direction]


def move(change: Change | None, unit: str, up_is_good: bool | None, lang: str, *,
         usual: float | None = None,
         intervals: tuple[tuple[float, float], tuple[float, float]] | None = None) -> Move:
    """``change`` as shown; ``usual`` is the KPI's usual move (report.noise), ``intervals`` a
    rate's 95 % intervals this month and the month before."""
    rel = _x(change.rel) if change is not None else None
    moved = (_x(change.abs) if unit == "ratio" else rel) if change is not None else None
    reason = None
    if change is not None:
        reason = change.abs.reason if unit == "ratio" else change.rel.reason
    if moved is None:
        return Move(None, rel, reason, "—", None, up_is_good, False)
    if unit == "ratio":
        shown = textfmt.points(moved, lang)
    else:
        shown = ("+" if moved > 0 else "") + textfmt.percent(moved, lang)
    direction: Direction = "flat" if moved == 0 else "up" if moved > 0 else "down"
    return Move(moved, rel, None, shown, direction, up_is_good,
                is_noise(moved, usual, intervals=intervals))


@dataclass(frozen=True, slots=True)
class StageLine:
    key: str
    label: str
    owner: str  # "marketing" / "sales"
    owner_label: str
    count: float | None
    step: float | None  # step conversion into this stage; None for the first
    cumulative: float | None
    drop_off: float | None
    count_text: str
    step_text: str
    cumulative_text: str
    drop_off_text: str
    mom: Move  # of the count
    yoy: Move
    bottleneck: bool  # the step into this stage converts least


@dataclass(frozen=True, slots=True)
class KpiLine:
    id: str
    name: str
    unit: Unit
    kind: FormatKind
    value: float
    text: str
    mom: Move
    yoy: Move


@dataclass(frozen=True, slots=True)
class MonthRow:
    id: str
    name: str
    unit: Unit
    kind: FormatKind
    values: tuple[float | None, ...]  # one per column of the month table


@dataclass(frozen=True, slots=True)
class MonthTable:
    """KPIs by month: a column per month, then the total ("total")."""

    columns: tuple[str, ...]
    column_labels: tuple[str, ...]
    rows: tuple[MonthRow, ...]


@dataclass(frozen=True, slots=True)
class ProblemLine:
    tab: str
    cell: str
    value: str
    reason: str


@dataclass(frozen=True, slots=True)
class ReadoutColumn:
    column: str
    header: str
    role: str
    evidence: str
    read_as: str
    how: str
    note: str
    samples: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReadoutTab:
    tab: str
    columns: tuple[ReadoutColumn, ...]


@dataclass(frozen=True, slots=True)
class ForecastLine:
    period: str
    payments: str  # "55 (37–73)": the forecast and its 80 % interval
    revenue: str


@dataclass(frozen=True, slots=True)
class PipelineLine:
    stage: str
    open_deals: int
    unpriced: int
    amount: float
    win_probability: float | None
    expected: float | None
    texts: tuple[str, ...]  # the five figures as text, in the order above


@dataclass(frozen=True, slots=True)
class VerdictLine:
    """A segment whose verdict is worth a line (not "no difference found")."""

    segment: str  # "Manager Anna"
    rate: str
    value: str  # "25.0% (40)"
    rest: str
    p: str
    verdict: str

    def cells(self) -> tuple[str, ...]:
        return self.segment, self.rate, self.value, self.rest, self.p, self.verdict


@dataclass(frozen=True, slots=True)
class PlanLine:
    label: str
    unit: str  # the factor's unit
    fact: float | None
    expected: float | None
    part: float | None
    texts: tuple[str, str, str]  # fact, expected, signed part


@dataclass(frozen=True, slots=True)
class PlanView:
    """The last planned month's gap split (report.plan): a line per factor, the part the funnel
    does not explain (when any), then the total: fact, plan, gap."""

    month: str
    title: str
    unit: Literal["count", "money"]  # of the parts and the total
    lines: tuple[PlanLine, ...]
    unexplained: PlanLine | None
    total: PlanLine
    findings: tuple[str, ...]

    def rows(self) -> tuple[tuple[str, str, str, str], ...]:
        """Every line as text: label, fact, expected, part."""
        every = (*self.lines, *((self.unexplained,) if self.unexplained else ()), self.total)
        return tuple((x.label, *x.texts) for x in every)


@dataclass(frozen=True, slots=True)
class ReportView:
    lang: str
    status: Status
    status_reasons: tuple[str, ...]
    sources: tuple[str, ...]
    has_months: bool  # the funnel and the month table are shown only from months
    period: str  # the period shown: "YYYY-MM", or "total"
    in_progress: bool
    pending: bool
    stages: tuple[StageLine, ...]
    bottleneck: str | None  # the stage the least converting step leads into
    kpis: tuple[KpiLine, ...]
    months: MonthTable | None
    findings: tuple[str, ...]
    notes: tuple[str, ...]
    problems: tuple[ProblemLine, ...]  # the first PROBLEMS_SHOWN
    problem_count: int
    readout: tuple[ReadoutTab, ...]
    forecast: tuple[ForecastLine, ...]
    forecast_how: tuple[str, ...]
    pipeline: tuple[PipelineLine, ...]
    forecast_revenue: str | None  # the pipeline's total, as text
    verdicts: tuple[VerdictLine, ...]
    plan: PlanView | None
    currency: str | None = None  # ISO code every money text is written in; None: unknown


def report_view(report: FunnelReport, lang: str = "en", *, plan: GapSplit | None = None,
                currency: str | None = None) -> ReportView:
    """The view of ``report`` in ``lang``; ``plan`` is the last planned month's gap split (it
    comes from the plan column, not the report); ``currency`` an ISO code the caller guesses
    (e.g. from the spreadsheet's locale): the report's own currency, when the input said it,
    wins."""
    # the input's own currency; the caller's guess only where the input names none, never
    # on top of a mix (then money has no symbol: the status is check, and the reason says why)
    mixed = any(p.code == "mixed_currency" for p in report.problems)
    currency = report.currency or (None if mixed else currency)
    shown = report.shown_period()
    ru = lang == "ru"
    problems = report.problems
    labels = {s.key: s.label(lang) for s in report.funnel}
    return ReportView(
        lang=lang, status=report.status, status_reasons=report.status_reasons(lang),
        sources=tuple(t for t in (report.sources.get("summary"), report.sources.get("deal_log"))
                      if t),
        has_months=bool(report.periods), period=shown.period, in_progress=shown.in_progress,
        pending=shown.pending, stages=_stages(shown, lang), bottleneck=_neck(shown),
        kpis=_kpis(report, shown, lang, currency), months=_months(report, lang),
        findings=report.findings_in(lang), notes=_notes(report, lang, currency),
        problems=tuple(ProblemLine(p.tab, p.cell, p.value, p.reason(lang))
                       for p in problems[:PROBLEMS_SHOWN]),
        problem_count=len(problems), readout=_readout(report, lang),
        forecast=_forecast(report.forecast, lang, currency),
        forecast_how=_forecast_how(report.forecast, lang),
        pipeline=tuple(_pipeline(report, labels, lang, currency)),
        forecast_revenue=(textfmt.figure(_x(report.total.kpis.get("forecast_revenue")), "money",
                                         lang, currency)
                          if report.deal_log is not None and report.deal_log.pipeline else None),
        verdicts=_verdicts(report, lang, ru),
        plan=plan_section(plan, lang, currency) if plan is not None else None,
        currency=currency)


def view_dict(view: ReportView) -> dict[str, Any]:
    """The view as JSON values (the API's ``?view=1``): every field by its name, a change with
    its ``tone`` and ``arrow`` too, a number that is not finite as null."""
    out = _json(view)
    assert isinstance(out, dict)
    return out


def _json(x: object) -> Any:
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, tuple | list):
        return [_json(i) for i in x]
    if is_dataclass(x) and not isinstance(x, type):
        d = {f.name: _json(getattr(x, f.name)) for f in fields(x)}
        if isinstance(x, Move):
            d["tone"], d["arrow"] = x.tone, x.arrow
        return d
    return x


def _neck(p: PeriodReport) -> str | None:
    lc = p.bottleneck.lowest_conversion if p.bottleneck is not None else None
    return lc.to_key if lc is not None else None


def counts_period(names: Sequence[str], counts: Sequence[float | None],
                  owners: Sequence[Owner]) -> PeriodReport:
    """A one-period report of a funnel given as names, counts and owners (Excel's FUNNEL() and
    BOTTLENECK()): its stage rows and bottleneck made as report/build.py makes a month's."""
    stages = tuple(Stage(f"stage_{i}", name, name, owner)
                   for i, (name, owner) in enumerate(zip(names, owners, strict=True)))
    layout = Layout.of(stages)
    rows = stage_rows(layout, Bucket(counts={s.key: n for s, n in zip(stages, counts,
                                                                      strict=True)},
                                     money={}, margin=None, margin_given=False, plan=None,
                                     plan_fact=None))
    empty: Mapping[str, Any] = {}
    return PeriodReport("total", False, False, rows, empty, empty, empty,
                        bottleneck(layout, rows, None))


def stage_lines(period: PeriodReport, lang: str = "en") -> tuple[StageLine, ...]:
    """A period's stage rows as shown: label, owner label, count, step, cumulative, drop-off
    (numbers and their text), the moves of the count and the bottleneck mark. Excel's FUNNEL()
    shows these for a one-period report of its counts."""
    return _stages(period, lang)


def _stages(p: PeriodReport, lang: str) -> tuple[StageLine, ...]:
    neck = _neck(p)
    out = []
    for s in p.stages:
        count, step = _x(s.count), _x(s.step_conversion)
        cumulative, drop = _x(s.cumulative_conversion), _x(s.drop_off)
        change = f"stage_count.{s.key}"
        out.append(StageLine(
            s.key, (s.label_ru if lang == "ru" else s.label) or s.key, s.owner,
            text(s.owner, lang), count, step, cumulative, drop,
            textfmt.figure(count, "count", lang), textfmt.figure(step, "ratio", lang),
            textfmt.figure(cumulative, "ratio", lang), textfmt.figure(drop, "count", lang),
            move(p.mom.get(change), "count", True, lang),
            move(p.yoy.get(change), "count", True, lang), s.key == neck))
    return tuple(out)


def _intervals(now: PeriodReport, before: PeriodReport | None, kpi_id: str,
               ) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """A rate's 95 % Wilson intervals this month and the month before, when both are known."""
    if before is None:
        return None
    a, b = now.kpis.get(kpi_id), before.kpis.get(kpi_id)
    if (a is None or b is None or a.low is None or a.high is None or b.low is None
            or b.high is None):
        return None
    return (a.low, a.high), (b.low, b.high)


def _notes(report: FunnelReport, lang: str, currency: str | None) -> tuple[str, ...]:
    """The report's notes; a currency the caller guessed (the input named none) is said, so a
    symbol on a money figure is never taken for what the data said."""
    notes = report.notes_in(lang)
    if currency is None or report.currency is not None:
        return notes
    symbol = textfmt.CURRENCY_SYMBOLS.get(currency, currency)
    return (*notes, text("currency_guessed", lang, symbol=symbol))


def _kpis(report: FunnelReport, shown: PeriodReport, lang: str, currency: str | None,
          ) -> tuple[KpiLine, ...]:
    """The shown period's defined KPIs in registry order; a month-on-month move no larger than
    the usual move of the complete months before it is noise."""
    before = [p for p in report.periods if p.complete and p.period < shown.period]
    out = []
    for kpi in REGISTRY.values():
        value = _x(shown.kpis.get(kpi.id))
        if value is None:
            continue
        usual = usual_move([_x(p.kpis.get(kpi.id)) for p in before], relative=kpi.unit != "ratio")
        mom = move(shown.mom.get(kpi.id), kpi.unit, kpi.higher_is_better, lang, usual=usual,
                   intervals=_intervals(shown, before[-1] if before else None, kpi.id))
        yoy = move(shown.yoy.get(kpi.id), kpi.unit, kpi.higher_is_better, lang)
        out.append(KpiLine(kpi.id, kpi.name(lang), kpi.unit, FORMAT_KINDS.get(kpi.unit, "number"),
                           value, textfmt.figure(value, kpi.unit, lang, currency), mom, yoy))
    return tuple(out)


def _months(report: FunnelReport, lang: str) -> MonthTable | None:
    if not report.periods:
        return None
    columns = (*report.periods, report.total)
    present = set().union(*(p.kpis.keys() for p in columns))
    rows = []
    for kpi in REGISTRY.values():
        if kpi.id not in present:
            continue
        values = tuple(_x(p.kpis.get(kpi.id)) for p in columns)
        if any(v is not None for v in values):
            rows.append(MonthRow(kpi.id, kpi.name(lang), kpi.unit,
                                 FORMAT_KINDS.get(kpi.unit, "number"), values))
    names = tuple(p.period for p in columns)
    return MonthTable(names, tuple(text("total", lang) if n == "total" else n for n in names),
                      tuple(rows))


def _readout(report: FunnelReport, lang: str) -> tuple[ReadoutTab, ...]:
    tabs: dict[str, list[ReadoutColumn]] = {}
    for c in report.columns:
        tabs.setdefault(c.tab, []).append(ReadoutColumn(
            c.column, c.header, c.role, c.evidence, c.role_text(lang), c.evidence_text(lang),
            c.note_in(lang), c.samples))
    return tuple(ReadoutTab(tab, tuple(cols)) for tab, cols in tabs.items())


def _band(p: tuple[float, float, float] | None, unit: str, lang: str,
          currency: str | None) -> str:
    """A forecast and its 80 % interval: "55 (37–73)"."""
    if p is None or _x(p[0]) is None:
        return "—"
    value, low, high = (textfmt.figure(_x(x), unit, lang, currency) for x in p)
    return f"{value} ({low}–{high})"


def _forecast(fc: Forecast | None, lang: str, currency: str | None) -> tuple[ForecastLine, ...]:
    """The next months with their 80 % intervals; none when no month has a number."""
    if fc is None:
        return ()
    bands: dict[str, list[tuple[float, float, float] | None]] = {}
    for m in ("payments", "revenue"):
        s = fc.series.get(m)
        points = s.points if s is not None else ()
        bands[m] = [(p.value, p.low, p.high) if i < len(points) and (p := points[i]) else None
                    for i in range(len(fc.periods))]
    if all(b is None for m in bands.values() for b in m):
        return ()
    return tuple(ForecastLine(period, _band(bands["payments"][i], "count", lang, currency),
                              _band(bands["revenue"][i], "money", lang, currency))
                 for i, period in enumerate(fc.periods))


def _forecast_how(fc: Forecast | None, lang: str) -> tuple[str, ...]:
    """Per series, which forecast is shown and its backtest's MAPE against seasonal-naive."""
    if fc is None or not _forecast(fc, lang, None):
        return ()
    out = []
    for m in ("payments", "revenue"):
        s = fc.series.get(m)
        if s is None or s.shown not in SHOWN_FORMS:
            continue
        test = s.backtest
        out.append(text("forecast_how", lang, name=text(f"{m}_80", lang),
                        shown=text(f"shown_{s.shown}", lang),
                        mape=textfmt.figure(test.mape if test else None, "ratio", lang),
                        naive=textfmt.figure(test.mape_seasonal_naive if test else None,
                                             "ratio", lang)))
    return tuple(out)


def _pipeline(report: FunnelReport, labels: Mapping[str, str], lang: str,
              currency: str | None) -> list[PipelineLine]:
    """The parts of the total's forecast_revenue by the open deals' furthest stage."""
    parts = report.deal_log.pipeline if report.deal_log is not None else ()
    out = []
    for p in parts:
        figures = ((p.open_deals, "count"), (p.unpriced, "count"), (p.amount, "money"),
                   (p.win_probability, "ratio"), (p.expected, "money"))
        out.append(PipelineLine(
            labels.get(p.stage, p.stage), p.open_deals, p.unpriced, p.amount,
            p.win_probability, p.expected,
            tuple(textfmt.figure(_x(x), unit, lang, currency) for x, unit in figures)))
    return out


def _p_text(p: float | None, ru: bool) -> str:
    shown = "—" if p is None else "< 0.001" if p < 0.001 else f"{p:.3f}"
    return shown.replace(".", ",") if ru else shown


def _verdicts(report: FunnelReport, lang: str, ru: bool) -> tuple[VerdictLine, ...]:
    """Managers and channels against the rest (report.verdicts), one line per segment and rate
    whose verdict is not "no difference found"."""
    out = []
    for v in report.verdicts.segments:
        if v.verdict == "no difference found":
            continue
        field = f"field_{v.field}"
        field_text = v.field if field not in ("field_manager", "field_channel") \
            else text(field, lang)
        kpi = REGISTRY.get(v.rate)
        n = textfmt.figure(v.n, "count", lang)
        out.append(VerdictLine(
            f"{field_text} {v.segment}", kpi.name(lang) if kpi else v.rate,
            f"{textfmt.figure(v.value, 'ratio', lang)} ({n})",
            textfmt.figure(v.rest_value, "ratio", lang), _p_text(v.p_adjusted, ru),
            text(f"verdict_{v.verdict}", lang)))
    return tuple(out)


def _plan_line(label: str, unit: str, figures: tuple[float | None, float | None, float | None],
               part_unit: str, lang: str, currency: str | None) -> PlanLine:
    fact, expected, part = figures
    return PlanLine(label, unit, fact, expected, part, (
        textfmt.figure(fact, unit, lang, currency), textfmt.figure(expected, unit, lang, currency),
        signed(textfmt.figure(part, part_unit, lang, currency), part)))


def plan_section(gap: GapSplit, lang: str, currency: str | None = None) -> PlanView:
    unit: Literal["count", "money"] = "money" if gap.plan_of == "revenue" else "count"
    lines = tuple(_plan_line(d.label(lang), d.unit, (d.fact, d.expected, d.part), unit, lang,
                             currency) for d in gap.drivers)
    unexplained = None
    if gap.unexplained:  # a part only: it has no fact or expectation of its own
        line = _plan_line(text("unexplained", lang), unit, (None, None, gap.unexplained), unit,
                          lang, currency)
        unexplained = replace(line, texts=("", "", line.texts[2]))
    total = _plan_line(text("gap", lang), unit, (gap.fact, gap.plan, gap.gap), unit, lang,
                       currency)
    return PlanView(gap.month, text("plan", lang, period=gap.month), unit, lines, unexplained,
                    total, gap.findings(lang, currency))
