"""What the job page shows of a report: the funnel chart's geometry and the KPI table.

Works from the report JSON (the same dict the API returns), so the page, the API and the KPI tab
show one thing. The chart is plain SVG drawn by the template from these numbers: no script.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from funnel_kpi import is_noise, textfmt, usual_move
from funnel_kpi.registry import REGISTRY
from sheets_sync.render import shown_period
from sheets_sync.text_report import fmt_number

CHART_WIDTH = 720
LABEL_WIDTH = 210
BAR_AREA = 330
ROW_HEIGHT = 34
BAR_HEIGHT = 22
TOP = 10


@dataclass(frozen=True)
class Bar:
    y: int
    width: float
    label: str
    count: str
    conversion: str  # step conversion into this stage ("" for the first)
    owner: str
    bottleneck: bool


@dataclass(frozen=True)
class Chart:
    period: str
    in_progress: bool
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int
    bar_height: int


@dataclass(frozen=True)
class KpiRow:
    name: str
    value: str
    mom: str
    mom_arrow: str
    mom_class: str
    yoy: str
    yoy_arrow: str
    yoy_class: str


def bar_width(count: float | None, top: float) -> float:
    # Funnels span orders of magnitude (visits to payments): a log scale keeps every stage visible.
    if not count or count <= 0 or top <= 0:
        return 2.0
    return max(4.0, BAR_AREA * math.log10(count + 1) / math.log10(top + 1))


def chart(report: dict[str, Any], lang: str) -> Chart | None:
    period = shown_period(report)
    if period is None or not period.get("stages"):
        return None
    stages = period["stages"]
    top = max((s.get("count") or 0) for s in stages)
    neck = ((period.get("bottleneck") or {}).get("lowest_conversion") or {}).get("to")
    bars = []
    for i, s in enumerate(stages):
        step = s.get("step_conversion")
        bars.append(Bar(
            y=TOP + i * ROW_HEIGHT, width=round(bar_width(s.get("count"), top), 1),
            label=(s.get("label_ru") if lang == "ru" else s.get("label")) or s["key"],
            count=fmt_number(s.get("count"), "count", lang),
            conversion=fmt_number(step, "ratio", lang) if i > 0 else "",
            owner=s.get("owner", "sales"), bottleneck=i > 0 and s["key"] == neck))
    return Chart(period["period"], bool(period.get("in_progress")), tuple(bars), CHART_WIDTH,
                 TOP * 2 + len(bars) * ROW_HEIGHT, LABEL_WIDTH, BAR_HEIGHT)


def arrow(change: dict[str, Any] | None, higher_is_better: bool | None,
          lang: str, unit: str = "count", usual: float | None = None,
          intervals: tuple[tuple[float, float], tuple[float, float]] | None = None,
          ) -> tuple[str, str, str]:
    """(change as text, arrow, css class: good/bad/flat/noise/none). A rate changes in
    percentage points (20 % -> 25 % is +5.0 pp, not +25 %); counts and money in %. A change no
    larger than ``usual`` (the KPI's usual move, report.noise) is noise: "≈", no colour."""
    key = "abs" if unit == "ratio" else "rel"
    if not change or change.get(key) is None:
        return "—", "", "none"
    moved = float(change[key])
    if is_noise(moved, usual, intervals=intervals):
        text = textfmt.points(moved, lang) if unit == "ratio" else fmt_number(moved, "ratio", lang)
        return ("+" if moved > 0 and unit != "ratio" else "") + text, "≈", "noise"
    if unit == "ratio":
        text = textfmt.points(moved, lang)
    else:
        text = fmt_number(moved, "ratio", lang)
        if moved > 0:
            text = "+" + text
    if moved == 0:
        return text, "→", "flat"
    up = moved > 0
    cls = "flat" if higher_is_better is None else "good" if up == higher_is_better else "bad"
    return text, "▲" if up else "▼", cls


def _intervals(now: dict[str, Any], previous: dict[str, Any] | None, kpi_id: str,
               ) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """A rate's 95 % Wilson intervals this month and the month before, when both are known."""
    if previous is None:
        return None
    cis = [((p.get("kpi_details") or {}).get(kpi_id) or {}).get("ci") for p in (now, previous)]
    if any(ci is None or len(ci) != 2 or None in ci for ci in cis):
        return None
    (a, b), (c, d) = cis[0], cis[1]
    return (float(a), float(b)), (float(c), float(d))


def kpi_rows(report: dict[str, Any], lang: str) -> tuple[str | None, list[KpiRow]]:
    period = shown_period(report)
    if period is None:
        return None, []
    kpis = period.get("kpis") or {}
    changes = period.get("changes") or {}
    mom, yoy = changes.get("mom") or {}, changes.get("yoy") or {}
    before = [p for p in report.get("periods") or []
              if p.get("period", "") < str(period.get("period")) and not p.get("in_progress")
              and not p.get("pending")]
    rows = []
    for kpi in REGISTRY.values():
        value = kpis.get(kpi.id)
        if value is None:
            continue
        usual = usual_move([(p.get("kpis") or {}).get(kpi.id) for p in before],
                           relative=kpi.unit != "ratio")
        m = arrow(mom.get(kpi.id), kpi.higher_is_better, lang, kpi.unit, usual,
                  _intervals(period, before[-1] if before else None, kpi.id))
        y = arrow(yoy.get(kpi.id), kpi.higher_is_better, lang, kpi.unit)
        rows.append(KpiRow(kpi.name(lang), fmt_number(value, kpi.unit, lang), *m, *y))
    return period.get("period"), rows
