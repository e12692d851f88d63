"""Properties that hold for any input (hypothesis)."""

from __future__ import annotations

import json
import math
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from funnel_kpi import formulas as F
from funnel_kpi.inputs import SUMMARY_FIELDS, SummaryRow, SummaryTable
from funnel_kpi.model import DEFAULT_FUNNEL
from funnel_kpi.report.build import build_report
from funnel_kpi.report.funnel_report import FunnelReport

counts_st = st.one_of(st.integers(0, 10**6), st.floats(0, 1e6, allow_nan=False))


@st.composite
def non_increasing(draw: st.DrawFn) -> list[float]:
    first = draw(counts_st)
    out = [float(first)]
    for _ in range(draw(st.integers(1, 8))):
        out.append(draw(st.floats(0, out[-1])) if out[-1] > 0 else 0.0)
    return out


@given(non_increasing())
def test_non_increasing_counts_give_conversions_in_0_1(counts: list[float]) -> None:
    for v in (*F.step_conversions(counts), *F.cumulative_conversions(counts),
              *F.drop_off_rates(counts), F.overall_conversion(counts)):
        assert v.value is None or 0.0 <= v.value <= 1.0
        if v.value is not None and v.low is not None and v.high is not None:
            assert 0.0 <= v.low <= v.high <= 1.0
    assert all(d.value is not None and d.value >= 0 for d in F.drop_offs(counts))


@given(st.lists(st.floats(1e-3, 1e6), min_size=2, max_size=9))
def test_cumulative_is_the_product_of_steps(counts: list[float]) -> None:
    steps = F.step_conversions(counts)
    cumulative = F.cumulative_conversions(counts)
    product = 1.0
    for i, c in enumerate(cumulative):
        if i:
            product *= steps[i - 1].value or 0.0
        assert c.value is not None
        assert math.isclose(c.value, product, rel_tol=1e-9, abs_tol=1e-300)


@given(st.lists(st.one_of(st.none(), counts_st), min_size=2, max_size=9))
def test_bottleneck_is_one_of_the_steps(counts: list[float | None]) -> None:
    steps = F.step_conversions(counts)
    losses = F.drop_offs(counts)
    b = F.bottleneck(steps, losses)
    defined = [s.value for s in steps if s.value is not None]
    if b.lowest_conversion is None:
        assert not defined
    else:
        assert 0 <= b.lowest_conversion < len(steps)
        assert steps[b.lowest_conversion].value == min(defined)
    if b.largest_loss is not None:
        assert losses[b.largest_loss].value == max(x.value for x in losses if x.value is not None)


@given(st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6)), min_size=1, max_size=8))
def test_loss_shares_add_up_to_one(losses: list[float | None]) -> None:
    owners = ["marketing" if i % 2 else "sales" for i in range(len(losses))]
    shares = F.loss_shares(losses, owners)
    values = [v.value for v in shares.values()]
    if all(v is not None for v in values):
        assert math.isclose(sum(v for v in values if v is not None), 1.0)
        assert all(v is not None and 0 <= v <= 1 for v in values)


MONTHS = [date(2022 + i // 12, i % 12 + 1, 1) for i in range(36)]
cell = st.one_of(st.none(), st.floats(0, 1e7, allow_nan=False), st.integers(0, 10**6))
money_cell = st.one_of(st.none(), st.floats(-1e9, 1e12, allow_nan=False),
                       st.sampled_from([0.0, 0.3, 1.0, 1e308, math.inf]))


@st.composite
def summaries(draw: st.DrawFn) -> SummaryTable:
    keys = draw(st.lists(st.sampled_from(DEFAULT_FUNNEL.keys), min_size=1, max_size=8,
                         unique=True))
    keys = [k for k in DEFAULT_FUNNEL.keys if k in keys]
    months = sorted(draw(st.sets(st.sampled_from(MONTHS), max_size=30)))
    segments: list[str | None] = draw(st.sampled_from([[None], ["Ads", "SEO"]]))
    rows = []
    for i, m in enumerate(months):
        for seg in segments:
            counts = {k: float(v) for k in keys if (v := draw(cell)) is not None}
            money = {f: float(v) for f in SUMMARY_FIELDS if (v := draw(money_cell)) is not None}
            rows.append(SummaryRow(m, counts, money, i + 2, seg))
    return SummaryTable("T", tuple(keys), tuple(rows),
                        segment_field="channel" if segments != [None] else None)


@settings(max_examples=150, deadline=None)
@given(summaries(), st.sampled_from([*MONTHS, date(2030, 1, 1)]))
def test_any_summary_gives_a_report_whose_json_round_trips(table: SummaryTable,
                                                           today: date) -> None:
    report = build_report(funnel=DEFAULT_FUNNEL, summary=table, deals=None, today=today)
    d = report.to_dict()
    text = json.dumps(d, allow_nan=False)  # no NaN or infinity anywhere
    again = FunnelReport.from_dict(json.loads(text))
    assert again.to_dict() == d
    assert again == report
    for p in (*report.periods, report.total):
        for s in p.stages:
            v = s.step_conversion.value
            assert v is None or v >= 0
        b = p.bottleneck
        if b is not None and b.lowest_conversion is not None:
            assert b.lowest_conversion.to_key in {s.key for s in p.stages}
