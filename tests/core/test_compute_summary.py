"""build_report over summary tabs, against numbers worked out by hand in the comments."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from funnel_kpi.inputs import Problem, SummaryRow, SummaryTable
from funnel_kpi.model import DEFAULT_FUNNEL, Funnel, Stage
from funnel_kpi.parse.pins import LtvAssumptions
from funnel_kpi.report.build import build_report
from funnel_kpi.report.funnel_report import FunnelReport
from funnel_kpi.report.textfmt import NBSP
from funnel_kpi.values import Value

STAGES = ("leads", "qualified", "sal", "paid")
MONEY = ("spend", "sales_cost", "revenue", "plan")

# A Russian team's 24 months: 2023 has leads 200+10m, briefs 60+3m, SAL 40+m, 10 paid,
# spend 20000+1000m, sales cost 5000, revenue 1000m, plan 1100m; 2024 has leads 260+10m,
# briefs 80+4m, SAL 50+2m, 16 paid, spend 26000+1000m, sales cost 6000, revenue 2000m,
# plan 1900m (m = month number).
#   period     leads   брифы   SAL  оплаты бюджет  продажи выручка  план
TWO_YEARS = (
    ("2023-01",    210,     63,     41,     10,  21000,   5000,   1000,   1100),
    ("2023-02",    220,     66,     42,     10,  22000,   5000,   2000,   2200),
    ("2023-03",    230,     69,     43,     10,  23000,   5000,   3000,   3300),
    ("2023-04",    240,     72,     44,     10,  24000,   5000,   4000,   4400),
    ("2023-05",    250,     75,     45,     10,  25000,   5000,   5000,   5500),
    ("2023-06",    260,     78,     46,     10,  26000,   5000,   6000,   6600),
    ("2023-07",    270,     81,     47,     10,  27000,   5000,   7000,   7700),
    ("2023-08",    280,     84,     48,     10,  28000,   5000,   8000,   8800),
    ("2023-09",    290,     87,     49,     10,  29000,   5000,   9000,   9900),
    ("2023-10",    300,     90,     50,     10,  30000,   5000,  10000,  11000),
    ("2023-11",    310,     93,     51,     10,  31000,   5000,  11000,  12100),
    ("2023-12",    320,     96,     52,     10,  32000,   5000,  12000,  13200),
    ("2024-01",    270,     84,     52,     16,  27000,   6000,   2000,   1900),
    ("2024-02",    280,     88,     54,     16,  28000,   6000,   4000,   3800),
    ("2024-03",    290,     92,     56,     16,  29000,   6000,   6000,   5700),
    ("2024-04",    300,     96,     58,     16,  30000,   6000,   8000,   7600),
    ("2024-05",    310,    100,     60,     16,  31000,   6000,  10000,   9500),
    ("2024-06",    320,    104,     62,     16,  32000,   6000,  12000,  11400),
    ("2024-07",    330,    108,     64,     16,  33000,   6000,  14000,  13300),
    ("2024-08",    340,    112,     66,     16,  34000,   6000,  16000,  15200),
    ("2024-09",    350,    116,     68,     16,  35000,   6000,  18000,  17100),
    ("2024-10",    360,    120,     70,     16,  36000,   6000,  20000,  19000),
    ("2024-11",    370,    124,     72,     16,  37000,   6000,  22000,  20900),
    ("2024-12",    380,    128,     74,     16,  38000,   6000,  24000,  22800),
)


def month(text: str) -> date:
    return date.fromisoformat(text + "-01")


def table(rows: tuple[tuple[Any, ...], ...], stages: tuple[str, ...] = STAGES,
          money: tuple[str, ...] = MONEY, tab: str = "Воронка") -> SummaryTable:
    out = []
    for i, (period, *values) in enumerate(rows, start=2):
        counts = {k: float(v) for k, v in zip(stages, values, strict=False) if v is not None}
        cash = {k: float(v) for k, v in zip(money, values[len(stages):], strict=False)
                if v is not None}
        out.append(SummaryRow(month(str(period)), counts, cash, i))
    return SummaryTable(tab, stages, tuple(out))


@pytest.fixture(scope="module")
def two_years() -> FunnelReport:
    return build_report(funnel=DEFAULT_FUNNEL, summary=table(TWO_YEARS), deals=None,
                        today=date(2025, 1, 15))


def test_funnel_of_100_meetings_30_briefs_20_accepted() -> None:
    funnel = Funnel((Stage("meetings1", "First meetings", "Первые встречи", "marketing"),
                     Stage("briefs", "Briefs", "Брифы", "marketing"),
                     Stage("accepted", "Accepted by sales", "Приняты продажами", "sales")))
    summary = table((("2024-01", 100, 30, 20),), stages=funnel.keys)
    r = build_report(funnel=funnel, summary=summary, deals=None, today=date(2024, 3, 1))
    p = r.periods[0]
    assert p.kpis["marketing_conversion"].value == pytest.approx(0.30)  # 30 / 100
    assert p.kpis["handoff_acceptance"].value == pytest.approx(20 / 30)  # 66.7%
    assert p.kpis["handoff_acceptance"].n == 30
    assert p.kpis["sales_conversion"].value == 1.0  # 20 / 20: one sales stage
    assert p.kpis["overall_conversion"].value == pytest.approx(0.2)  # 20 / 100
    # lost: 70 at briefs (marketing), 10 at acceptance (sales): 87.5% / 12.5%
    assert p.kpis["marketing_loss_share"].value == pytest.approx(0.875)
    assert p.kpis["sales_loss_share"].value == pytest.approx(0.125)
    rows = {s.key: s for s in p.stages}
    assert rows["briefs"].step_conversion.value == pytest.approx(0.3)
    assert rows["accepted"].step_conversion.value == pytest.approx(2 / 3)
    assert rows["accepted"].cumulative_conversion.value == pytest.approx(0.2)
    assert rows["accepted"].drop_off.value == 10
    assert rows["meetings1"].step_conversion.value is None  # no step into the first stage
    # the bottleneck is the lowest step: 30% at briefs; the largest loss is the same step
    b = p.bottleneck
    assert b is not None and b.lowest_conversion is not None and b.largest_loss is not None
    assert (b.lowest_conversion.from_key, b.lowest_conversion.to_key) == ("meetings1", "briefs")
    assert b.lowest_conversion.owner == "marketing"
    assert b.largest_loss.value.value == 70
    assert "30.0% (30 of 100)" in r.findings[0]
    assert "30,0 % (30 из 100)".replace(" ", NBSP, 1) in r.findings_ru[0]
    assert "Marketing loses 88% of lost leads, sales 12%." in r.findings  # 87.5 -> 88, 12.5 -> 12


def test_two_years_march_2024(two_years: FunnelReport) -> None:
    p = two_years.period("2024-03")
    k = p.kpis
    assert k["cpl"].value == pytest.approx(100)  # 29000 / 290
    assert k["cac"].value == pytest.approx(2187.5)  # (29000 + 6000) / 16
    assert k["new_customers"].value == 16
    assert k["average_deal"].value == pytest.approx(375)  # 6000 / 16
    assert k["plan_fact"].value == pytest.approx(6000 / 5700)  # 105.3%
    assert k["handoff_acceptance"].value == pytest.approx(56 / 92)  # SAL / briefs
    assert k["marketing_conversion"].value == pytest.approx(92 / 290)  # briefs / leads
    assert k["sales_conversion"].value == pytest.approx(16 / 56)  # paid / SAL
    assert k["lead_to_payment_conversion"].value == pytest.approx(16 / 290)
    # lost: 290-92 = 198 (marketing), 92-56 = 36 and 56-16 = 40 (sales); 274 in all
    assert k["marketing_loss_share"].value == pytest.approx(198 / 274)
    assert k["sales_loss_share"].value == pytest.approx(76 / 274)
    # CPL 100 x (290 - 16) lost leads
    assert k["lost_leads_cost"].value == pytest.approx(27_400)
    # cost per unit: 29000 / 92 briefs
    assert p.stage("qualified").cost_per_stage_unit.value == pytest.approx(29000 / 92)


def test_two_years_mom_and_yoy(two_years: FunnelReport) -> None:
    p = two_years.period("2024-03")
    # revenue: Feb 4000 -> Mar 6000: +2000, +50%; Mar 2023 3000 -> +3000, +100%
    assert p.mom["revenue"].abs.value == pytest.approx(2000)
    assert p.mom["revenue"].rel.value == pytest.approx(0.5)
    assert p.yoy["revenue"].abs.value == pytest.approx(3000)
    assert p.yoy["revenue"].rel.value == pytest.approx(1.0)
    assert p.kpis["revenue_growth"].value == pytest.approx(0.5)
    # average deal: Feb 4000/16 = 250 -> 375: +50%
    assert p.kpis["average_deal_growth"].value == pytest.approx(0.5)
    # CAC: Feb 34000/16 = 2125 -> 2187.5: +62.5 (+2.94%); Mar 2023 28000/10 = 2800: -21.875%
    assert p.mom["cac"].abs.value == pytest.approx(62.5)
    assert p.mom["cac"].rel.value == pytest.approx(62.5 / 2125)
    assert p.yoy["cac"].rel.value == pytest.approx(-612.5 / 2800)
    # stage counts: leads Feb 280, Mar 2023 230 -> +10 (3.6%), +60 (26.1%)
    leads = p.stage("leads")
    assert leads.count_mom is not None and leads.count_yoy is not None
    assert leads.count_mom.abs.value == 10
    assert leads.count_mom.rel.value == pytest.approx(10 / 280)
    assert leads.count_yoy.abs.value == 60
    assert leads.count_yoy.rel.value == pytest.approx(60 / 230)
    assert p.mom["stage_count.leads"] == leads.count_mom  # also next to the KPIs' changes
    assert p.yoy["stage_count.paid"].rel.value == pytest.approx(0.6)  # 16 against 10


def test_first_months_have_no_earlier_period(two_years: FunnelReport) -> None:
    first = two_years.periods[0]
    assert first.mom["revenue"].abs == Value(None, "no_previous_period")
    assert first.yoy["revenue"].rel.reason == "no_year_before"
    assert first.kpis["revenue_growth"].reason == "no_previous_period"
    assert two_years.period("2023-12").yoy["revenue"].abs.reason == "no_year_before"
    assert two_years.period("2024-01").yoy["revenue"].rel.value == pytest.approx(1.0)


def test_two_years_bottleneck_moves(two_years: FunnelReport) -> None:
    b = two_years.period("2024-03").bottleneck
    assert b is not None and b.lowest_conversion is not None and b.largest_loss is not None
    # steps: 92/290 = .317, 56/92 = .609, 16/56 = .286 -> SAL -> paid (sales)
    low = b.lowest_conversion
    assert (low.from_key, low.to_key, low.owner) == ("sal", "paid", "sales")
    # Feb: 16/54 = .2963 -> change -0.0106
    assert low.change_vs_previous.value == pytest.approx(16 / 56 - 16 / 54)
    # largest loss: leads -> briefs, 198; Feb 280 - 88 = 192 -> +6
    loss = b.largest_loss
    assert (loss.from_key, loss.to_key, loss.owner) == ("leads", "qualified", "marketing")
    assert loss.value.value == 198 and loss.change_vs_previous.value == 6


def test_two_years_total_and_seasonal_index(two_years: FunnelReport) -> None:
    t = two_years.total
    assert t.period == "total"
    # spend 318000 + 390000, sales cost 60000 + 72000, paid 120 + 192
    assert t.kpis["cac"].value == pytest.approx(840_000 / 312)
    # revenue 78000 + 156000 = 234000 against plan 85800 + 148200 = 234000
    assert t.kpis["revenue"].value == pytest.approx(234_000)
    assert t.kpis["plan_fact"].value == pytest.approx(1.0)
    assert t.kpis["revenue_growth"].reason == "no_previous_period"
    assert t.kpis["seasonal_index"].reason == "not_a_month"
    # revenue 1000m and 2000m: month mean 1500m over the mean of means 1500 x 6.5 -> m / 6.5
    assert two_years.seasonal_index is not None
    for m in range(1, 13):
        assert two_years.seasonal_index[m] == pytest.approx(m / 6.5)
    assert two_years.period("2024-03").kpis["seasonal_index"].value == pytest.approx(3 / 6.5)


def test_two_years_findings(two_years: FunnelReport) -> None:
    # latest complete month: December 2024: 380, 128, 74, 16; SAL -> paid 16/74 = 21.6%,
    # November 16/72 = 22.2% -> -0.6 pp
    en = two_years.findings
    assert en[0] == ("December 2024: the bottleneck is Accepted by sales (SAL) → Paid: 21.6% "
                     "(16 of 74); sales loses 58 here; -0.6 pp against the previous month.")
    assert "The largest loss is at Leads → Qualified (MQL): 252 did not go on (marketing)." in en
    # lost 252 (marketing), 54 + 58 (sales) of 364 -> 69% / 31%
    assert "Marketing loses 69% of lost leads, sales 31%." in en
    # plan/fact 24000 / 22800 = 105.3%
    assert "Revenue reached 105.3% of plan (24,000 of 22,800)." in en
    # every KPI moved in December as it moves every month (a steady trend): no change is news
    # (funnel_kpi.report.noise), so there is no "biggest change" sentence
    assert not any(s.startswith("Biggest change against the previous month:") for s in en)
    ru = two_years.findings_ru
    assert ru[0].startswith("Декабрь 2024: узкое место — Принятые продажами (SAL) → Оплаты: "
                            f"21,6{NBSP}% (16 из 74)")
    assert f"Выручка — 105,3{NBSP}% плана (24{NBSP}000 из 22{NBSP}800)." in ru
    assert "Plan/fact compares revenue with the plan." in two_years.notes


def test_month_in_progress_and_run_rate() -> None:
    #        period    leads paid spend  revenue  plan
    rows = (("2024-01", 100, 10, 5000, 10_000, 10_000),
            ("2024-02", 100, 10, 5000, 10_000, 10_000),
            ("2024-03", 40, 4, 2000, 3100, 10_000))
    summary = table(rows, stages=("leads", "paid"), money=("spend", "revenue", "plan"))
    r = build_report(funnel=DEFAULT_FUNNEL, summary=summary, deals=None, today=date(2024, 3, 10))
    march = r.period("2024-03")
    assert march.in_progress and not march.complete
    # 3100 in 10 days of 31 -> 9610
    assert march.kpis["run_rate_projection"].value == pytest.approx(9610)
    assert r.period("2024-02").kpis["run_rate_projection"].reason == "not_in_progress"
    assert r.periods[-1] is march
    assert r.shown_period() is r.period("2024-02")
    assert r.findings[0].startswith("February 2024")
    assert "March 2024 is in progress: at the current pace it ends at 9,610 (96.1% of plan)." \
        in r.findings
    assert any(n.startswith("March 2024 is in progress (day 10 of 31)") for n in r.notes)


def test_paid_count_is_the_fact_without_revenue() -> None:
    rows = (("2024-01", 200, 18, 20),)
    r = build_report(funnel=DEFAULT_FUNNEL, deals=None, today=date(2024, 6, 1),
                     summary=table(rows, stages=("leads", "paid"), money=("plan",)))
    assert r.periods[0].kpis["plan_fact"].value == pytest.approx(0.9)  # 18 of 20 paid
    assert any("compares the number of paid deals" in n for n in r.notes)
    assert "Paid deals reached 90.0% of plan (18 of 20)." in r.findings


def test_ltv_churn_and_payback() -> None:
    # 200 customers at start, 10 churned (5%), revenue 50000 from 20 paid (average 2500),
    # margin 40%, spend 30000 + sales 10000 -> CAC 2000.
    rows = (("2024-01", 400, 20, 30_000, 10_000, 50_000, 0.4, 200, 10),)
    money = ("spend", "sales_cost", "revenue", "margin", "customers", "churned")
    r = build_report(funnel=DEFAULT_FUNNEL, deals=None, today=date(2024, 6, 1),
                     summary=table(rows, stages=("leads", "paid"), money=money))
    k = r.periods[0].kpis
    assert k["churn_rate"].value == pytest.approx(0.05)
    # one LTV: the contractual one (ARPU 50000/200 = 250) x 0.4 / 0.05 = 2000; the simple
    # formula is not computed: nobody said how often a customer buys (it used to assume once a
    # month and show 20,000 beside this 2,000)
    assert k["ltv"].value == k["ltv_contractual"].value == pytest.approx(2000)
    assert k["ltv_simple"].reason == "no_purchase_frequency"
    assert k["cac"].value == pytest.approx(2000)
    assert k["ltv_cac"].value == pytest.approx(1)  # 2000 / 2000: the same LTV
    assert k["payback_months"].value == pytest.approx(20)  # 2000 / (250 x 0.4)
    assert any("LTV is the contractual" in n for n in r.notes)
    assert not any("margin were 100%" in n for n in r.notes)
    # set in funnel.toml [ltv], the simple LTV shows: 2500 x 1 x 24 months x 0.4 = 24000, with
    # its assumption in the notes; the headline stays the contractual one
    r1 = build_report(funnel=DEFAULT_FUNNEL, deals=None, today=date(2024, 6, 1),
                      summary=table(rows, stages=("leads", "paid"), money=money),
                      ltv=LtvAssumptions(purchases_per_month=1.0, lifetime_months=24))
    assert r1.periods[0].kpis["ltv_simple"].value == pytest.approx(24_000)
    assert r1.periods[0].kpis["ltv"].value == pytest.approx(2000)
    # the margin as money (20000 of 50000 revenue) is the same 40%
    rows_money = (("2024-01", 400, 20, 30_000, 10_000, 50_000, 20_000, 200, 10),)
    r2 = build_report(funnel=DEFAULT_FUNNEL, deals=None, today=date(2024, 6, 1),
                      summary=table(rows_money, stages=("leads", "paid"), money=money))
    assert r2.periods[0].kpis["ltv"].value == pytest.approx(2000)


def test_zero_churn_and_no_margin() -> None:
    rows = (("2024-01", 400, 20, 50_000, 200, 0),)
    r = build_report(funnel=DEFAULT_FUNNEL, deals=None, today=date(2024, 6, 1),
                     summary=table(rows, stages=("leads", "paid"),
                                   money=("revenue", "customers", "churned")))
    k = r.periods[0].kpis
    assert k["churn_rate"].value == 0
    assert k["ltv_contractual"] == Value(None, "zero_churn")
    assert k["ltv"].reason == "no_purchase_frequency"  # nor a simple one to fall back on
    assert k["payback_months"].reason == "missing_input"  # no spend -> no CAC
    assert k["cac"].reason == "missing_input"


def test_zero_denominators_are_null_with_reason() -> None:
    rows = (("2024-01", 0, 0, 0, 5000, 0),)
    r = build_report(funnel=DEFAULT_FUNNEL, deals=None, today=date(2024, 6, 1),
                     summary=table(rows, stages=("leads", "sal", "paid"),
                                   money=("spend", "plan")))
    p = r.periods[0]
    assert p.kpis["cpl"] == Value(None, "zero_denominator")
    assert p.kpis["cac"] == Value(None, "zero_denominator")
    assert p.kpis["overall_conversion"] == Value(None, "no_entries")
    assert p.kpis["sales_loss_share"].reason == "no_losses"
    assert p.kpis["marketing_loss_share"].reason == "no_steps_owned"  # no marketing step
    assert p.stage("sal").step_conversion == Value(None, "no_entries")
    assert p.bottleneck is not None and p.bottleneck.lowest_conversion is None
    d = p.to_dict()
    assert d["kpis"]["cpl"] is None and d["kpi_details"]["cpl"] == {"reason": "zero_denominator"}
    assert d["stages"][1]["step_conversion"] is None
    assert d["stages"][1]["details"]["step_conversion"] == {"reason": "no_entries"}


def test_unreadable_count_is_missing_not_zero() -> None:
    rows = (("2024-01", 100, None, 5),)
    r = build_report(funnel=DEFAULT_FUNNEL, deals=None, today=date(2024, 6, 1),
                     summary=table(rows, stages=("leads", "qualified", "paid")),
                     problems=(Problem("Воронка", "C2", "abc", "not_a_number"),))
    p = r.periods[0]
    assert p.stage("qualified").count == Value(None, "missing_input")
    assert p.stage("paid").step_conversion.reason == "missing_input"
    assert p.kpis["overall_conversion"].value == pytest.approx(0.05)  # 5 / 100 still known
    assert r.problems == (Problem("Воронка", "C2", "abc", "not_a_number"),)


def test_segments_sum_per_month_and_per_segment() -> None:
    def row(period: str, seg: str, leads: int, paid: int, spend: int, n: int) -> SummaryRow:
        return SummaryRow(month(period), {"leads": leads, "paid": paid}, {"spend": spend}, n, seg)

    rows = (row("2024-01", "Ads", 50, 5, 4000, 2), row("2024-01", "SEO", 100, 5, 1000, 3),
            row("2024-02", "Ads", 60, 3, 5000, 4), row("2024-02", "SEO", 120, 6, 1200, 5))
    summary = SummaryTable("Каналы", ("leads", "paid"), rows, segment_field="channel")
    r = build_report(funnel=DEFAULT_FUNNEL, summary=summary, deals=None, today=date(2024, 6, 1))
    jan, feb = r.periods
    assert jan.stage("leads").count.value == 150  # 50 + 100
    assert jan.kpis["cac"].value == pytest.approx(500)  # 5000 / 10
    assert feb.kpis["cac"].value == pytest.approx(6200 / 9)
    seo, ads = r.segments["channel"]["SEO"], r.segments["channel"]["Ads"]
    assert seo.kpis["cac"].value == pytest.approx(200)  # 2200 / 11
    assert ads.kpis["cac"].value == pytest.approx(1125)  # 9000 / 8
    assert ads.stages[1].step_conversion.value == pytest.approx(8 / 110)
    assert r.total.kpis["cac"].value == pytest.approx(11_200 / 19)


def test_traffic_is_left_out_of_bottleneck_and_loss_shares() -> None:
    rows = (("2024-01", 10_000, 300, 60, 12),)
    r = build_report(funnel=DEFAULT_FUNNEL, deals=None, today=date(2024, 6, 1),
                     summary=table(rows, stages=("traffic", "leads", "sal", "paid"), money=()))
    p = r.periods[0]
    b = p.bottleneck
    assert b is not None and b.lowest_conversion is not None and b.largest_loss is not None
    # from leads on: 60/300 = .2, 12/60 = .2 -> tie goes to the earlier: leads -> SAL
    assert (b.lowest_conversion.from_key, b.lowest_conversion.to_key) == ("leads", "sal")
    assert b.largest_loss.value.value == 240
    # every loss from leads on ends in a sales stage here (there is no marketing stage after it)
    assert p.kpis["sales_loss_share"].value == 1.0
    assert p.kpis["marketing_loss_share"].reason == "no_steps_owned"
    assert not any("of lost leads" in s for s in r.findings)  # no "marketing loses 0%"
    assert p.kpis["marketing_conversion"].value == pytest.approx(0.03)  # 300 / 10000
    assert p.kpis["cpl"].reason == "missing_input"
    assert any("a visit is not a lead" in n for n in r.notes)


def test_inferred_funnel_and_no_handoff() -> None:
    funnel = Funnel((Stage("a", "A", "А", "sales"), Stage("b", "B", "Б", "sales")),
                    inferred=True)
    r = build_report(funnel=funnel, deals=None, today=date(2024, 6, 1),
                     summary=table((("2024-01", 10, 4),), stages=("a", "b"), money=()))
    k = r.periods[0].kpis
    assert k["sales_conversion"].value == pytest.approx(0.4)
    assert k["marketing_conversion"].reason == "no_handoff"
    assert r.funnel_inferred and any("guessed" in n for n in r.notes)


def test_nothing_to_compute_still_gives_a_report() -> None:
    r = build_report(funnel=DEFAULT_FUNNEL, summary=None, deals=None, today=date(2024, 6, 1))
    assert r.periods == () and r.shown_period() is r.total
    assert r.findings == ("There is no complete month yet; the figures are partial.",)
    assert r.total.kpis["cac"].reason == "missing_input"


def test_24_months_is_instant() -> None:
    import time

    started = time.perf_counter()
    for _ in range(10):
        build_report(funnel=DEFAULT_FUNNEL, summary=table(TWO_YEARS), deals=None,
                     today=date(2025, 1, 15))
    assert (time.perf_counter() - started) / 10 < 0.1
