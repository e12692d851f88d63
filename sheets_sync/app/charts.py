"""Charts for the job page as inline SVG: pure functions from numbers to SVG text.

No script and no CDN: the page draws them as it loads, in any browser, with JavaScript off. Every
text that reaches the SVG is escaped. Each bar and point carries its number (``data-value``) and a
``<title>`` (a tooltip, and what a screen reader reads), so what is drawn can be checked against
the report. Sizes are in the SVG's own units; the page scales the SVG to its box (viewBox).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

FUNNEL_WIDTH = 720
LABEL_WIDTH = 200
BAR_AREA = 340  # the longest funnel bar; the rest of the width is for its figures
ROW_HEIGHT = 34
BAR_HEIGHT = 22
PAD = 10

MONTH_WIDTH = 360
MONTH_HEIGHT = 150
AXIS_HEIGHT = 30  # under the bars: the month and, on January and the first bar, the year
VALUE_HEIGHT = 16  # above the bars: room for the tallest bar's figure

SPARK_WIDTH = 140
SPARK_HEIGHT = 32
SPARK_PAD = 4


@dataclass(frozen=True)
class FunnelBar:
    label: str
    count: float | None
    count_text: str
    step_text: str  # the step conversion into this stage ("" for the first)
    owner: str  # "marketing" / "sales": the bar's colour
    bottleneck: bool


@dataclass(frozen=True)
class MonthBar:
    label: str  # under the bar: "Oct"
    year: str  # under the label on January and the first bar, else ""
    value: float | None  # None: not defined that month (no bar)
    text: str  # the figure as people read it: "25.0%"
    title: str  # the tooltip: "October 2026: 25.0%"
    marked: bool  # drawn in the warning colour: the month's bottleneck, a month below plan
    partial: bool = False  # a month not final yet (in progress, a young cohort): drawn pale,
    # never in the warning colour, so half a month is not read as a bad one


def _num(x: float) -> str:
    """An SVG coordinate: short, and the same on every machine."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _svg(width: float, height: float, css: str, label: str, body: list[str],
         ident: str = "") -> Markup:
    at = f'id="{escape(ident)}" ' if ident else ""
    # every text in it is escaped here or where its body was made; numbers are floats
    return Markup(  # nosec B704
        f'<svg {at}class="chart {escape(css)}" role="img" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" '
        f'width="{_num(width)}" height="{_num(height)}" xmlns="http://www.w3.org/2000/svg" '
        f'aria-label="{escape(label)}">' + "".join(body) + "</svg>")


def funnel_width(count: float | None, top: float) -> float:
    """A funnel bar's length: log scale, since funnels span orders of magnitude (visits to
    payments) and a linear one would leave the last stages as dots."""
    if count is None or count <= 0 or top <= 0:
        return 2.0
    return max(4.0, BAR_AREA * math.log10(count + 1) / math.log10(top + 1))


def funnel(bars: Sequence[FunnelBar], label: str, bottleneck_word: str,
           ident: str = "funnel-chart") -> Markup:
    """The funnel of one month: a bar per stage, its count and step conversion beside it."""
    top = max((b.count or 0.0 for b in bars), default=0.0)
    body = []
    for i, b in enumerate(bars):
        y = PAD + i * ROW_HEIGHT
        width = funnel_width(b.count, top)
        figures = b.count_text + (f" · {b.step_text}" if b.step_text else "")
        mark = f" ◀ {bottleneck_word}" if b.bottleneck else ""
        css = f"stage {b.owner}" + (" bottleneck" if b.bottleneck else "")
        value = "" if b.count is None else f' data-value="{b.count:g}"'
        body.append(
            f'<g class="{escape(css)}"><title>{escape(b.label)}: {escape(figures)}</title>'
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end" class="label">'
            f"{escape(b.label)}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{_num(width)}" height="{BAR_HEIGHT}" '
            f'rx="3"{value}></rect>'
            f'<text x="{_num(LABEL_WIDTH + width + 6)}" y="{y + 16}" class="value">'
            f"{escape(figures)}{escape(mark)}</text></g>")
    return _svg(FUNNEL_WIDTH, 2 * PAD + len(bars) * ROW_HEIGHT, "funnel", label, body, ident)


