"""Verdicts beyond noise (funnel_kpi.report.verdicts), every number worked by hand in the
comments."""

from __future__ import annotations

import itertools
import json
import math
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funnel_kpi.inputs import SummaryRow, SummaryTable
from funnel_kpi.model import DEFAULT_FUNNEL
from funnel_kpi.report.build import build_report
from funnel_kpi.report.findings import FindingInputs, Month, findings
from funnel_kpi.report.funnel_report import NA, FunnelReport, PeriodReport, SegmentReport, StageRow
from funnel_kpi.report.textfmt import NBSP
from funnel_kpi.report.verdict_rules import control_limits, segment_verdicts
from funnel_kpi.report.verdicts import (
    NO_VERDICTS,
    SegmentVerdict,
    StepControl,
    Verdicts,
    enough_data,
    holm,
    two_proportion_z,
)
from funnel_kpi.values import Value, rate

# --- the z-test ----------------------------------------------------------------------------------

def test_z_and_p_of_30_of_100_against_15_of_100() -> None:
    # pooled p = 45 / 200 = 0.225; se = sqrt(0.225 x 0.775 x (1/100 + 1/100))
    #   = sqrt(0.0034875) = 0.0590551; z = (0.30 - 0.15) / 0.0590551 = 2.54000
    # two-sided p = 2 (1 - Phi(2.54)) = 2 x 0.0055426 = 0.011085
    t = two_proportion_z(30, 100, 15, 100)
    assert t.z == pytest.approx(0.15 / math.sqrt(0.0034875))
    assert t.z == pytest.approx(2.5400, abs=1e-4)
    assert t.p_value == pytest.approx(0.011085, abs=1e-6)
    assert two_proportion_z(15, 100, 30, 100).z == pytest.approx(-2.5400, abs=1e-4)


def test_z_test_agrees_with_statsmodels() -> None:
    sm = pytest.importorskip("statsmodels.stats.proportion")
    for x1, n1, x2, n2 in ((30, 100, 15, 100), (7, 40, 60, 200), (120, 400, 90, 380)):
        z, p = sm.proportions_ztest([x1, x2], [n1, n2])
        t = two_proportion_z(x1, n1, x2, n2)
        assert t.z == pytest.approx(z) and t.p_value == pytest.approx(p)


def test_no_variance_is_no_difference() -> None:
    assert two_proportion_z(0, 50, 0, 60).p_value == 1.0  # pooled 0: nobody converts anywhere


def test_holm_of_three_p_values() -> None:
    # sorted: 0.01 x 3 = 0.03; 0.03 x 2 = 0.06; 0.04 x 1 = 0.04, kept >= 0.06 -> 0.06
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # capped at 1
    assert holm([]) == []


def test_the_not_enough_data_rule() -> None:
    assert enough_data(30, 100, 15, 100)
    assert not enough_data(10, 29, 15, 100)  # 29 trials < 30
    assert not enough_data(15, 100, 10, 29)  # the rest too
    # 30 and 100 trials, but pooled p = 3 / 130: expected successes 30 x 3/130 = 0.69 < 5
    assert not enough_data(1, 30, 2, 100)
    # expected failures: pooled p = 127 / 130, 30 x 3/130 = 0.69 < 5 failures
    assert not enough_data(29, 30, 98, 100)


# --- segments against the rest -------------------------------------------------------------------

def seg(won: int, closed: int, leads: int | None = None, paid: int | None = None
        ) -> SegmentReport:
    kpis = {"win_rate": rate(won, closed)}
    if leads is not None:
        kpis["lead_to_payment_conversion"] = rate(paid, leads)
    return SegmentReport((), kpis, None)


