"""The KPI tab: a report laid out as a grid of typed values, in the spreadsheet's language.

Works from ``FunnelReport.to_dict()`` (the same JSON the API serves), so the tab, the API and the
dashboard show one thing. Layout, top to bottom: the title; the status ("Check the data" with one
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

from funnel_kpi.registry import REGISTRY
from sheets_sync.grid import Block, CellValue, ChartSpec, FormatKind, KpiGrid, Style
from sheets_sync.number_formats import display, money_kind

DEFAULT_OUTPUT_TABS = ("KPI", "Показатели")
UNIT_KINDS: dict[str, FormatKind] = {"count": "integer", "ratio": "percent", "times": "times",
                                     "money": "money", "days": "days", "months": "months"}

LABELS: dict[str, dict[str, str]] = {
    "title": {"en": "Funnel KPIs", "ru": "Показатели воронки"},
    "synced": {"en": "Synced", "ru": "Синхронизация"},
    "source": {"en": "Source tabs", "ru": "Исходные вкладки"},
    "status": {"en": "Status", "ru": "Статус"},
    "ok": {"en": "OK", "ru": "OK"},
    "check": {"en": "Check the data", "ru": "Проверьте данные"},
    "funnel": {"en": "Funnel, {period}", "ru": "Воронка, {period}"},
    "stage": {"en": "Stage", "ru": "Стадия"},
    "count": {"en": "Count", "ru": "Количество"},
    "step": {"en": "Step conversion", "ru": "Конверсия шага"},
    "cumulative": {"en": "Cumulative", "ru": "Накопленная"},
    "drop_off": {"en": "Drop-off", "ru": "Потери"},
    "owner": {"en": "Owner", "ru": "Отдел"},
    "mom": {"en": "vs previous month", "ru": "к прошлому месяцу"},
    "yoy": {"en": "vs a year before", "ru": "к прошлому году"},
    "marketing": {"en": "Marketing", "ru": "Маркетинг"},
    "sales": {"en": "Sales", "ru": "Продажи"},
    "by_period": {"en": "KPIs by month", "ru": "Показатели по месяцам"},
    "kpi": {"en": "KPI", "ru": "Показатель"},
    "total": {"en": "Total", "ru": "Итого"},
    "findings": {"en": "Findings", "ru": "Выводы"},
    "notes": {"en": "How the figures were made", "ru": "Как получены цифры"},
    "problems": {"en": "Data problems", "ru": "Проблемы в данных"},
    "tab": {"en": "Tab", "ru": "Вкладка"},
    "cell": {"en": "Cell", "ru": "Ячейка"},
    "value": {"en": "Value", "ru": "Значение"},
    "reason": {"en": "Reason", "ru": "Причина"},
    "no_problems": {"en": "None", "ru": "Нет"},
    "chart": {"en": "Step conversion, {period}", "ru": "Конверсия шагов, {period}"},
    "note": {"en": "This tab is written by sheets-sync on every sync: edits here are overwritten. "
                   "Change the input tabs instead.",
             "ru": "Эту вкладку перезаписывает sheets-sync при каждой синхронизации: правки здесь "
                   "пропадут. Меняйте исходные вкладки."},
    "plan": {"en": "Plan, {period}", "ru": "План, {period}"},
    "factor": {"en": "Factor", "ru": "Фактор"},
    "fact": {"en": "Fact", "ru": "Факт"},
    "expected": {"en": "Expected", "ru": "Ожидалось"},
    "part": {"en": "Part of the gap", "ru": "Вклад в отклонение"},
    "unexplained": {"en": "Not explained", "ru": "Не объяснено"},
    "gap": {"en": "Total: fact - plan", "ru": "Итого: факт − план"},
    "protection": {"en": "Owned by sheets-sync: edits are overwritten on the next sync",
                   "ru": "Вкладку ведёт sheets-sync: правки перезаписываются при синхронизации"},
}
PROBLEM_ROWS_MAX = 500  # a sheet full of problems helps nobody; the count is in the header
FUNNEL_COLS = 8  # the funnel table's columns; the chart starts one blank column to their right
CHART_ROWS, CHART_PX = 18, 520  # the chart's height in rows kept blank, its least width in pixels
MIN_PX, TEXT_MAX_PX, PAD_PX = 64, 360, 14  # column widths


def label(key: str, lang: str, **kw: Any) -> str:
    return LABELS[key][lang].format(**kw)


def written_by_sync(first_cell: object) -> bool:
    """Whether a tab's first cell is the title this renderer writes (either language)."""
    if not isinstance(first_cell, str):
        return False
    return any(first_cell == t or first_cell.startswith(t + ": ")
               for t in LABELS["title"].values())


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


