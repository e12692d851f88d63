"""The plan: the gap split and the backwards funnel, every number worked by hand."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

import pytest

from funnel_kpi import formulas as F
from funnel_kpi.inputs import SummaryRow, SummaryTable
from funnel_kpi.model import DEFAULT_FUNNEL
from funnel_kpi.report.build import build_report
from funnel_kpi.report.funnel_report import FunnelReport
from funnel_kpi.report.plan import (
    PlanError,
    backwards,
    check_month,
    month_plans,
    next_month,
    plan_gap,
)
from funnel_kpi.values import Value

Row = tuple[str, dict[str, float], dict[str, float]]


def report(rows: Sequence[Row], stages: tuple[str, ...] = ("leads", "paid"),
           plan_of: str | None = "revenue") -> FunnelReport:
    table = SummaryTable("Воронка", stages, tuple(
        SummaryRow(date.fromisoformat(p + "-01"), counts, money, i)
        for i, (p, counts, money) in enumerate(rows, start=2)), plan_of=plan_of)  # type: ignore[arg-type]
    return build_report(funnel=DEFAULT_FUNNEL, summary=table, deals=None,
                        today=date(2026, 12, 15))


def parts(split: object) -> dict[str, float]:
    return {d.key: d.part for d in split.drivers}  # type: ignore[attr-defined]


# The plan's expected drivers come from the months before: here one month, leads 100, 10 paid
# (conversion 10 %), revenue 10,000 (average deal 1,000). A plan of 10,000 expects exactly that.
BASE: Row = ("2026-01", {"leads": 100, "paid": 10}, {"revenue": 10_000, "spend": 50_000})


def test_issue_example_log_parts_by_hand() -> None:
    # leads 100 -> 120, conversion 10 % -> 8 %, average deal 1,000 -> 1,100:
    # fact = 120 x 0.08 x 1,100 = 10,560, plan 10,000, gap +560.
    # L(10,560, 10,000) = 560 / ln 1.056 = 10,277.46...; the parts are L x ln of each ratio:
    # leads L x ln 1.2 = +1,873.80, conversion L x ln 0.8 = -2,293.35, deal L x ln 1.1 = +979.55.
    r = report([BASE, ("2026-02", {"leads": 120, "paid": 9.6}, {"revenue": 10_560})])
    split = plan_gap(r, "2026-02", 10_000)
    weight = 560 / math.log(1.056)
    assert weight == pytest.approx(10_277.46, abs=0.01)
    got = parts(split)
    assert got == pytest.approx({"count:leads": weight * math.log(1.2),
                                 "step:leads:paid": weight * math.log(0.8),
                                 "average_deal": weight * math.log(1.1)}, rel=1e-12)
    assert [round(v, 2) for v in got.values()] == [1873.8, -2293.35, 979.55]
    assert split.method == "lmdi" and split.gap == 560 and split.unexplained == 0
    assert math.fsum(got.values()) == pytest.approx(560, abs=1e-9)
    assert split.baseline == ("2026-01",)
    leads, step, deal = split.drivers
    assert (leads.fact, leads.expected) == (120, 100)
    assert (step.fact, step.expected) == pytest.approx((0.08, 0.1))
    assert (deal.fact, deal.expected) == pytest.approx((1100, 1000))


def test_opposite_moves_cancel_exactly() -> None:
    # leads 100 -> 125 and conversion 10 % -> 8 % leave 10 paid; the deal 1,000 -> 1,100 makes
    # the whole gap of +1,000: ln 1.25 = -ln 0.8, so leads and conversion are +-2,341.24 and
    # the deal's part is L x ln 1.1 = (1,000 / ln 1.1) x ln 1.1 = 1,000 exactly.
    r = report([BASE, ("2026-02", {"leads": 125, "paid": 10}, {"revenue": 11_000})])
    got = parts(plan_gap(r, "2026-02", 10_000))
    assert round(got["count:leads"], 2) == 2341.24
    assert got["step:leads:paid"] == pytest.approx(-got["count:leads"], rel=1e-12)
    assert got["average_deal"] == pytest.approx(1000, rel=1e-12)


def test_plan_above_the_trailing_funnel_scales_the_expected_leads() -> None:
    # A plan of 15,000 at the trailing 10 % and 1,000 expects 150 leads; the month did exactly
    # the trailing funnel with 100 leads: the whole gap of -5,000 is leads.
    r = report([BASE, ("2026-02", {"leads": 100, "paid": 10}, {"revenue": 10_000})])
    split = plan_gap(r, "2026-02", 15_000)
    assert split.drivers[0].expected == 150
    assert parts(split) == pytest.approx({"count:leads": -5000, "step:leads:paid": 0,
                                          "average_deal": 0}, abs=1e-9)
    assert "Largest shortfall: Leads, -5,000." in split.findings("en")
    assert any("Больше всего недобрал: Лиды" in f for f in split.findings("ru"))


def test_baseline_is_three_months_pooled() -> None:
    # The three months before March 2026 pooled: leads 100+200+300 = 600, paid 10+10+30 = 50,
    # revenue 10,000+20,000+30,000 = 60,000: conversion 50/600, deal 1,200. December 2025 is
    # the fourth month back and is not used.
    rows: list[Row] = [("2025-12", {"leads": 999, "paid": 1}, {"revenue": 1}),
                       ("2026-01", {"leads": 100, "paid": 10}, {"revenue": 10_000}),
                       ("2026-02", {"leads": 200, "paid": 10}, {"revenue": 20_000}),
                       ("2026-03", {"leads": 300, "paid": 30}, {"revenue": 30_000}),
                       ("2026-04", {"leads": 240, "paid": 20}, {"revenue": 24_000})]
    split = plan_gap(report(rows), "2026-04", 24_000)
    assert split.baseline == ("2026-01", "2026-02", "2026-03")
    volume, step, deal = (d.expected for d in split.drivers)
    assert (step, deal) == pytest.approx((50 / 600, 1200))
    assert volume == pytest.approx(24_000 / (50 / 600 * 1200))  # 240 leads


def test_zero_payments_fall_back_to_chain_substitution() -> None:
    # leads 120, nobody paid, no revenue: fact 0, plan 10,000, gap -10,000. Chain in funnel
    # order from the plan (100 x 0.1 x 1,000 = 10,000): leads to 120 gives 12,000 (+2,000);
    # conversion to 0 gives 0 (-12,000); the deal (0 / 0, kept at 1,000) changes nothing.
    r = report([BASE, ("2026-02", {"leads": 120, "paid": 0}, {"revenue": 0})])
    split = plan_gap(r, "2026-02", 10_000)
    assert split.method == "chain"
    assert parts(split) == {"count:leads": 2000, "step:leads:paid": -12_000, "average_deal": 0}
    assert split.drivers[2].fact is None and split.drivers[2].expected == 1000
    assert "chain substitution" in split.findings("en")[0]


def test_zero_leads_take_the_whole_gap() -> None:
    r = report([BASE, ("2026-02", {"leads": 0, "paid": 0}, {"revenue": 0})])
    assert parts(plan_gap(r, "2026-02", 10_000)) == {
        "count:leads": -10_000, "step:leads:paid": 0, "average_deal": 0}


def test_zero_plan_is_all_gain() -> None:
    r = report([BASE, ("2026-02", {"leads": 100, "paid": 10}, {"revenue": 10_000})])
    split = plan_gap(r, "2026-02", 0)
    assert split.method == "chain" and split.gap == 10_000
    assert math.fsum(parts(split).values()) == 10_000


def test_revenue_without_payments_is_unexplained_not_hidden() -> None:
    r = report([BASE, ("2026-02", {"leads": 100, "paid": 0}, {"revenue": 500})])
    split = plan_gap(r, "2026-02", 10_000)
    assert split.unexplained == 500
    assert math.fsum(parts(split).values()) + split.unexplained == split.gap
    assert any("Not explained" in f for f in split.findings("en"))


def test_plan_of_payments_splits_payments_without_the_deal() -> None:
    # A plan of 12 payments; 10 paid from 125 leads at 8 %: gap -2. Expected leads 120 at 10 %.
    # L(10, 12) = -2 / ln(10/12); leads L x ln(125/120), conversion L x ln 0.8.
    r = report([BASE, ("2026-02", {"leads": 125, "paid": 10}, {"revenue": 11_000})],
               plan_of="paid")
    split = plan_gap(r, "2026-02", 12, "paid")
    weight = -2 / math.log(10 / 12)
    assert parts(split) == pytest.approx({"count:leads": weight * math.log(125 / 120),
                                          "step:leads:paid": weight * math.log(0.8)}, rel=1e-12)
    assert split.gap == -2


def test_more_stages_every_step_gets_its_part() -> None:
    stages = ("leads", "meetings", "paid")
    base: Row = ("2026-01", {"leads": 100, "meetings": 50, "paid": 10}, {"revenue": 10_000})
    month: Row = ("2026-02", {"leads": 100, "meetings": 40, "paid": 10}, {"revenue": 10_000})
    split = plan_gap(report([base, month], stages), "2026-02", 10_000)
    got = parts(split)
    # meetings 50 % -> 40 %, meetings -> paid 20 % -> 25 %: equal and opposite, gap 0, L = 10,000
    assert got["step:leads:meetings"] == pytest.approx(10_000 * math.log(0.8))
    assert got["step:meetings:paid"] == pytest.approx(10_000 * math.log(1.25))
    assert split.drivers[1].en == "Leads → Meetings" and split.drivers[1].ru == "Лиды → Встречи"


def test_gap_errors_say_what_is_wrong() -> None:
    r = report([BASE, ("2026-02", {"leads": 100, "paid": 10}, {"revenue": 10_000})])
    with pytest.raises(PlanError, match="no month 2025-05"):
        plan_gap(r, "2025-05", 1)
    with pytest.raises(PlanError, match="no complete month before 2026-01"):
        plan_gap(r, "2026-01", 1)
    with pytest.raises(PlanError, match="write it as YYYY-MM"):
        plan_gap(r, "2026-13", 1)
    with pytest.raises(PlanError, match="0 or more"):
        plan_gap(r, "2026-02", -1)


def test_gap_lmdi_formula_directly() -> None:
    assert F.gap_split_lmdi([1, 2], [1, 0]) is None
    assert F.gap_split_lmdi([2.0], [2.0]) == (Value(0.0),)
    assert F.log_mean(3, 3) == 3
    assert F.log_mean(math.e, 1) == pytest.approx(math.e - 1)
    assert [v.value for v in F.gap_split_chain([2, 3], [1, 1])] == [1, 4]  # 1 -> 2 -> 6


# --- backwards -----------------------------------------------------------------------------------

# Two months: M1 leads 100, meetings 40, paid 10, revenue 10,000, spend 50,000 (CPL 500);
# M2 leads 200, meetings 60, paid 10, revenue 12,000, spend 80,000 (CPL 400). Summed: leads 300,
# meetings 100, paid 20, revenue 22,000, spend 130,000.
TWO: list[Row] = [
    ("2026-01", {"leads": 100, "meetings": 40, "paid": 10}, {"revenue": 10_000, "spend": 50_000}),
    ("2026-02", {"leads": 200, "meetings": 60, "paid": 10}, {"revenue": 12_000, "spend": 80_000}),
]


def test_backwards_by_hand() -> None:
    r = report(TWO, ("leads", "meetings", "paid"))
    b = backwards(r, 11_000)
    assert b.month == "2026-03" and b.months == ("2026-01", "2026-02")
    leads, meetings, paid = b.stages
    # target x sum n_k / sum revenue: 11,000 x 300 / 22,000 = 150 leads, = 11,000 / (1,100 deal
    # x 1/3 x 1/5); 11,000 x 100 / 22,000 = 50 meetings; 11,000 x 20 / 22,000 = 10 paid
    assert (leads.value, meetings.value, paid.value) == pytest.approx((150, 50, 10))
    assert leads.value == pytest.approx(11_000 / (1100 * (100 / 300) * (20 / 100)))
    # each month's own funnel: M1 11,000 x 100 / 10,000 = 110 leads, M2 11,000 x 200 / 12,000
    assert (leads.low, leads.high) == pytest.approx((110, 183.333333))
    assert (paid.low, paid.high) == pytest.approx((11_000 / 1200, 11))
    assert leads.conversion is None
    assert (meetings.conversion, meetings.conversion_low, meetings.conversion_high) == \
        pytest.approx((1 / 3, 0.3, 0.4))
    assert b.average_deal is not None and b.cpl is not None and b.budget is not None
    assert (b.average_deal.value, b.average_deal.low, b.average_deal.high) == \
        pytest.approx((1100, 1000, 1200))
    assert (b.cpl.value, b.cpl.low, b.cpl.high) == pytest.approx((130_000 / 300, 400, 500))
    # budget: 150 leads x CPL 433.33 = 11,000 x 130,000 / 22,000 = 65,000;
    # M1 11,000 x 50,000 / 10,000 = 55,000, M2 11,000 x 80,000 / 12,000 = 73,333.33
    assert (b.budget.value, b.budget.low, b.budget.high) == \
        pytest.approx((65_000, 55_000, 73_333.333333))
    text = b.findings("en")[0]
    assert text.startswith("For 11,000 in March 2026 at the funnel of January 2026–February "
                           "2026: ")
    assert "Leads 150 (110–184)" in text and "marketing budget 65,000" in text
    assert "Лиды 150 (110–184)" in b.findings("ru")[0]


def test_backwards_in_payments_and_for_a_given_month() -> None:
    r = report(TWO, ("leads", "meetings", "paid"))
    b = backwards(r, 30, month="2026-02", target_of="paid")
    assert b.months == ("2026-01",)  # only months before the one planned
    assert [s.value for s in b.stages] == pytest.approx([300, 120, 30])
    assert b.average_deal is None
    assert b.budget is not None and b.budget.value == pytest.approx(150_000)


def test_backwards_without_spend_has_no_budget() -> None:
    rows: list[Row] = [(p, c, {"revenue": m["revenue"]}) for p, c, m in TWO]
    b = backwards(report(rows, ("leads", "meetings", "paid")), 11_000)
    assert b.budget is None and b.cpl is None
    assert "budget" not in b.findings("en")[0]


def test_backwards_skips_months_without_revenue_and_says_when_none_is_left() -> None:
    rows: list[Row] = [TWO[0], ("2026-02", {"leads": 50, "meetings": 0, "paid": 0},
                                {"revenue": 0, "spend": 1000})]
    b = backwards(report(rows, ("leads", "meetings", "paid")), 10_000)
    assert b.months == ("2026-01",)
    with pytest.raises(PlanError, match="no complete month before 2026-01"):
        backwards(report(rows, ("leads", "meetings", "paid")), 10_000, month="2026-01")
    with pytest.raises(PlanError, match="above 0"):
        backwards(report(rows, ("leads", "meetings", "paid")), 0)


def test_months_and_plans_of_a_summary() -> None:
    assert next_month("2025-12") == "2026-01" and next_month("2026-01") == "2026-02"
    assert check_month("2026-01") == "2026-01"
    table = SummaryTable("t", ("leads",), (
        SummaryRow(date(2026, 1, 1), {"leads": 1}, {"plan": 5.0}, 2, "a"),
        SummaryRow(date(2026, 1, 1), {"leads": 1}, {"plan": 7.0}, 3, "b"),
        SummaryRow(date(2026, 2, 1), {"leads": 1}, {}, 4)), plan_of="paid")
    assert month_plans(table) == ({"2026-01": 12.0}, "paid")
    assert month_plans(None) == ({}, None)


def test_findings_show_money_over_a_thousand_without_kopecks() -> None:
    from funnel_kpi.report.plan import Backwards, Need

    b = Backwards("2026-03", 500_000, "revenue", ("2026-01",),
                  (Need("leads", "Leads", "Лиды", "count", 112.2, 77.0, 170.1),),
                  None, None, Need("budget", "Marketing budget", "Маркетинговый бюджет",
                                   "money", 61_431.47, 40_313.2, 100_013.9))
    assert b.findings("en")[0].endswith(
        "Leads 113 (77–171); marketing budget 61,431 (40,313–100,014).")


def test_a_month_without_the_last_stage_is_an_error_not_a_stand_in() -> None:
    # paid blank in the baseline month: the chain used to drop paid, and the last stage left
    # (meetings) then stood for "paid": a plan of 12 payments compared with 12 meetings.
    stages = ("leads", "meetings", "paid")
    r = report([("2026-02", {"leads": 100, "meetings": 20}, {"revenue": 10_000}),
                ("2026-03", {"leads": 100, "meetings": 12, "paid": 10}, {"revenue": 10_000})],
               stages=stages)
    with pytest.raises(PlanError, match=r"2026-02 .*paid"):
        plan_gap(r, "2026-03", 12, "paid")
    with pytest.raises(PlanError, match=r"2026-02 .*paid"):
        backwards(r, 12, "2026-03", "paid")