def test_each_manager_against_the_rest_pooled_with_holm() -> None:
    # Anna 60/100 against Boris + Vera 60/200 = 0.30: pooled 120/300 = 0.4,
    #   se = sqrt(0.4 x 0.6 x (1/100 + 1/200)) = 0.06, z = 0.30 / 0.06 = 5.0, p = 5.7e-7
    # Boris 30/100 against 90/200 = 0.45: se 0.06, z = -2.5, p = 0.012419
    # Vera 30/100: the same as Boris, p = 0.012419
    # Holm (m = 3): 5.7e-7 x 3; 0.012419 x 2 = 0.024838 for both: all below 0.05
    managers = {"Anna": seg(60, 100), "Boris": seg(30, 100), "Vera": seg(30, 100)}
    out = {v.segment: v for v in segment_verdicts({"manager": managers})}
    anna, boris = out["Anna"], out["Boris"]
    assert (anna.n, anna.rest_successes, anna.rest_n) == (100, 60, 200)
    assert anna.rest_value == pytest.approx(0.30)
    assert anna.z == pytest.approx(5.0)
    assert anna.p_value == pytest.approx(math.erfc(5 / math.sqrt(2)))
    assert anna.p_adjusted == pytest.approx(3 * math.erfc(5 / math.sqrt(2)))
    assert anna.verdict == "better"
    assert boris.z == pytest.approx(-2.5)
    assert boris.p_value == pytest.approx(0.012419, abs=1e-6)
    assert boris.p_adjusted == pytest.approx(0.024838, abs=2e-6)
    assert boris.verdict == "worse" and out["Vera"].verdict == "worse"


def test_small_segment_is_not_enough_data_and_stays_in_the_rest() -> None:
    # Dima 10/20 < 30 trials: not enough data. Anna's rest is Boris + Dima = 40/120.
    managers = {"Anna": seg(60, 100), "Boris": seg(30, 100), "Dima": seg(10, 20)}
    out = {v.segment: v for v in segment_verdicts({"manager": managers})}
    dima = out["Dima"]
    assert dima.verdict == "not enough data" and dima.p_value is None and dima.z is None
    assert (out["Anna"].rest_successes, out["Anna"].rest_n) == (40, 120)
    # Holm over the two tested only. Pooled 100 / 220 both times, se = sqrt(0.4545 x 0.5455 x
    # (1/100 + 1/120)) = 0.067420. Anna: z = (0.6 - 40/120) / 0.067420 = 3.9553, p = 7.64e-5.
    # Boris (30/100 against 70/120): z = -0.28333 / 0.067420 = -4.2025, p = 2.64e-5.
    # Holm: Boris first, 2 x 2.64e-5 = 5.28e-5; Anna second, 1 x 7.64e-5, no smaller: 7.64e-5.
    anna, boris = out["Anna"], out["Boris"]
    assert anna.z == pytest.approx(3.9553, abs=1e-4)
    assert boris.z == pytest.approx(-4.2025, abs=1e-4)
    assert anna.p_value == pytest.approx(7.64e-5, rel=1e-2)
    assert boris.p_adjusted == pytest.approx(2 * boris.p_value)
    assert anna.p_adjusted == pytest.approx(anna.p_value)


def test_no_difference_found_when_the_rates_are_close() -> None:
    # 33/100 against 30/100 (and the other way): z = 0.03 / sqrt(0.315 x 0.685 x 0.02)
    #   = 0.03 / 0.065696 = 0.4566, p = 0.648
    out = segment_verdicts({"channel": {"SEO": seg(33, 100), "Ads": seg(30, 100)}})
    assert [v.verdict for v in out] == ["no difference found"] * 2
    assert out[0].p_value == pytest.approx(0.648, abs=1e-3)


def test_one_segment_is_not_compared_and_rates_over_100_percent_are_left_out() -> None:
    assert segment_verdicts({"manager": {"Anna": seg(60, 100)}}) == ()
    # leads -> paid of 40 -> 50: different cohorts, no proportion; only win rate is compared
    out = segment_verdicts({"manager": {"Anna": seg(60, 100, 40, 50),
                                        "Boris": seg(30, 100, 100, 10)}})
    assert {v.rate for v in out} == {"win_rate"}


def test_lead_to_payment_conversion_is_compared_too() -> None:
    out = segment_verdicts({"channel": {"SEO": seg(1, 2, 100, 30), "Ads": seg(1, 2, 100, 15)}})
    seo = next(v for v in out if v.segment == "SEO" and v.rate == "lead_to_payment_conversion")
    assert seo.z == pytest.approx(2.5400, abs=1e-4) and seo.verdict == "better"
    assert [v.verdict for v in out if v.rate == "win_rate"] == ["not enough data"] * 2


# --- control limits ------------------------------------------------------------------------------

def row(key: str, count: float | None) -> StageRow:
    v = Value(count)
    return StageRow(key, key.capitalize(), key, "sales", v, NA, NA, NA, NA, NA)


def month(period: str, meetings: float, proposals: float, leads: float = 1000) -> PeriodReport:
    rows = (row("leads", leads), row("meetings", meetings), row("proposals", proposals))
    return PeriodReport(period, False, False, rows, {}, {}, {}, None)