def month_bars(bars: Sequence[MonthBar], label: str, *, reference: float | None = None,
               reference_text: str = "") -> Markup:
    """A bar per month, its height proportional to its value from a zero baseline (the tallest
    bar, or the reference line when higher, is the full height); ``reference`` draws a dashed
    line across (a plan's 100 %)."""
    values = [b.value for b in bars if b.value is not None and math.isfinite(b.value)]
    top = max([*values, reference or 0.0, 0.0])
    plot = MONTH_HEIGHT - AXIS_HEIGHT - VALUE_HEIGHT
    base = VALUE_HEIGHT + plot  # the zero line's y
    slot = (MONTH_WIDTH - 2 * PAD) / max(len(bars), 1)
    body = [f'<line class="axis" x1="{PAD}" y1="{_num(base)}" x2="{MONTH_WIDTH - PAD}" '
            f'y2="{_num(base)}"></line>']
    for i, b in enumerate(bars):
        x = PAD + i * slot
        centre = x + slot / 2
        if b.value is not None and math.isfinite(b.value) and top > 0:
            height = max(b.value, 0.0) / top * plot
            css = "bar partial" if b.partial else "bar marked" if b.marked else "bar"
            body.append(
                f'<g class="{css}"><title>{escape(b.title)}</title>'
                f'<rect x="{_num(x + slot * 0.15)}" y="{_num(base - height)}" '
                f'width="{_num(slot * 0.7)}" height="{_num(height)}" '
                f'data-value="{b.value:g}"></rect></g>')
        body.append(f'<text class="tick" x="{_num(centre)}" y="{_num(base + 12)}" '
                    f'text-anchor="middle">{escape(b.label)}</text>')
        if b.year:
            body.append(f'<text class="tick" x="{_num(centre)}" y="{_num(base + 25)}" '
                        f'text-anchor="middle">{escape(b.year)}</text>')
    last = next((b for b in reversed(bars) if b.value is not None), None)
    if last is not None:  # the latest month's figure, where the eye ends
        body.append(f'<text class="value" x="{MONTH_WIDTH - PAD}" y="11" text-anchor="end">'
                    f"{escape(last.text)}</text>")
    if reference is not None and top > 0:
        y = base - reference / top * plot
        body.append(f'<line class="reference" x1="{PAD}" y1="{_num(y)}" x2="{MONTH_WIDTH - PAD}"'
                    f' y2="{_num(y)}" data-value="{reference:g}"><title>'
                    f"{escape(reference_text)}</title></line>")
    return _svg(MONTH_WIDTH, MONTH_HEIGHT, "months", label, body)


def spark_points(values: Sequence[float | None], width: float = SPARK_WIDTH,
                 height: float = SPARK_HEIGHT) -> list[tuple[float, float] | None]:
    """Where each value goes: x evenly spaced, y from the lowest (bottom) to the highest (top)
    value; a flat series runs through the middle; None stays a gap."""
    defined = [v for v in values if v is not None and math.isfinite(v)]
    if not defined:
        return [None for _ in values]
    low, high = min(defined), max(defined)
    step = (width - 2 * SPARK_PAD) / max(len(values) - 1, 1)
    span = height - 2 * SPARK_PAD
    out: list[tuple[float, float] | None] = []
    for i, v in enumerate(values):
        if v is None or not math.isfinite(v):
            out.append(None)
            continue
        y = height / 2 if high == low else SPARK_PAD + (high - v) / (high - low) * span
        out.append((SPARK_PAD + i * step, y))
    return out


def sparkline(values: Sequence[float | None], label: str) -> Markup:
    """A KPI's months as a line (a gap where it is not defined), the last point marked."""
    points = spark_points(values)
    runs: list[list[tuple[float, float]]] = [[]]
    for p in points:
        if p is None:
            runs.append([])
        else:
            runs[-1].append(p)
    body = []
    for run in runs:
        if len(run) > 1:
            body.append('<polyline class="line" points="'
                        + " ".join(f"{_num(x)},{_num(y)}" for x, y in run) + '"></polyline>')
    last = next((p for p in reversed(points) if p is not None), None)
    if last is not None:
        body.append(f'<circle class="last" cx="{_num(last[0])}" cy="{_num(last[1])}" r="2.5">'
                    "</circle>")
    body.insert(0, f"<title>{escape(label)}</title>")
    return _svg(SPARK_WIDTH, SPARK_HEIGHT, "spark", label, body)
