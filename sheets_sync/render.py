"""The KPI tab: a report laid out as a grid of typed values, in the spreadsheet's language.

Works from ``FunnelReport.to_dict()`` (the same JSON the API serves), so the tab, the API and the
dashboard show one thing. Layout, top to bottom: header (title, sync time, sources, status); the
latest period's funnel with a bar chart beside it; KPIs by period (a column per month); findings;
data problems.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from funnel_kpi.registry import REGISTRY
from sheets_sync.grid import Block, CellValue, ChartSpec, FormatKind, KpiGrid

DEFAULT_OUTPUT_TABS = ("KPI", "Показатели")
UNIT_KINDS: dict[str, FormatKind] = {"count": "integer", "ratio": "percent", "times": "number",
                                     "money": "money", "days": "days", "months": "months"}

LABELS: dict[str, dict[str, str]] = {
    "title": {"en": "Funnel KPIs", "ru": "Показатели воронки"},
    "synced": {"en": "Synced", "ru": "Синхронизация"},
    "source": {"en": "Source tabs", "ru": "Исходные вкладки"},
    "status": {"en": "Status", "ru": "Статус"},
    "ok": {"en": "OK", "ru": "OK"},
    "ok_problems": {"en": "OK, data problems: {n} (see below)",
                    "ru": "OK, проблем в данных: {n} (см. ниже)"},
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
    "problems": {"en": "Data problems", "ru": "Проблемы в данных"},
    "tab": {"en": "Tab", "ru": "Вкладка"},
    "cell": {"en": "Cell", "ru": "Ячейка"},
    "value": {"en": "Value", "ru": "Значение"},
    "reason": {"en": "Reason", "ru": "Причина"},
    "no_problems": {"en": "None", "ru": "Нет"},
    "chart": {"en": "Funnel", "ru": "Воронка"},
    "note": {"en": "This tab is written by sheets-sync on every sync: edits here are overwritten. "
                   "Change the input tabs instead.",
             "ru": "Эту вкладку перезаписывает sheets-sync при каждой синхронизации: правки здесь "
                   "пропадут. Меняйте исходные вкладки."},
    "protection": {"en": "Owned by sheets-sync: edits are overwritten on the next sync",
                   "ru": "Вкладку ведёт sheets-sync: правки перезаписываются при синхронизации"},
}
PROBLEM_ROWS_MAX = 500  # a sheet full of problems helps nobody; the count is in the header


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

    def add(self, *cells: CellValue, style: Any = None, kinds: dict[int, FormatKind] | None = None,
            ) -> int:
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
           input_hash: str = "") -> KpiGrid:
    d: dict[str, Any] = report if isinstance(report, dict) else report.to_dict()
    g = _Grid()
    problems = d.get("problems", [])
    g.add(label("title", lang) + (f": {source}" if source else ""), style="title")
    g.add(label("synced", lang), synced_at.strftime("%Y-%m-%d %H:%M %Z").strip())
    sources = [t for t in (d.get("sources") or {}).values() if t]
    g.add(label("source", lang), ", ".join(sources))
    status = label("ok_problems", lang, n=len(problems)) if problems else label("ok", lang)
    g.add(label("status", lang), status, style="warning" if problems else None)
    if input_hash:
        g.add("input", input_hash[:16], style="muted")
    g.blank()

    chart = _funnel_section(g, d, lang)
    g.blank()
    _periods_section(g, d, lang)
    g.blank()
    g.add(label("findings", lang), style="section")
    for sentence in d.get("findings_ru" if lang == "ru" else "findings", []):
        g.add(sentence)
    g.blank()
    g.add(label("problems", lang), style="section")
    if not problems:
        g.add(label("no_problems", lang), style="muted")
    else:
        g.add(label("tab", lang), label("cell", lang), label("value", lang), label("reason", lang),
              style="header")
        for p in problems[:PROBLEM_ROWS_MAX]:
            g.add(p["tab"], p["cell"], p["value"], p["reason_ru" if lang == "ru" else "reason"])
    widths = (220, 110, 120, 110, 100, 100, 140, 140)
    return KpiGrid(title, tuple(g.rows), tuple(g.blocks), chart, label("note", lang),
                   label("protection", lang), widths)


def _funnel_section(g: _Grid, d: dict[str, Any], lang: str) -> ChartSpec | None:
    periods = [p for p in d.get("periods", []) if not p.get("in_progress")] or d.get("periods", [])
    if not periods:
        return None
    latest = periods[-1]
    g.add(label("funnel", lang, period=latest["period"]), style="section")
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
    return ChartSpec(label("chart", lang), 0, 1, header, n, header - 1, 9) if n else None


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
        g.blocks.append(Block(r, 1, 1, len(values), kind=kind))
