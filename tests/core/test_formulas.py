"""Every formula against a hand-computed example, and every zero denominator."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from funnel_kpi import formulas as F
from funnel_kpi.values import Value


def vals(values: tuple[Value, ...]) -> list[float | None]:
    return [v.value for v in values]


# --- conversions --------------------------------------------------------------------------------

def test_conversion_is_a_rate_with_sample_size_and_interval() -> None:
    # 100 first meetings -> 30 briefs: 30 / 100 = 30%
    v = F.conversion(100, 30)
    assert v.value == pytest.approx(0.30)
    assert v.n == 100
    # Wilson 95% for p = 0.3, n = 100: centre (0.3 + 1.92^2/200)/(1 + 1.92^2/100) ...
    assert v.low == pytest.approx(0.2189, abs=1e-4)
    assert v.high == pytest.approx(0.3958, abs=1e-4)


def test_handoff_example_20_of_30() -> None:
    v = F.conversion(30, 20)  # 20 / 30 = 66.7%
    assert v.value == pytest.approx(2 / 3)
    assert v.n == 30


def test_conversion_zero_and_missing() -> None:
    assert F.conversion(0, 0) == Value(None, "no_entries")
    assert F.conversion(None, 5).reason == "missing_input"
    assert F.conversion(5, None).reason == "missing_input"


def test_step_cumulative_drop_offs() -> None:
    counts = [1000, 200, 50, 10]
    # steps: 200/1000 = .2, 50/200 = .25, 10/50 = .2
    assert vals(F.step_conversions(counts)) == pytest.approx([0.2, 0.25, 0.2])
    # cumulative: 1, .2, .05, .01
    assert vals(F.cumulative_conversions(counts)) == pytest.approx([1, 0.2, 0.05, 0.01])
    # drop-offs: 800, 150, 40; drop-off rates 1 - step: .8, .75, .8
    assert vals(F.drop_offs(counts)) == [800, 150, 40]
    assert vals(F.drop_off_rates(counts)) == pytest.approx([0.8, 0.75, 0.8])
    assert F.overall_conversion(counts).value == pytest.approx(0.01)  # 10 / 1000
    assert F.cumulative_conversions([]) == ()


def test_drop_off_rate_interval_mirrors_the_step() -> None:
    step, drop = F.conversion(30, 20), F.drop_off_rate(30, 20)
    assert drop.value == pytest.approx(1 / 3)
    assert drop.low == pytest.approx(1 - (step.high or 0))
    assert drop.high == pytest.approx(1 - (step.low or 0))
    assert F.drop_off_rate(0, 0).reason == "no_entries"


def test_zero_in_the_middle_makes_later_steps_undefined_not_zero() -> None:
    steps = F.step_conversions([10, 0, 0])
    assert steps[0].value == 0.0
    assert steps[1] == Value(None, "no_entries")
    assert F.overall_conversion([10]).reason == "missing_input"


def test_loss_shares_by_end_stage_owner() -> None:
    # losses 70 (marketing step), 10 (sales: the handoff) -> 70/80 = 87.5%, 10/80 = 12.5%
    s = F.loss_shares([70, 10], ["marketing", "sales"])
    assert s["marketing"].value == pytest.approx(0.875)
    assert s["sales"].value == pytest.approx(0.125)
    assert s["sales"].n == 80
    # a negative loss (later stage larger) counts as 0: 30 / (30 + 0 + 10)
    s = F.loss_shares([30, -5, 10], ["marketing", "sales", "sales"])
    assert s["marketing"].value == pytest.approx(0.75)
    assert F.loss_shares([0, 0], ["marketing", "sales"])["sales"].reason == "no_losses"
    assert F.loss_shares([1, None], ["marketing", "sales"])["sales"].reason == "missing_input"
    only_sales = F.loss_shares([5, 3], ["sales", "sales"])
    assert only_sales["sales"].value == 1.0
    assert only_sales["marketing"].reason == "no_steps_owned"  # not 0: it has no part


# --- money --------------------------------------------------------------------------------------

def test_cpl_cac_average_deal() -> None:
    assert F.cpl(50_000, 250).value == 200  # 50000 / 250
    assert F.cac(50_000, 20, 10_000).value == 3000  # (50000 + 10000) / 20
    assert F.cac(50_000, 20).value == 2500  # no sales cost
    assert F.cac(50_000, 20, None).value == 2500
    assert F.average_deal(90_000, 20).value == 4500  # 90000 / 20
    assert F.cost_per_unit(1000, 8).value == 125


def test_money_zero_denominators_are_undefined() -> None:
    assert F.cpl(1000, 0) == Value(None, "zero_denominator")
    assert F.cac(1000, 0) == Value(None, "zero_denominator")
    assert F.cac(None, 10).reason == "missing_input"
    assert F.average_deal(100, 0).reason == "zero_denominator"
    assert F.average_deal(None, 3).reason == "missing_input"


def test_lost_leads_cost() -> None:
    # CPL = 30000 / 300 = 100; lost = 300 - 12 = 288 -> 28800
    assert F.lost_leads_cost(30_000, 300, 12).value == pytest.approx(28_800)
    assert F.lost_leads_cost(30_000, 0, 0).reason == "zero_denominator"
    assert F.lost_leads_cost(30_000, 300, None).reason == "missing_input"


def test_win_rate() -> None:
    v = F.win_rate(30, 70)  # 30 / 100
    assert v.value == pytest.approx(0.3) and v.n == 100
    assert F.win_rate(0, 0) == Value(None, "no_closed_deals")


def test_ltv_family() -> None:
    # simple: 2500 x 1.5 purchases/month x 20 months x 0.4 margin = 30000
    assert F.ltv(2500, 1.5, 20, 0.4).value == pytest.approx(30_000)
    assert F.ltv(2500, 1, 20).value == pytest.approx(50_000)
    assert F.ltv(None, 1, 20).reason == "missing_input"
    # contractual: ARPU 250 x margin 0.4 / churn 0.05 = 2000
    assert F.ltv_contractual(250, 0.05, 0.4).value == pytest.approx(2000)
    assert F.ltv_contractual(250, 0) == Value(None, "zero_churn")
    # LTV:CAC 20000 / 2000 = 10; payback 2000 / (250 x 0.4) = 20 months
    assert F.ltv_cac(20_000, 2000).value == pytest.approx(10)
    assert F.ltv_cac(20_000, 0).reason == "zero_denominator"
    assert F.payback_months(2000, 250, 0.4).value == pytest.approx(20)
    assert F.payback_months(2000, 0).reason == "zero_denominator"
    assert F.payback_months(2000, None).reason == "missing_input"
    # churn 10 of 200 = 5%
    churn = F.churn_rate(10, 200)
    assert churn.value == pytest.approx(0.05) and churn.n == 200
    assert F.churn_rate(0, 0).reason == "no_entries"
    assert F.arpu(50_000, 200).value == 250


# --- plan, growth, time ---------------------------------------------------------------------------

def test_plan_fact_and_run_rate() -> None:
    assert F.plan_fact(95, 100).value == pytest.approx(0.95)
    assert F.plan_fact(95, 0).reason == "zero_denominator"
    # 3100 in 10 days of a 31-day month -> 310 a day x 31 = 9610
    assert F.run_rate_projection(3100, 10, 31).value == pytest.approx(9610)
    assert F.run_rate_projection(3100, 0, 31).reason == "zero_denominator"


def test_growth_abs_and_rel() -> None:
    a, r = F.growth(120, 100)  # +20, +20%
    assert a.value == 20 and r.value == pytest.approx(0.2)
    a, r = F.growth(80, 100)
    assert a.value == -20 and r.value == pytest.approx(-0.2)
    a, r = F.growth(5, 0)  # abs is defined, rel is not
    assert a.value == 5 and r == Value(None, "zero_denominator")
    a, r = F.growth(-50, -100)  # from -100 to -50 went up: +50%
    assert r.value == pytest.approx(0.5)
    assert F.growth(None, 1)[0].reason == "missing_input"


def test_mean_and_median_days() -> None:
    days = [1, 2, 3, 10, None]  # None skipped: mean 16/4 = 4, median (2 + 3)/2 = 2.5
    assert F.mean_days(days) == Value(4.0, n=4)
    assert F.median_days(days) == Value(2.5, n=4)
    assert F.mean_days([]) == Value(None, "no_durations")
    assert F.median_days([None]).reason == "no_durations"


# --- pipeline -----------------------------------------------------------------------------------

def test_forecast_revenue() -> None:
    # 100000 x 0.2 + 50000 x 0.5 + 0 x (unknown) = 45000
    v = F.forecast_revenue({"meetings": 100_000, "proposals": 50_000, "paid": 0},
                           {"meetings": 0.2, "proposals": 0.5})
    assert v.value == pytest.approx(45_000)
    assert F.forecast_revenue({}, {}).value == 0
    assert F.forecast_revenue({"x": 10}, {}).reason == "missing_input"


def test_pipeline_velocity() -> None:
    # 40 opportunities x 0.25 x 4000 / 50 days = 800 a day
    assert F.pipeline_velocity(40, 0.25, 4000, 50).value == pytest.approx(800)
    assert F.pipeline_velocity(40, 0.25, 4000, 0).reason == "zero_denominator"
    assert F.pipeline_velocity(None, 0.25, 4000, 5).reason == "missing_input"


def test_seasonal_index_two_years() -> None:
    # value = 1000m in year 1, 2000m in year 2: month mean 1500m, mean of means 1500 x 6.5
    # -> index m / 6.5
    values = {date(y, m, 1): float(1000 * m * (y - 2022)) for y in (2023, 2024)
              for m in range(1, 13)}
    idx = F.seasonal_index(values)
    for m in range(1, 13):
        assert idx[m].value == pytest.approx(m / 6.5)
    assert sum(v.value or 0 for v in idx.values()) / 12 == pytest.approx(1.0)


def test_seasonal_index_needs_two_years() -> None:
    values = {date(2023, m, 1): 10.0 for m in range(1, 13)}
    values[date(2024, 1, 1)] = 12.0
    assert all(v.reason == "one_year_only" for v in F.seasonal_index(values).values())
    zeros = {date(y, m, 1): 0.0 for y in (2023, 2024) for m in range(1, 13)}
    assert F.seasonal_index(zeros)[1].reason == "zero_denominator"


def test_bottleneck_steps() -> None:
    # conversions .3, .667, .2 -> lowest is step 2; losses 70, 10, 16 -> largest is step 0
    b = F.bottleneck([F.conversion(100, 30), F.conversion(30, 20), F.conversion(20, 4)],
                     [70, 10, 16])
    assert b == F.BottleneckSteps(2, 0)
    # ties go to the earlier step; undefined steps are skipped
    assert F.bottleneck([0.5, 0.5, None], [None, 3, 3]) == (0, 1)
    assert F.bottleneck([], []) == (None, None)


def test_huge_inputs_never_give_infinity() -> None:
    assert F.ltv(1e308, 10, 10).reason == "not_finite"
    assert F.cac(1e308, 1e-300).reason == "not_finite"
    assert F.growth(1e308, -1e308)[0].reason == "not_finite"


def test_step_conversion_array_matches_step_conversions() -> None:
    counts = [100, 30, 20, 0, 5, None, 3, 1e308, 1e-308]
    full = F.step_conversions(counts)
    values, codes = F.step_conversion_array(
        np.array([math.nan if c is None else c for c in counts], dtype=np.float64))
    assert len(full) == len(values) == len(counts) - 1
    for v, b, c in zip(full, values.tolist(), codes.tolist(), strict=True):
        assert (v.value, v.reason) == ((b, None) if c == 0 else (None, F.STEP_REASONS[c]))