def _num(v: Any) -> CellValue:
    return v if isinstance(v, int | float) and not isinstance(v, bool) else None


def render(report: Any, *, lang: str, title: str, synced_at: datetime, source: str = "",
           input_hash: str = "", plan: Mapping[str, Any] | None = None) -> KpiGrid:
    d: dict[str, Any] = report if isinstance(report, dict) else report.to_dict()
    g = _Grid()
    problems = d.get("problems", [])
    g.add(label("title", lang) + (f": {source}" if source else ""), style="title")
    _status_section(g, d, lang)
    g.add(label("synced", lang), synced_at.strftime("%Y-%m-%d %H:%M %Z").strip())
    sources = [t for t in (d.get("sources") or {}).values() if t]
    g.add(label("source", lang), ", ".join(sources))
    g.blank()

    chart = _funnel_section(g, d, lang)
    g.blank()
    _periods_section(g, d, lang)
    g.blank()
    g.add(label("findings", lang), style="section")
    for sentence in d.get("findings_ru" if lang == "ru" else "findings", []):
        g.add(sentence)
    g.blank()
    notes = d.get("notes_ru" if lang == "ru" else "notes", [])
    if notes:  # how figures were made: which LTV, what the forecast is, where counts come from
        g.add(label("notes", lang), style="section")
        for sentence in notes:
            g.add(sentence, style="muted")
        g.blank()
    g.add(label("problems", lang), style="section")
    if not problems:
        g.add(label("no_problems", lang), style="muted")
    else:
        g.add(label("tab", lang), label("cell", lang), label("value", lang), label("reason", lang),
              style="header")
        for p in problems[:PROBLEM_ROWS_MAX]:
            g.add(p["tab"], p["cell"], p["value"], p["reason_ru" if lang == "ru" else "reason"])
    if plan:
        g.blank()
        _plan_section(g, plan, lang)
    hidden_from = None
    if input_hash:
        g.blank()
        hidden_from = len(g.rows)
        g.add("input", input_hash[:16], style="muted")
    widths = column_widths(g.rows, g.blocks, lang)
    if chart is not None:
        chart = _chart_span(chart, widths)
        widths += [MIN_PX] * (chart.end_col - len(widths))
    return KpiGrid(title, tuple(g.rows), tuple(g.blocks), chart, label("note", lang),
                   label("protection", lang), tuple(widths), hidden_from=hidden_from,
                   row_lines=header_lines(g.rows, g.blocks, widths))


def _status_section(g: _Grid, d: dict[str, Any], lang: str) -> None:
    """The status first: "Check the data" and a row per reason, styled as a warning; or OK."""
    problems = d.get("problems", [])
    status = d.get("status") or ("check" if problems or d.get("unknown_columns") else "ok")
    if status == "ok":
        g.add(label("status", lang), label("ok", lang))
        return
    g.add(label("status", lang), label("check", lang), style="warning")
    for reason in d.get("status_reasons_ru" if lang == "ru" else "status_reasons", []):
        g.add(None, reason, style="warning")


def shown_period(d: Mapping[str, Any]) -> dict[str, Any] | None:
    """The month every surface shows (one rule, as FunnelReport.latest_period(complete=True)):
    the latest month neither in progress nor pending; else the latest month; else the total."""
    periods = d.get("periods") or []
    for p in reversed(periods):
        if not p.get("in_progress") and not p.get("pending"):
            return dict(p)
    if periods:
        return dict(periods[-1])
    total = d.get("total")
    return dict(total) if total else None