# 12 months of meetings -> proposals: 80 -> 40 and 120 -> 60 in turn: centre 600 / 1200 = 0.5;
# leads -> meetings: 1000 -> 80 and 1000 -> 120: centre 1200 / 12000 = 0.1.
HISTORY = tuple(month(f"2024-{m:02d}", 80, 40) if m % 2 else month(f"2024-{m:02d}", 120, 60)
                for m in range(1, 13))


def test_p_chart_limits_by_hand_and_a_month_below_them() -> None:
    # December 2025 (latest): 100 meetings, 34 proposals. Limits 0.5 +- 3 sqrt(0.25 / 100)
    #   = 0.5 +- 0.15 = 35 % .. 65 %: 34 % is below.
    # leads -> meetings: 100 / 1000 = 0.1, limits 0.1 +- 3 sqrt(0.09 / 1000) = 0.1 +- 0.02846
    out = control_limits(month("2025-01", 100, 34), HISTORY)
    lm, mp = out
    assert (mp.from_key, mp.to_key, mp.period, mp.months) == ("meetings", "proposals",
                                                              "2025-01", 12)
    assert (mp.centre, mp.n, mp.value) == (pytest.approx(0.5), 100, pytest.approx(0.34))
    assert (mp.low, mp.high) == (pytest.approx(0.35), pytest.approx(0.65))
    assert mp.outside == "below"
    assert lm.centre == pytest.approx(0.1)
    assert lm.low == pytest.approx(0.1 - 3 * math.sqrt(0.09 / 1000))
    assert lm.outside is None


def test_p_chart_inside_and_above() -> None:
    assert control_limits(month("2025-01", 100, 36), HISTORY)[1].outside is None
    assert control_limits(month("2025-01", 100, 66), HISTORY)[1].outside == "above"


def test_p_chart_uses_the_last_12_months_and_needs_6() -> None:
    # 2023's months at 10 % would pull the centre down if they counted
    older = tuple(month(f"2023-{m:02d}", 100, 10) for m in range(1, 13))
    assert control_limits(month("2025-01", 100, 34), older + HISTORY)[1].centre == 0.5
    assert control_limits(month("2025-01", 100, 34), HISTORY[:5]) == ()
    assert len(control_limits(month("2025-01", 100, 34), HISTORY[:6])) == 2


def test_p_chart_skips_steps_that_are_no_conversion() -> None:
    # proposals > meetings in the latest month: no limits for that step
    assert [c.to_key for c in control_limits(month("2025-01", 100, 130), HISTORY)] == [
        "meetings"]
    assert control_limits(None, HISTORY) == ()


# --- findings ------------------------------------------------------------------------------------

LABELS = {"leads": ("Leads", "Лиды"), "meetings": ("Meetings", "Встречи"),
          "proposals": ("Proposals", "КП")}


def inputs(latest: PeriodReport, v: Verdicts) -> FindingInputs:
    return FindingInputs(LABELS, Month(date(2025, 1, 1), latest), None, False,
                         history=HISTORY, verdicts=v)


def test_a_step_outside_its_limits_is_a_finding_in_both_languages() -> None:
    latest = month("2025-01", 100, 34)
    v = Verdicts((), control_limits(latest, HISTORY))
    en, ru = findings(inputs(latest, v), "en"), findings(inputs(latest, v), "ru")
    assert ("Meetings → Proposals: 34.0% in January 2025 is below its usual range "
            "35.0–65.0% (p-chart, 12 months).") in en
    assert (f"Встречи → КП: 34,0{NBSP}% в январе 2025 — ниже обычного диапазона "
            f"35,0–65,0{NBSP}% (p-карта, 12 мес.).") in ru


def test_a_step_inside_its_limits_is_no_finding() -> None:
    latest = month("2025-01", 100, 36)
    v = Verdicts((), control_limits(latest, HISTORY))
    assert not any("p-chart" in f for f in findings(inputs(latest, v), "en"))
    assert findings(inputs(latest, v), "en") == findings(inputs(latest, NO_VERDICTS), "en")


