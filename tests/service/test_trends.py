"""The job page's charts (sheets_sync.app.charts) and trends (sheets_sync.app.trends): what is
drawn checked against numbers worked by hand, on the SVG text itself."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

from funnel_kpi import FunnelReport, Tab, compute_report
from sheets_sync.app.charts import (
    MONTH_HEIGHT,
    FunnelBar,
    MonthBar,
    funnel,
    month_bars,
    sparkline,
)
from sheets_sync.app.trends import trends

PLOT = 104  # MONTH_HEIGHT 150 - the axis (30) - room above the tallest bar (16)
BASE = 120  # the zero line's y: 16 + 104


def rects(svg: str) -> list[dict[str, float]]:
    out = []
    for m in re.finditer(r"<rect ([^>]*)>", svg):
        attrs = dict(re.findall(r'([a-z-]+)="([^"]*)"', m.group(1)))
        out.append({k: float(v) for k, v in attrs.items() if k != "rx"})
    return out


def bar(value: float | None, marked: bool = False) -> MonthBar:
    return MonthBar("Jan", "", value, f"{value}", f"January: {value}", marked)


def test_month_bars_are_proportional_from_zero() -> None:
    svg = month_bars([bar(0.5), bar(0.25), bar(None), bar(1.0, marked=True)], "rates")
    drawn = rects(svg)
    assert MONTH_HEIGHT == 150 and len(drawn) == 3  # no bar for the month without a value
    assert [r["data-value"] for r in drawn] == [0.5, 0.25, 1.0]
    assert [r["height"] for r in drawn] == [52, 26, 104]  # 0.5, 0.25 and 1 of 104
    assert all(r["y"] + r["height"] == BASE for r in drawn)  # all stand on the zero line
    # four slots of (360 - 2 * 10) / 4 = 85 each; a bar is 70 % of its slot, centred
    assert [r["x"] for r in drawn] == [22.8, 107.8, 277.8]
    assert [r["width"] for r in drawn] == [59.5] * 3
    assert svg.count('class="bar marked"') == 1 and svg.count('class="bar"') == 2


def test_the_reference_line_sets_the_scale_when_higher() -> None:
    svg = month_bars([bar(0.5), bar(0.8)], "plan", reference=1.0, reference_text="plan")
    assert [r["height"] for r in rects(svg)] == [52, 83.2]  # of 1.0, not of 0.8
    line = re.search(r'<line class="reference"[^>]* y1="([\d.]+)"', svg)
    assert line and float(line.group(1)) == BASE - PLOT  # 100 % at the top
    taller = month_bars([bar(0.5), bar(1.5)], "plan", reference=1.0)
    assert [r["height"] for r in rects(taller)] == [34.7, 104]  # 0.5 / 1.5 * 104 = 34.67
    line = re.search(r'<line class="reference"[^>]* y1="([\d.]+)"', taller)
    assert line and float(line.group(1)) == 50.7  # 120 - 104 / 1.5 = 50.67


def test_sparkline_points() -> None:
    # 140 x 32 with 4 of padding: x at 4, 70, 136; y from the highest (4) to the lowest (28)
    svg = sparkline([1.0, 3.0, 2.0], "CPL")
    assert '<polyline class="line" points="4,28 70,4 136,16">' in svg
    assert '<circle class="last" cx="136" cy="16"' in svg
    gap = sparkline([1.0, 2.0, None, 2.0, 1.0], "CPL")  # x step (140 - 8) / 4 = 33
    assert gap.count("<polyline") == 2
    assert 'points="4,28 37,4"' in gap and 'points="103,4 136,28"' in gap
    flat = sparkline([5.0, 5.0], "flat")
    assert 'points="4,16 136,16"' in flat  # a flat series runs through the middle


def test_funnel_bars_on_a_log_scale() -> None:
    bars = [FunnelBar("Visits", 1000, "1,000", "", "marketing", False),
            FunnelBar("Leads", 100, "100", "10.0%", "marketing", False),
            FunnelBar("Paid", 10, "10", "10.0%", "sales", True)]
    svg = funnel(bars, "Funnel, October 2026", "bottleneck")
    # 340 * log10(n + 1) / log10(1001): 340, 340 * 2.00432 / 3.00043 = 227.1,
    # 340 * 1.04139 / 3.00043 = 118.0
    assert [r["width"] for r in rects(svg)] == [340, 227.1, 118]
    assert svg.startswith('<svg id="funnel-chart" ')
    assert svg.count("◀ bottleneck") == 1 and 'class="stage sales bottleneck"' in svg


def test_text_is_escaped() -> None:
    svg = month_bars([MonthBar("<b>", "", 1.0, "1 & 2", '"x" <script>', False)], "<a>&")
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg and "1 &amp; 2" in svg and 'aria-label="&lt;a&gt;&amp;"' in svg
    spark = sparkline([1.0, 2.0], '</svg><img src=x onerror="alert(1)">')
    assert "<img" not in spark and spark.count("</svg>") == 1


@pytest.fixture(scope="module")
def small() -> FunnelReport:
    """Three months, worked by hand (steps from leads on can be the bottleneck):
    Jan: leads 100/1000 = 10 %, meetings 50/100 = 50 %, paid 10/50 = 20 % -> paid
    Feb: leads 200/1000 = 20 %, meetings 40/200 = 20 %, paid 20/40 = 50 % -> meetings
    Mar: leads 100/1000 = 10 %, meetings 30/100 = 30 %, paid 15/30 = 50 % -> meetings
    revenue 1000, 1500, 500 against a plan of 1000 each: 100 %, 150 %, 50 %."""
    rows: list[list[object]] = [
            ["Month", "Traffic", "Leads", "Meetings", "Paid", "Revenue", "Plan"],
            ["2026-01-01", 1000, 100, 50, 10, 1000, 1000],
            ["2026-02-01", 1000, 200, 40, 20, 1500, 1000],
            ["2026-03-01", 1000, 100, 30, 15, 500, 1000]]
    return compute_report([Tab("Funnel", rows)], today=date(2026, 6, 1))


def test_trends_of_a_small_report(small: FunnelReport) -> None:
    tr = trends(small, None, "en")
    assert tr is not None and tr.month == "2026-03" and tr.month_label == "March 2026"
    assert [c[0] for c in tr.choices] == ["2026-03", "2026-02", "2026-01"]
    assert [s.label for s in tr.steps] == ["Traffic → Leads", "Leads → Meetings",
                                           "Meetings → Paid"]
    by_step = {s.label: rects(s.chart) for s in tr.steps}
    assert [r["data-value"] for r in by_step["Leads → Meetings"]] == [0.5, 0.2, 0.3]
    assert [r["height"] for r in by_step["Leads → Meetings"]] == [104, 41.6, 62.4]
    assert [r["data-value"] for r in by_step["Meetings → Paid"]] == [0.2, 0.5, 0.5]
    neck = {s.label: s for s in tr.steps}
    assert neck["Leads → Meetings"].bottleneck_months == 2  # February and March
    assert neck["Meetings → Paid"].bottleneck_months == 1  # January
    assert neck["Traffic → Leads"].bottleneck_months == 0  # traffic is never the bottleneck
    marked = re.findall(r'<g class="bar( marked)?">', str(neck["Leads → Meetings"].chart))
    assert marked == ["", " marked", " marked"]
    assert tr.plan is not None
    plan = rects(tr.plan)
    assert [r["data-value"] for r in plan] == [1.0, 1.5, 0.5]
    assert [r["height"] for r in plan] == [69.3, 104, 34.7]  # of 150 %: 104 / 1.5, 104, ...
    assert re.findall(r'<g class="bar( marked)?">', str(tr.plan)) == ["", "", " marked"]
    overall = next(k for k in tr.kpis if k.name == "Overall conversion")
    assert overall.text == "1.5%"  # 15 / 1000 in March
    # 1 %, 2 %, 1.5 %: the lowest at the bottom (28), the highest at the top (4), 1.5 % midway
    assert 'points="4,28 70,4 136,16"' in overall.chart
    assert '<g class="stage sales bottleneck"><title>Meetings: 30 · 30.0%' in tr.funnel
    assert tr.funnel.count(' bottleneck"') == 1  # March: leads to meetings is the neck


def test_the_month_picker_ends_the_window(small: FunnelReport) -> None:
    tr = trends(small, "2026-02", "ru")
    assert tr is not None and tr.month_label == "Февраль 2026"
    assert all(len(rects(s.chart)) == 2 for s in tr.steps[1:])  # January and February
    assert "Воронка, Февраль 2026" in tr.funnel and "узкое место" in tr.funnel
    assert "200 · 20,0" in tr.funnel  # Russian figures: the leads' count and step
    unknown = trends(small, "1999-01", "en")  # a month the report does not have: the shown one
    assert unknown is not None and unknown.month == "2026-03"
    assert trends(small, "<script>", "en") is not None


def test_a_month_in_progress_is_drawn_pale_never_as_a_bad_month() -> None:
    """March is in progress on 10 March: its 50 % of plan is half a month, not a miss."""
    rows: list[list[object]] = [
        ["Month", "Traffic", "Leads", "Meetings", "Paid", "Revenue", "Plan"],
        ["2026-01-01", 1000, 100, 50, 10, 1000, 1000],
        ["2026-02-01", 1000, 200, 40, 20, 1500, 1000],
        ["2026-03-01", 300, 30, 9, 3, 500, 1000]]
    report = compute_report([Tab("Funnel", rows)], today=date(2026, 3, 10))
    tr = trends(report, "2026-03", "en")
    assert tr is not None and tr.in_progress and tr.plan is not None
    assert re.findall(r'<g class="bar( \w+)?">', str(tr.plan)) == ["", "", " partial"]
    assert "March 2026: 50.0% (in progress)" in tr.plan
    for step in tr.steps:
        assert re.findall(r'<g class="bar( \w+)?">', str(step.chart))[-1] == " partial"


def test_no_months_no_trends(small: FunnelReport) -> None:
    assert trends(replace(small, periods=()), None, "en") is None