def _funnel_section(g: _Grid, d: dict[str, Any], lang: str) -> ChartSpec | None:
    """The latest complete month's funnel; the chart of its step conversions goes to the right
    of the table, on rows that stay blank beyond the table until the chart's last row."""
    latest = shown_period(d) if d.get("periods") else None
    if latest is None:
        return None
    top = g.add(label("funnel", lang, period=latest["period"]), style="section")
    header = g.add(label("stage", lang), label("count", lang), label("step", lang),
                   label("cumulative", lang), label("drop_off", lang), label("owner", lang),
                   label("mom", lang), label("yoy", lang), style="header")
    bottleneck = ((latest.get("bottleneck") or {}).get("lowest_conversion") or {}).get("to")
    mom = latest.get("changes", {}).get("mom", {})
    yoy = latest.get("changes", {}).get("yoy", {})
    for s in latest.get("stages", []):
        key = s["key"]
        stage_label = s.get("label_ru") if lang == "ru" else s.get("label")
        g.add(stage_label or key, _num(s.get("count")), _num(s.get("step_conversion")),
              _num(s.get("cumulative_conversion")), _num(s.get("drop_off")),
              label(s.get("owner", "sales"), lang),
              _num((mom.get(f"stage_count.{key}") or {}).get("rel")),
              _num((yoy.get(f"stage_count.{key}") or {}).get("rel")),
              style="bottleneck" if key == bottleneck else None,
              kinds={1: "integer", 2: "percent", 3: "percent", 4: "integer", 6: "percent",
                     7: "percent"})
    n = len(latest.get("stages", []))
    if n < 2:
        return None
    while len(g.rows) < top + CHART_ROWS:
        g.blank()
    # Step conversions, not counts: on one linear axis 80,000 visits flatten 80 payments to
    # nothing, while every step's rate is a visible bar (and Sheets' API has no log axis).
    return ChartSpec(label("chart", lang, period=latest["period"]), 0, 2, header + 2, n - 1,
                     top, FUNNEL_COLS + 1, top + CHART_ROWS, FUNNEL_COLS + 2)


def _chart_span(chart: ChartSpec, widths: list[int]) -> ChartSpec:
    """The chart as wide as CHART_PX at least, over the columns to the right of its anchor."""
    end, px = chart.anchor_col, 0
    while px < CHART_PX:
        px += widths[end] if end < len(widths) else MIN_PX
        end += 1
    return replace(chart, end_col=end)


def _periods_section(g: _Grid, d: dict[str, Any], lang: str) -> None:
    periods = d.get("periods", [])
    if not periods:
        return
    g.add(label("by_period", lang), style="section")
    columns = [*periods, d["total"]] if d.get("total") else list(periods)
    g.add(label("kpi", lang), *[label("total", lang) if p["period"] == "total" else p["period"]
                                for p in columns], style="header")
    present = set().union(*(p.get("kpis", {}).keys() for p in columns))
    for kpi in REGISTRY.values():
        if kpi.id not in present:
            continue
        values = [_num(p.get("kpis", {}).get(kpi.id)) for p in columns]
        if all(v is None for v in values):
            continue
        kind = UNIT_KINDS.get(kpi.unit, "number")
        r = g.add(kpi.ru if lang == "ru" else kpi.en, *values)
        if kind == "money":
            g.blocks.extend(Block(r, c, kind=money_kind(v)) for c, v in enumerate(values, 1))
        else:
            g.blocks.append(Block(r, 1, 1, len(values), kind=kind))


def _plan_section(g: _Grid, gap: Mapping[str, Any], lang: str) -> None:
    """The last planned month's gap to its plan split between its factors (funnel_kpi.report.plan):
    a row per factor with its fact, what the plan expected and its part, then the total."""
    ru = lang == "ru"
    g.add(label("plan", lang, period=gap["month"]), style="section")
    g.add(label("factor", lang), label("fact", lang), label("expected", lang), label("part", lang),
          style="header")
    unit: FormatKind = "integer" if gap["plan_of"] == "paid" else "money"
    for p in gap["parts"]:
        kind = UNIT_KINDS.get(p["unit"], "number")
        g.add(p["ru" if ru else "en"], _num(p["fact"]), _num(p["expected"]), _num(p["part"]),
              kinds={1: kind, 2: kind, 3: unit})
    if gap.get("unexplained"):
        g.add(label("unexplained", lang), None, None, _num(gap["unexplained"]), kinds={3: unit})
    g.add(label("gap", lang), _num(gap["fact"]), _num(gap["plan"]), _num(gap["gap"]),
          style="header", kinds={1: unit, 2: unit, 3: unit})
    for sentence in gap.get("findings_ru" if ru else "findings", []):
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
                  ) -> list[int]:
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
            text = display(v, kinds.get((r, c)), lang)
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
