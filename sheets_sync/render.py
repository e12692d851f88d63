"""The KPI tab: a report laid out as a grid of typed values, in the spreadsheet's language.

Lays out the report's view (funnel_kpi.report_view), as the text report and the dashboard do, so
they show one thing. Layout, top to bottom: the title; the status ("Check the data" with one
row per reason, or OK); sync time and sources; the latest period's funnel with a chart of its
step conversions beside it, on rows kept blank for it; KPIs by period (a column per month);
findings; data problems; then hidden rows with what the sync keeps for itself (the input hash).
Every column is as wide as its widest shown value, so no number shows as "###".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from funnel_kpi import (
    FORMAT_KINDS,
    PROBLEMS_SHOWN,
    FunnelReport,
    GapSplit,
    PlanView,
    ReportView,
    report_view,
    text,
)
from sheets_sync.grid import Block, CellValue, ChartSpec, FormatKind, KpiGrid, Style
from sheets_sync.number_formats import currency_of, display, money_kind

DEFAULT_OUTPUT_TABS = ("KPI", "Показатели")
PROBLEM_ROWS_MAX = PROBLEMS_SHOWN  # a sheet full of problems helps nobody
FUNNEL_COLS = 8  # the funnel table's columns; the chart starts one blank column to their right
CHART_ROWS, CHART_PX = 18, 520  # the chart's height in rows kept blank, its least width in pixels
MIN_PX, TEXT_MAX_PX, PAD_PX = 64, 360, 14  # column widths


def label(key: str, lang: str, **kw: Any) -> str:
    return text(key, lang, **kw)


def written_by_sync(first_cell: object) -> bool:
    """Whether a tab's first cell is the title this renderer writes (either language)."""
    if not isinstance(first_cell, str):
        return False
    return any(first_cell == t or first_cell.startswith(t + ": ")
               for t in (text("title", "en"), text("title", "ru")))


def output_tab_for(locale: str) -> str:
    return "Показатели" if locale.lower().startswith("ru") else "KPI"


class _Grid:
    def __init__(self) -> None:
        self.rows: list[tuple[CellValue, ...]] = []
        self.blocks: list[Block] = []

    def add(self, *cells: CellValue, style: Style | None = None,
            kinds: dict[int, FormatKind] | None = None) -> int:
        r = len(self.rows)
        self.rows.append(tuple(cells))
        if style:
            self.blocks.append(Block(r, 0, 1, max(len(cells), 1), style=style))
        for c, kind in (kinds or {}).items():
            self.blocks.append(Block(r, c, kind=kind))
        return r

    def blank(self) -> None:
        self.rows.append(())


def _report(report: FunnelReport | Mapping[str, Any]) -> FunnelReport:
    """A stored report (JSON) loads through FunnelReport.from_dict."""
    return report if isinstance(report, FunnelReport) else FunnelReport.from_dict(report)