def test_better_and_worse_segments_are_findings_the_rest_are_not() -> None:
    managers = {"Anna": seg(60, 100), "Boris": seg(30, 100), "Vera": seg(30, 100),
                "Dima": seg(10, 20)}
    v = Verdicts(segment_verdicts({"manager": managers}), ())
    latest = month("2025-01", 100, 50)
    en, ru = findings(inputs(latest, v), "en"), findings(inputs(latest, v), "ru")
    assert ("Manager Anna: win rate 60.0% (60 of 100) is above the rest's 31.8% (70 of 220); "
            "two-proportion z-test, p < 0.001 after Holm's correction.") in en
    assert not any("Dima" in f for f in en)  # not enough data: no sentence
    boris = next(f for f in ru if "Boris" in f)
    assert boris.startswith(f"Менеджер Boris: доля выигранных 30,0{NBSP}% (30 из 100) ниже, "
                            f"чем у остальных, — ")


# --- the report ----------------------------------------------------------------------------------

def test_report_carries_verdicts_and_round_trips() -> None:
    def r(period: str, who: str, leads: int, paid: int, n: int) -> SummaryRow:
        return SummaryRow(date.fromisoformat(period + "-01"), {"leads": leads, "paid": paid},
                          {}, n, who)

    rows = []
    for m in range(1, 14):  # 13 months of two managers; Ivan converts 30 %, Olga 15 %
        p = f"{2024 + (m - 1) // 12}-{(m - 1) % 12 + 1:02d}"
        rows += [r(p, "Ivan", 100, 30, 2 * m), r(p, "Olga", 100, 15, 2 * m + 1)]
    summary = SummaryTable("Funnel", ("leads", "paid"), tuple(rows), segment_field="manager")
    report = build_report(funnel=DEFAULT_FUNNEL, summary=summary, deals=None,
                          today=date(2025, 2, 10))
    ivan = next(v for v in report.verdicts.segments if v.segment == "Ivan")
    # 390 / 1300 against 195 / 1300: z = 0.15 / sqrt(0.225 x 0.775 x 2 / 1300) = 9.158
    assert (ivan.successes, ivan.n, ivan.rest_successes) == (390, 1300, 195)
    assert ivan.z == pytest.approx(0.15 / math.sqrt(0.225 * 0.775 * 2 / 1300))
    assert ivan.verdict == "better"
    # leads -> paid of January 2025: 45 / 200 = the centre of the 12 months before: inside
    (step,) = report.verdicts.control_limits
    assert (step.period, step.centre, step.value, step.outside) == (
        "2025-01", pytest.approx(0.225), pytest.approx(0.225), None)
    assert any(f.startswith("Manager Ivan: lead-to-payment conversion 30.0%")
               for f in report.findings)
    d = json.loads(json.dumps(report.to_dict()))
    assert d["verdicts"]["segments"][0]["verdict"] in ("better", "worse")
    again = FunnelReport.from_dict(d)
    assert again.verdicts == report.verdicts
    assert again.to_dict() == report.to_dict()


def test_old_reports_without_verdicts_still_load() -> None:
    assert Verdicts.from_dict(None) == NO_VERDICTS
    v = SegmentVerdict("manager", "A", "win_rate", 1, 2, 3, 4, None, None, None,
                       "not enough data")
    c = StepControl("a", "b", "2025-01", 0.3, 10, 0.4, 0.1, 0.7, 12, None)
    assert Verdicts.from_dict(Verdicts((v,), (c,)).to_dict()) == Verdicts((v,), (c,))


def test_two_segments_are_one_comparison_told_once() -> None:
    # A 15/100 against B 30/100: z = -2.54, p = 0.011085, no Holm (each is the other's rest)
    out = segment_verdicts({"manager": {"A": seg(15, 100), "B": seg(30, 100)}})
    a, b = out
    assert a.p_adjusted == a.p_value == pytest.approx(0.011085, abs=1e-6)
    assert (a.verdict, b.verdict) == ("worse", "better")
    assert Verdicts(out).findings() == (b,)


@given(st.lists(st.floats(0, 1), max_size=12))
def test_holm_is_no_smaller_than_the_p_value_and_keeps_the_order(ps: list[float]) -> None:
    adjusted = holm(ps)
    assert all(p <= a <= 1 for p, a in zip(ps, adjusted, strict=True))
    for i, j in itertools.combinations(range(len(ps)), 2):
        if ps[i] < ps[j]:
            assert adjusted[i] <= adjusted[j]


def test_holm_agrees_with_statsmodels() -> None:
    mt = pytest.importorskip("statsmodels.stats.multitest")
    ps = [0.001, 0.2, 0.04, 0.03, 0.5, 0.012]
    assert holm(ps) == pytest.approx(list(mt.multipletests(ps, method="holm")[1]))
