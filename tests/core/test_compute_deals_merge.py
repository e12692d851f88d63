"""Reports from a deal analysis alone and merged with a summary tab.

The DealAnalysis objects are built by hand (funnel_kpi.deals.analysis has its own tests), so every
expected number below follows from the figures written here.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest

from funnel_kpi.deals.types import DealAnalysis, DealStats, StageTime
from funnel_kpi.inputs import Deal, DealLog, SummaryRow, SummaryTable
from funnel_kpi.model import DEFAULT_FUNNEL
from funnel_kpi.report.build import build_report, purchases_per_month, report_from
from funnel_kpi.report.funnel_report import FunnelReport
from funnel_kpi.values import Value, rate

KEYS = ("leads", "meetings", "proposals", "paid")


def stats(counts: tuple[int, int, int, int], won: int, lost: int, open_: int, revenue: float,
          *, pending: bool = False, cycle: float = 30.0) -> DealStats:
    average = revenue / won if won else None
    return DealStats(
        counts=dict(zip(KEYS, counts, strict=True)), won=won, lost=lost, open=open_,
        kpis={
            "win_rate": rate(won, won + lost),
            "lost_deals": Value(float(lost)),
            "sales_cycle_days": Value(cycle, n=won),
            "first_response_days": Value(1.0, n=won + lost + open_),
            "proposal_prep_days": Value(5.0, n=counts[2]),
            "contract_prep_days": Value(None, "missing_input"),
            "revenue": Value(revenue),
            "average_deal": Value(average) if average else Value(None, "no_won_deals"),
            "forecast_revenue": Value(1000.0 * open_),
            "pipeline_velocity": Value(10.0 * open_),
            "ltv_historical": Value(average) if average else Value(None, "no_won_deals"),
        },
        stage_times=(StageTime("leads", "meetings", Value(2.0, n=counts[1]),
                               Value(1.5, n=counts[1])),
                     StageTime("meetings", "proposals", Value(4.0, n=counts[2]),
                               Value(3.0, n=counts[2]))),
        lost_by_stage={"leads": lost},
        lost_by_reason={"price": lost},
        pending=pending,
        money={"revenue": revenue},
    )


# January: 10 leads -> 6 meetings -> 4 proposals -> 3 paid; 3 won, 5 lost, 2 open; 27000.
# February (young, pending): 8 -> 4 -> 2 -> 1; 1 won, 2 lost, 5 open; 8000.
JAN = stats((10, 6, 4, 3), 3, 5, 2, 27_000)
FEB = stats((8, 4, 2, 1), 1, 2, 5, 8_000, pending=True)
DEC = stats((5, 2, 1, 0), 0, 3, 2, 0)  # December 2023: no summary row for it
ALL = stats((23, 12, 7, 4), 4, 10, 9, 35_000)
ANALYSIS = DealAnalysis(
    overall=ALL,
    by_month={date(2023, 12, 1): DEC, date(2024, 1, 1): JAN, date(2024, 2, 1): FEB},
    by_channel={"Ads": stats((15, 8, 5, 3), 3, 6, 6, 27_000),
                "SEO": stats((8, 4, 2, 1), 1, 4, 3, 8_000)},
    by_manager={"Anna": stats((23, 12, 7, 4), 4, 10, 9, 35_000)},
    median_cycle_days=30.0,
    implied_passages=5,
)
LOG = DealLog.from_deals("Сделки", KEYS, (), ())


@pytest.fixture(scope="module")
def deals_only() -> FunnelReport:
    return report_from(funnel=DEFAULT_FUNNEL, summary=None, deals=LOG, analysis=ANALYSIS,
                       today=date(2024, 2, 20))


def test_periods_are_the_cohorts(deals_only: FunnelReport) -> None:
    assert [p.period for p in deals_only.periods] == ["2023-12", "2024-01", "2024-02"]
    jan = deals_only.period("2024-01")
    assert [s.count.value for s in jan.stages] == [10, 6, 4, 3]
    assert jan.stage("meetings").step_conversion.value == pytest.approx(0.6)  # 6 / 10
    assert jan.kpis["lead_to_payment_conversion"].value == pytest.approx(0.3)  # 3 / 10
    assert jan.kpis["win_rate"].value == pytest.approx(3 / 8)  # 3 / (3 + 5)
    assert jan.kpis["win_rate"].n == 8
    assert jan.kpis["revenue"].value == 27_000
    assert jan.kpis["average_deal"].value == 9000
    assert jan.kpis["forecast_revenue"].reason == "not_in_progress"  # see the test below
    assert jan.kpis["cpl"].reason == "missing_input"  # no spend in a deal log
    assert jan.stage("leads").avg_days_in_stage == Value(2.0, n=6)
    last = jan.stage("paid").avg_days_in_stage
    assert last is not None and last.value is None  # last stage: no next one


def test_pipeline_kpis_only_for_the_month_in_progress_and_the_total(
        deals_only: FunnelReport) -> None:
    """Forecast and velocity are of the open pipeline now: a past month has none (not 0)."""
    for name in ("2023-12", "2024-01"):
        past = deals_only.period(name)
        for kpi in ("forecast_revenue", "pipeline_velocity"):
            assert past.kpis[kpi].value is None and past.kpis[kpi].reason == "not_in_progress"
    feb = deals_only.period("2024-02")  # in progress (today is 2024-02-20)
    assert feb.kpis["forecast_revenue"].value == 5000 and feb.kpis["pipeline_velocity"].value == 50
    assert deals_only.total.kpis["forecast_revenue"].value == 9000
    d = deals_only.to_dict()
    assert d["periods"][1]["kpis"]["forecast_revenue"] is None


def test_pending_cohort_is_flagged_and_not_described(deals_only: FunnelReport) -> None:
    feb = deals_only.period("2024-02")
    assert feb.pending and feb.in_progress
    # conversions stay computed
    assert feb.stage("paid").cumulative_conversion.value == pytest.approx(1 / 8)
    assert feb.kpis["run_rate_projection"].reason == "pending"
    assert deals_only.shown_period() is deals_only.period("2024-01")
    assert deals_only.findings[0].startswith("January 2024:")
    assert not any("February" in s and "loses" in s for s in deals_only.findings)
    assert any("cohorts of February 2024 are younger than the median sales cycle (30 days)" in n
               for n in deals_only.notes)


def test_deal_log_section_and_notes(deals_only: FunnelReport) -> None:
    section = deals_only.deal_log
    assert section is not None
    assert section.implied_passages == 5 and section.median_cycle_days == 30.0
    assert dict(section.lost_by_reason) == {"price": 10}
    d = deals_only.to_dict()["deal_log"]
    assert d["stage_times"][0] == {"stage": "leads", "next_stage": "meetings", "mean_days": 2.0,
                                   "median_days": 1.5, "n": 12}
    assert any(n.startswith("5 stage passages were counted") for n in deals_only.notes)
    assert any(n.startswith("5 прохождений стадий") for n in deals_only.notes_ru)
    assert deals_only.sources == {"summary": None, "deal_log": "Сделки"}


def test_deal_segments(deals_only: FunnelReport) -> None:
    ads = deals_only.segments["channel"]["Ads"]
    assert ads.kpis["win_rate"].value == pytest.approx(3 / 9)
    assert ads.stages[-1].count.value == 3
    assert list(deals_only.segments["manager"]) == ["Anna"]
    assert deals_only.total.kpis["ltv_historical"].value == pytest.approx(8750)  # 35000 / 4


# --- merged with a summary tab --------------------------------------------------------------------

def summary() -> SummaryTable:
    #                 period            leads meet prop paid        spend    revenue
    rows = (SummaryRow(date(2024, 1, 1), dict(zip(KEYS, (100, 50, 20, 10), strict=True)),
                       {"spend": 40_000.0, "revenue": 90_000.0}, 2),
            SummaryRow(date(2024, 2, 1), dict(zip(KEYS, (120, 60, 30, 12), strict=True)),
                       {"spend": 48_000.0, "revenue": 96_000.0}, 3),
            SummaryRow(date(2024, 3, 1), dict(zip(KEYS, (110, 50, 25, 11), strict=True)),
                       {"spend": 44_000.0, "revenue": 88_000.0}, 4))
    return SummaryTable("Сводка", KEYS, rows)


@pytest.fixture(scope="module")
def merged() -> FunnelReport:
    return report_from(funnel=DEFAULT_FUNNEL, summary=summary(), deals=LOG, analysis=ANALYSIS,
                       today=date(2024, 4, 20))


def test_summary_counts_win_and_deal_kpis_join(merged: FunnelReport) -> None:
    jan = merged.period("2024-01")
    assert [s.count.value for s in jan.stages] == [100, 50, 20, 10]  # the summary's
    assert jan.kpis["revenue"].value == 90_000  # the summary's, not the cohort's 27000
    assert jan.kpis["average_deal"].value == 9000  # 90000 / 10
    assert jan.kpis["cac"].value == 4000  # 40000 / 10
    assert jan.kpis["win_rate"].value == pytest.approx(3 / 8)  # the cohort's
    assert jan.kpis["sales_cycle_days"].value == 30.0
    assert jan.stage("leads").avg_days_in_stage == Value(2.0, n=6)
    # a summary month without a cohort: deal-log KPIs undefined, not zero
    assert merged.period("2024-03").kpis["win_rate"].reason == "no_deals"
    # summary periods are never pending: their counts are not cohorts
    assert not merged.period("2024-02").pending


def test_merged_total_uses_historical_ltv(merged: FunnelReport) -> None:
    t = merged.total
    # CAC = (40000 + 48000 + 44000) / (10 + 12 + 11) = 4000; the LTV headline is the deal
    # log's historical LTV 8750 (no churn: no simple LTV), and LTV:CAC uses it: 8750 / 4000
    assert t.kpis["cac"].value == pytest.approx(4000)
    assert t.kpis["ltv"].value == t.kpis["ltv_historical"].value == pytest.approx(8750)
    assert t.kpis["ltv_simple"].value is None
    assert t.kpis["ltv_cac"].value == pytest.approx(8750 / 4000)
    assert any("LTV is the historical" in n for n in merged.notes)
    assert t.kpis["win_rate"].value == pytest.approx(4 / 14)


def test_merged_segments_and_notes(merged: FunnelReport) -> None:
    assert set(merged.segments["channel"]) == {"Ads", "SEO"}
    assert any("come from the summary tab 'Сводка'" in n and "'Сделки'" in n
               for n in merged.notes)
    assert any("cohorts of months the summary tab lacks (December 2023)" in n
               for n in merged.notes)


def test_merged_report_round_trips(merged: FunnelReport) -> None:
    d = merged.to_dict()
    again = FunnelReport.from_dict(json.loads(json.dumps(d, allow_nan=False)))
    assert again.to_dict() == d


def test_purchases_per_month_from_customer_ids() -> None:
    with_ids = DealLog.from_deals("d", KEYS,
                                  (Deal("1", date(2024, 1, 5), "won", customer_id="c1"),))
    # 15000 per customer / 10000 per deal = 1.5 deals per customer, over Jan..Feb: 0.75 a month
    overall = dataclasses.replace(ALL, kpis={"ltv_historical": Value(15_000.0),
                                             "average_deal": Value(10_000.0)})
    analysis = dataclasses.replace(ANALYSIS, overall=overall,
                                   by_month={date(2024, 1, 1): JAN, date(2024, 2, 1): FEB})
    assert purchases_per_month(with_ids, analysis) == pytest.approx(0.75)
    no_ids = DealLog.from_deals("d", KEYS, (Deal("1", date(2024, 1, 5), "won"),))
    assert purchases_per_month(no_ids, analysis) is None
    assert purchases_per_month(None, None) is None
    # with a summary that has churn, the simple LTV uses it: 9000 x 0.75 x (1 / 0.05) x 1
    rows = (SummaryRow(date(2024, 1, 1), dict(zip(KEYS, (100, 50, 20, 10), strict=True)),
                       {"revenue": 90_000.0, "customers": 200.0, "churned": 10.0}, 2),)
    r = report_from(funnel=DEFAULT_FUNNEL, summary=SummaryTable("s", KEYS, rows),
                    deals=with_ids, analysis=analysis, today=date(2024, 6, 1))
    # the headline is the contractual LTV (ARPU 90000/200 x 1 / 0.05 = 9000); the simple one,
    # from the log's purchase frequency: 9000 x 0.75 x (1 / 0.05) x 1
    assert r.periods[0].kpis["ltv_simple"].value == pytest.approx(9000 * 0.75 * 20)
    assert r.periods[0].kpis["ltv"].value == pytest.approx(9000)


def test_build_report_runs_the_real_deal_analysis() -> None:
    pytest.importorskip("funnel_kpi.deals.analysis")
    d = [Deal(str(i), date(2024, 1, 1 + i), "won" if i % 3 == 0 else "lost" if i % 3 else "open",
              {"meetings": date(2024, 1, 2 + i)}, channel="Ads" if i % 2 else "SEO",
              amount=1000.0, paid_amount=1000.0 if i % 3 == 0 else None,
              paid_date=date(2024, 1, 20 + i) if i % 3 == 0 else None, customer_id=f"c{i % 4}")
         for i in range(9)]
    log = DealLog.from_deals("Сделки", ("leads", "meetings", "paid"), tuple(d))
    r = build_report(funnel=DEFAULT_FUNNEL, summary=None, deals=log, today=date(2024, 6, 1))
    jan = r.period("2024-01")
    assert jan.stage("leads").count.value == 9
    assert jan.kpis["win_rate"].value == pytest.approx(3 / 9)  # i = 0, 3, 6 won; 6 lost
    d2 = r.to_dict()
    assert FunnelReport.from_dict(json.loads(json.dumps(d2, allow_nan=False))).to_dict() == d2


def test_summary_segment_meets_deal_segment_of_the_same_name() -> None:
    rows = tuple(SummaryRow(date(2024, 1, 1), dict(zip(KEYS, c, strict=True)),
                            {"spend": spend}, i + 2, seg)
                 for i, (seg, c, spend) in enumerate((("Ads", (60, 30, 12, 6), 30_000.0),
                                                      ("Email", (40, 20, 8, 4), 2_000.0))))
    table = SummaryTable("Сводка", KEYS, rows, segment_field="channel")
    r = report_from(funnel=DEFAULT_FUNNEL, summary=table, deals=LOG, analysis=ANALYSIS,
                    today=date(2024, 6, 1))
    channels = r.segments["channel"]
    assert list(channels) == ["Ads", "Email", "SEO"]  # the summary's, then the log's others
    ads = channels["Ads"]
    assert ads.stages[0].count.value == 60  # the summary's count, not the log's 15
    assert ads.kpis["cac"].value == pytest.approx(5000)  # 30000 / 6
    assert ads.kpis["win_rate"].value == pytest.approx(3 / 9)  # the log's Ads
    assert channels["Email"].kpis["win_rate"].reason == "no_deals"
    assert channels["SEO"].stages[0].count.value == 8  # only in the log: its counts
    assert channels["SEO"].kpis["cac"].reason == "missing_input"