def render(report: FunnelReport | Mapping[str, Any], *, lang: str, title: str,
           synced_at: datetime, source: str = "", input_hash: str = "",
           plan: Mapping[str, Any] | None = None) -> KpiGrid:
    """``plan`` is the last planned month's gap split as JSON (plan_view.latest_gap)."""
    # money cells always carry a symbol (the spreadsheet's by its language when the input
    # names none), so the view's notes say when it was guessed
    v = report_view(_report(report), lang, plan=GapSplit.from_dict(plan) if plan else None,
                    currency=currency_of(lang))
    g = _Grid()
    g.add(label("title", lang) + (f": {source}" if source else ""), style="title")
    _status_section(g, v)
    g.add(label("synced", lang), synced_at.strftime("%Y-%m-%d %H:%M %Z").strip())
    g.add(label("source", lang), ", ".join(v.sources))
    g.blank()

    chart = _funnel_section(g, v)
    g.blank()
    _periods_section(g, v)
    g.blank()
    g.add(label("findings", lang), style="section")
    for sentence in v.findings:
        g.add(sentence)
    g.blank()
    if v.notes:  # how figures were made: which LTV, what the forecast is, where counts come from
        g.add(label("notes", lang), style="section")
        for sentence in v.notes:
            g.add(sentence, style="muted")
        g.blank()
    g.add(label("problems", lang), style="section")
    if not v.problems:
        g.add(label("no_problems", lang), style="muted")
    else:
        g.add(label("tab", lang), label("cell", lang), label("value", lang), label("reason", lang),
              style="header")
        for p in v.problems:
            g.add(p.tab, p.cell, p.value, p.reason)
    if v.plan is not None:
        g.blank()
        _plan_section(g, v.plan, lang)
    hidden_from = None
    if input_hash:
        g.blank()
        hidden_from = len(g.rows)
        g.add("input", input_hash[:16], style="muted")
    widths = column_widths(g.rows, g.blocks, lang, v.currency)
    if chart is not None:
        chart = _chart_span(chart, widths)
        widths += [MIN_PX] * (chart.end_col - len(widths))
    return KpiGrid(title, tuple(g.rows), tuple(g.blocks), chart, label("note", lang),
                   label("protection", lang), tuple(widths), currency=v.currency,
                   hidden_from=hidden_from, row_lines=header_lines(g.rows, g.blocks, widths))


def _status_section(g: _Grid, v: ReportView) -> None:
    """The status first: "Check the data" and a row per reason, styled as a warning; or OK."""
    if v.status == "ok":
        g.add(label("status", v.lang), label("ok", v.lang))
        return
    g.add(label("status", v.lang), label("check", v.lang), style="warning")
    for reason in v.status_reasons:
        g.add(None, reason, style="warning")


def _funnel_section(g: _Grid, v: ReportView) -> ChartSpec | None:
    """The shown month's funnel; the chart of its step conversions goes to the right of the
    table, on rows that stay blank beyond the table until the chart's last row."""
    if not v.has_months:
        return None
    lang = v.lang
    top = g.add(label("funnel", lang, period=v.period), style="section")
    header = g.add(label("stage", lang), label("count", lang), label("step", lang),
                   label("cumulative", lang), label("drop_off", lang), label("owner", lang),
                   label("mom", lang), label("yoy", lang), style="header")
    for s in v.stages:
        g.add(s.label, s.count, s.step, s.cumulative, s.drop_off, s.owner_label,
              s.mom.relative, s.yoy.relative,
              style="bottleneck" if s.bottleneck else None,
              kinds={1: "integer", 2: "percent", 3: "percent", 4: "integer", 6: "percent",
                     7: "percent"})
    n = len(v.stages)
    if n < 2:
        return None
    while len(g.rows) < top + CHART_ROWS:
        g.blank()
    # Step conversions, not counts: on one linear axis 80,000 visits flatten 80 payments to
    # nothing, while every step's rate is a visible bar (and Sheets' API has no log axis).
    return ChartSpec(label("chart", lang, period=v.period), 0, 2, header + 2, n - 1,
                     top, FUNNEL_COLS + 1, top + CHART_ROWS, FUNNEL_COLS + 2)


def _chart_span(chart: ChartSpec, widths: list[int]) -> ChartSpec:
    """The chart as wide as CHART_PX at least, over the columns to the right of its anchor."""
    end, px = chart.anchor_col, 0
    while px < CHART_PX:
        px += widths[end] if end < len(widths) else MIN_PX
        end += 1
    return replace(chart, end_col=end)


def _periods_section(g: _Grid, v: ReportView) -> None:
    table = v.months
    if table is None:
        return
    g.add(label("by_period", v.lang), style="section")
    g.add(label("kpi", v.lang), *table.column_labels, style="header")
    for row in table.rows:
        r = g.add(row.name, *row.values)
        if row.kind == "money":
            g.blocks.extend(Block(r, c, kind=money_kind(x)) for c, x in enumerate(row.values, 1))
        else:
            g.blocks.append(Block(r, 1, 1, len(row.values), kind=row.kind))


