"""What the job page shows of a report: its view (funnel_kpi.report_view, as the KPI tab and the
text report have it) and the funnel chart's geometry. The chart is plain SVG drawn by the
template from these numbers: no script.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from funnel_kpi import FunnelReport, GapSplit, ReportView, report_view

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


def bar_width(count: float | None, top: float) -> float:
    # Funnels span orders of magnitude (visits to payments): a log scale keeps every stage visible.
    if not count or count <= 0 or top <= 0:
        return 2.0
    return max(4.0, BAR_AREA * math.log10(count + 1) / math.log10(top + 1))


def stored_view(stored: Mapping[str, Any], lang: str, currency: str | None = None,
                report: FunnelReport | None = None) -> ReportView:
    """The view of a stored report (the store keeps its JSON, with the KPI tab's plan section
    under "plan"): loaded through FunnelReport.from_dict, unless the caller has ``report``."""
    plan = stored.get("plan")
    return report_view(report or FunnelReport.from_dict(stored), lang,
                       plan=GapSplit.from_dict(plan) if plan else None, currency=currency)


def chart(view: ReportView) -> Chart | None:
    if not view.stages:
        return None
    top = max((s.count or 0) for s in view.stages)
    bars = tuple(Bar(y=TOP + i * ROW_HEIGHT, width=round(bar_width(s.count, top), 1),
                     label=s.label, count=s.count_text, conversion=s.step_text if i else "",
                     owner=s.owner, bottleneck=i > 0 and s.bottleneck)
                 for i, s in enumerate(view.stages))
    return Chart(view.period, view.in_progress, bars, CHART_WIDTH,
                 TOP * 2 + len(bars) * ROW_HEIGHT, LABEL_WIDTH, BAR_HEIGHT)