def _plan_section(g: _Grid, plan: PlanView, lang: str) -> None:
    """The last planned month's gap to its plan split between its factors (funnel_kpi.report.plan):
    a row per factor with its fact, what the plan expected and its part, then the total."""
    g.add(plan.title, style="section")
    g.add(label("factor", lang), label("fact", lang), label("expected", lang), label("part", lang),
          style="header")
    unit: FormatKind = "integer" if plan.unit == "count" else "money"
    for p in plan.lines:
        kind = FORMAT_KINDS.get(p.unit, "number")
        g.add(p.label, p.fact, p.expected, p.part, kinds={1: kind, 2: kind, 3: unit})
    if plan.unexplained is not None:
        g.add(plan.unexplained.label, None, None, plan.unexplained.part, kinds={3: unit})
    t = plan.total
    g.add(t.label, t.fact, t.expected, t.part, style="header", kinds={1: unit, 2: unit, 3: unit})
    for sentence in plan.findings:
        g.add(sentence)


# --- column widths ------------------------------------------------------------------------------

BOLD_STYLES: frozenset[Style | None] = frozenset({"header", "bold", "bottleneck"})
NARROW = frozenset(" \u00a0.,:;'!|()[]-ilrtjf")


def text_px(text: str, *, bold: bool = False) -> int:
    """The width of ``text`` in pixels in an 11-pt (Calibri/Carlito) or 10-pt (Arial) cell,
    estimated per character and erring wide: a number wider than its column shows "###"."""
    px = 0.0
    for ch in text:
        if ch.isdigit():
            px += 7.5
        elif ch in NARROW:
            px += 4.0
        elif ch in "%@WMmШЩЖЮшщжю":
            px += 11.0
        elif ch.isupper():
            px += 9.0
        else:
            px += 7.5
    return round(px * (1.1 if bold else 1.0))


def column_widths(rows: Sequence[Sequence[CellValue]], blocks: Sequence[Block], lang: str,
                  currency: str | None = None) -> list[int]:
    """Pixels per column from its widest shown value: numbers as their format shows them; a
    text only when it cannot spill into an empty cell to its right, so a long sentence in
    column A does not widen it; a table header by its longest word (headers wrap)."""
    kinds: dict[tuple[int, int], FormatKind] = {}
    styles: dict[tuple[int, int], Style] = {}
    for b in blocks:
        for r in range(b.row, b.row + b.rows):
            for c in range(b.col, b.col + b.cols):
                if b.kind:
                    kinds[r, c] = b.kind
                if b.style:
                    styles[r, c] = b.style
    widths = [MIN_PX] * max((len(r) for r in rows), default=0)
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            style = styles.get((r, c))
            cap = None
            if isinstance(v, str):
                spills = c + 1 >= len(row) or row[c + 1] is None or row[c + 1] == ""
                if spills and style != "header":
                    continue
                cap = TEXT_MAX_PX
            text = display(v, kinds.get((r, c)), lang, currency)
            if style == "header":  # headers wrap: their longest word sets the width
                text = max(text.split(), key=len, default="")
            px = text_px(text, bold=style in BOLD_STYLES) + PAD_PX
            widths[c] = max(widths[c], min(px, cap) if cap else px)
    return widths


def _lines(text: str, width: int) -> int:
    """Lines ``text`` takes when wrapped at word breaks in a column ``width`` pixels wide."""
    lines, used = 1, 0
    for word in text.split():
        px = text_px(word + " ", bold=True)
        if used and used + px > width - PAD_PX:
            lines, used = lines + 1, 0
        used += px
    return lines


def header_lines(rows: Sequence[Sequence[CellValue]], blocks: Sequence[Block],
                 widths: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """(row, lines) of each header row that wraps onto more than one line: not every
    application grows a row for wrapped text by itself."""
    out = []
    for b in blocks:
        if b.style != "header":
            continue
        cells = rows[b.row][b.col:b.col + b.cols]
        lines = max((_lines(v, widths[b.col + i]) for i, v in enumerate(cells)
                     if isinstance(v, str)), default=1)
        if lines > 1:
            out.append((b.row, lines))
    return tuple(out)
