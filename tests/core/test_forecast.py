"""funnel_kpi.report.forecast: the next 3 months with an 80 % interval, its backtest against
seasonal-naive, the headline rule; the pipeline forecast's parts; the report's JSON round trip.

Every number below is worked by hand in the comments; statsmodels (a test dependency) checks
that the ETS recursion and its analytic interval are the standard ones.
"""

from __future__ import annotations

import json
import math
import warnings
from datetime import date

import numpy as np
import pytest

from funnel_kpi.inputs import SummaryRow, SummaryTable
from funnel_kpi.model import DEFAULT_FUNNEL
from funnel_kpi.report.build import build_report
from funnel_kpi.report.forecast import (
    MIN_MONTHS,
    WHY,
    Z80,
    Point,
    Start,
    backtest,
    benchmark,
    coverage,
    ets_forecast,
    forecast,
    forecast_series,
    mape,
    smooth,
    start_states,
)
from funnel_kpi.report.funnel_report import FunnelReport
from tests.core.test_deals import LOG, TODAY


def months(n: int, start: date = date(2023, 1, 1)) -> list[str]:
    return [f"{start.year + (start.month - 1 + i) // 12:04d}-{(start.month - 1 + i) % 12 + 1:02d}"
            for i in range(n)]


# --- the model -----------------------------------------------------------------------------

@pytest.mark.parametrize("n", [12, 30])
def test_a_constant_series_forecasts_the_constant(n: int) -> None:
    # Start: level 10, trend 0 (and a season of 0s): every one-step error is 0, so every grid
    # point has SSE 0, sigma 0, and the forecast is 10 with a zero-width interval.
    y = [10.0] * n
    s = smooth(y, n >= 24)
    assert ets_forecast(s, n) == [Point(10.0, 10.0, 10.0)] * 3
    result = forecast_series(y)
    assert [p.value for p in result.points] == [10.0] * 3
    # both forecasts are exact on the backtest: 0 is not below 0, so the model is not the headline
    assert result.backtest is not None and result.backtest.mape == 0.0
    assert result.backtest.mape_seasonal_naive == 0.0 and not result.headline


def test_the_recursion_and_its_interval_by_hand() -> None:
    # One grid point alpha 0.5, beta 0, gamma 0, phi 1; start level 0, trend 0; y = 2, 4.
    # t=0: y_hat 0, e 2, SSE 4, level 1.  t=1: y_hat 1, e 3, SSE 13, level 2.5.
    # Forecast 2.5; sigma^2 = 13 / 2 = 6.5; sigma_h^2 = 6.5 (1 + sum_(j<h) (0.5 + 0 j)^2):
    # h=1: 6.5, h=2: 6.5 x 1.25, h=3: 6.5 x 1.5.
    s = smooth([2.0, 4.0], False, Start(0.0, 0.0, ()), np.array([[0.5, 0.0, 0.0, 1.0]]))
    assert s.sse[0].tolist() == [0.0, 4.0, 13.0]
    got = ets_forecast(s, 2)
    for p, k in zip(got, (1.0, 1.25, 1.5), strict=True):
        assert p.value == 2.5
        assert p.high - p.value == pytest.approx(Z80 * math.sqrt(6.5 * k))
        assert p.value - p.low == pytest.approx(Z80 * math.sqrt(6.5 * k))


def test_damped_trend_interval_by_hand() -> None:
    # alpha 0.5, beta 0.2, phi 0.9: c_1 = 0.5 + 0.2 x 0.9 = 0.68,
    # c_2 = 0.5 + 0.2 x (0.9 + 0.81) = 0.842; sigma_3^2 = sigma^2 (1 + 0.68^2 + 0.842^2).
    s = smooth([2.0, 4.0], False, Start(0.0, 0.0, ()), np.array([[0.5, 0.2, 0.0, 0.9]]))
    sigma2 = float(s.sse[0, 2]) / 2
    h3 = ets_forecast(s, 2)[2]
    assert h3.high - h3.value == pytest.approx(Z80 * math.sqrt(sigma2 * (1 + 0.68**2 + 0.842**2)))


def test_start_states() -> None:
    # Without a season: the mean of the first three changes (2), and the level one step before
    # the first value (1 - 2), so that the first one-step forecast is the first value.
    assert start_states([1.0, 2.0, 4.0, 7.0, 0.0], False) == Start(-1.0, 2.0, ())
    # With one: year means 6.5 and 18.5 -> trend 1 a month; level 6.5 - 6.5 x 1 = 0; on a
    # straight line every month sits on the trend, so the season is 0 ...
    y = [float(i + 1) for i in range(24)]
    s = start_states(y, True)
    assert (s.level, s.trend, s.season) == (0.0, 1.0, (0.0,) * 12)
    # ... and a bump of +6 in every March (and -6 in every April) is the season.
    y = [v + (6 if i % 12 == 2 else -6 if i % 12 == 3 else 0) for i, v in enumerate(y)]
    assert start_states(y, True).season == (0.0, 0.0, 6.0, -6.0, *(0.0,) * 8)


@pytest.mark.parametrize("row", [None, (0.35, 0.1, 0.2, 0.9), (0.55, 0.05, 0.3, 1.0)])
def test_the_same_numbers_as_statsmodels(row: tuple[float, ...] | None) -> None:
    """Point forecasts as statsmodels' Holt-Winters, intervals as its ETSModel (analytic), for
    the grid point our least squares chose (or a given one) and the same starting states."""
    pytest.importorskip("statsmodels")
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    rng = np.random.default_rng(1)
    y = [float(100 + 2 * t + 15 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 4))
         for t in range(30)]
    n, st = len(y), start_states(y, True)
    s = smooth(y, True, grid=None if row is None else np.array([row]))
    a, b, g, phi = (float(x) for x in s.grid[int(np.argmin(s.sse[:, n]))])
    ours = ets_forecast(s, n)
    known = {"initialization_method": "known", "initial_level": st.level,
             "initial_trend": st.trend, "initial_seasonal": list(st.season)}
    damped = phi < 1  # statsmodels takes phi = 1 as no damping
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hw = ExponentialSmoothing(y, trend="add", damped_trend=damped, seasonal="add",
                                  seasonal_periods=12, **known).fit(
            smoothing_level=a, smoothing_trend=b / a, smoothing_seasonal=g,
            damping_trend=phi if damped else None, optimized=False)
        ets = ETSModel(pd.Series(y, index=pd.period_range("2020-01", periods=n, freq="M")),
                       error="add", trend="add", damped_trend=damped, seasonal="add",
                       seasonal_periods=12, **known).smooth([a, b, g, phi][:4 if damped else 3])
        frame = ets.get_prediction(start=n, end=n + 2).summary_frame(alpha=0.2)
    assert hw.sse == pytest.approx(float(s.sse[:, n].min()))
    assert [p.value for p in ours] == pytest.approx(list(hw.forecast(3)))
    assert [p.low for p in ours] == pytest.approx(list(frame["pi_lower"]))
    assert [p.high for p in ours] == pytest.approx(list(frame["pi_upper"]))


# --- the benchmark and the backtest ---------------------------------------------------------

def test_seasonal_naive_by_hand() -> None:
    # 14 months 1..14, origin after 13: h=1 forecasts month 13 (0-based) with month 1 -> 2,
    # h=2 month 14 with month 2 -> 3. Seasonal differences y_j - y_(j-12) for j = 12: 12,
    # so sigma = 12 and the interval is +- 1.2816 x 12 at both horizons (one year back).
    y = [float(i + 1) for i in range(14)]
    kind, points = benchmark(y, 13, 2)
    assert kind == "seasonal_naive"
    assert [p.value for p in points] == [2.0, 3.0]
    assert all(p.high - p.value == pytest.approx(Z80 * 12) for p in points)
    # With 12 months or fewer behind the origin: the last value, sigma of the monthly changes
    # (all 1 here), widening with sqrt(h).
    kind, points = benchmark(y, 10, 3)
    assert kind == "naive" and [p.value for p in points] == [10.0] * 3
    assert [p.high - p.value for p in points] == pytest.approx(
        [Z80 * math.sqrt(h) for h in (1, 2, 3)])


def test_backtest_mape_by_hand() -> None:
    # y = 1..10: origins after months 8 and 9 (at least 8 months behind each); the benchmark is
    # the last value (fewer than 13 months): origin 8 forecasts 8 for 9 and 10, origin 9
    # forecasts 9 for 10. APE: 1/9, 2/10, 1/10 -> MAPE = (1/9 + 0.2 + 0.1) / 3.
    # The model follows a straight line exactly (level 0, trend 1, phi 1: every error 0).
    y = [float(i + 1) for i in range(10)]
    result = backtest(y, {False: smooth(y, False)})
    assert (result.origins, result.points) == (2, 3)
    assert result.mape_seasonal_naive == pytest.approx((1 / 9 + 0.2 + 0.1) / 3)
    assert result.mape == pytest.approx(0.0)


def test_mape_leaves_out_zero_actuals() -> None:
    # |4 - 5| / 4 = 0.25 and |10 - 7| / 10 = 0.3; the 0 actual cannot be divided by.
    assert mape([(4.0, 5.0), (0.0, 3.0), (10.0, 7.0)]) == pytest.approx(0.275)
    assert mape([(0.0, 1.0)]) is None


def test_coverage_by_hand() -> None:
    # [3, 6] holds 5 and 3 (bounds count), not 7: 2 of 3.
    band = Point(4.0, 3.0, 6.0)
    assert coverage([(5.0, band), (7.0, band), (3.0, band)]) == pytest.approx(2 / 3)
    assert coverage([]) is None


# --- the headline rule ------------------------------------------------------------------------

def test_a_model_that_beats_seasonal_naive_is_the_headline() -> None:
    # A straight line 10, 15, 20, ...: the model's error is 0, the last value lags by 5.
    result = forecast_series([10.0 + 5 * t for t in range(20)])
    assert result.headline and result.shown == "ets" and result.why is None
    assert [p.value for p in result.points] == pytest.approx([110.0, 115.0, 120.0], rel=0.02)


def test_seasonal_naive_is_shown_when_the_model_does_not_beat_it() -> None:
    # The same year three times: seasonal-naive is exact (MAPE 0); nothing beats 0.
    year = [50.0, 40.0, 60.0, 80.0, 70.0, 90.0, 100.0, 60.0, 50.0, 70.0, 80.0, 120.0]
    result = forecast_series(year * 3)
    assert not result.headline and result.shown == "seasonal_naive" and result.why == "not_better"
    assert result.backtest is not None and result.backtest.mape_seasonal_naive == 0.0
    assert [p.value for p in result.points] == year[:3]


def test_too_short_or_missing_is_undefined_with_a_reason() -> None:
    short = forecast_series([5.0] * (MIN_MONTHS - 1))
    assert (short.shown, short.points, short.why) == (None, (), "too_short")
    assert forecast_series([]).why == "missing_input"
    fc = forecast([(p, 5.0, None) for p in months(7)])
    assert fc is not None and fc.series["payments"].why == "too_short"
    assert fc.series["revenue"].why == "missing_input"
    en, ru = fc.notes("en"), fc.notes("ru")
    assert en[0] == f"Payments: no forecast ({WHY['too_short'][0]})."
    assert ru[0] == f"Оплаты: прогноз не построен ({WHY['too_short'][1]})."
    assert ru[1] == f"Выручка: прогноз не построен ({WHY['missing_input'][1]})."
    assert forecast([]) is None


def test_zero_and_huge_series_say_so_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's overflow warnings would be errors here
        zeros = forecast_series([0.0] * 30)
        huge = forecast([(p, 1e300, 1e300 * (i % 2)) for i, p in enumerate(months(20))])
    # every backtest actual is 0: no MAPE for either, the simple forecast is shown, and why
    assert (zeros.shown, zeros.why, zeros.points[0]) == ("seasonal_naive", "all_zero",
                                                         Point(0.0, 0.0, 0.0))
    assert huge is not None
    json.dumps(huge.to_dict(), allow_nan=False)  # inf and NaN are null in JSON


def test_only_the_last_months_in_a_row_are_used() -> None:
    # A gap (no 2023-05) leaves 2023-06..2024-01: 8 months, enough; the next is 2024-02.
    rows = [(p, 10.0, 100.0) for p in months(13) if p != "2023-05"]
    fc = forecast(rows)
    assert fc is not None and fc.last == "2024-01"
    assert fc.periods == ("2024-02", "2024-03", "2024-04")
    assert fc.series["payments"].backtest is not None
    assert fc.series["payments"].backtest.origins == 0  # 8 months: no origin has 8 behind it
    assert fc.series["payments"].why == "no_backtest"
    # a last row not filled in yet is not the end of the series
    fc = forecast([*rows, ("2024-02", None, None)])
    assert fc is not None and fc.last == "2024-01" and fc.series["revenue"].shown == "naive"


def test_notes_say_which_forecast_is_shown() -> None:
    year = [50.0, 40.0, 60.0, 80.0, 70.0, 90.0, 100.0, 60.0, 50.0, 70.0, 80.0, 120.0]
    line = [10.0 + 5 * t for t in range(36)]
    fc = forecast(list(zip(months(36), line, [1000 * v for v in year * 3], strict=True)))
    assert fc is not None
    en, ru = fc.notes("en"), fc.notes("ru")
    assert en[0].startswith("Payments: the 3-month forecast is ETS(A,Ad,A)")
    assert "beat seasonal-naive (MAPE 0.0% vs" in en[0]  # textfmt.percent's "0.0%"
    assert en[1].startswith("Revenue: seasonal-naive is shown as the forecast, because")
    assert ru[1].startswith("Выручка: показан прогноз «сезонно-наивный», потому что")


# --- in the report ----------------------------------------------------------------------------

def summary_report(n: int, today: date) -> FunnelReport:
    # leads 100 + i, paid 10 + i % 3 (so 10, 11, 12, ...), revenue 5000 x paid.
    rows = tuple(SummaryRow(date(2023 + (i // 12), i % 12 + 1, 1),
                            {"leads": 100.0 + i, "paid": 10.0 + i % 3},
                            {"revenue": 5000.0 * (10 + i % 3)}, i + 2) for i in range(n))
    return build_report(funnel=DEFAULT_FUNNEL,
                        summary=SummaryTable("Воронка", ("leads", "paid"), rows),
                        deals=None, today=today)


def test_the_report_carries_the_forecast_and_round_trips() -> None:
    # 26 months 2023-01..2025-02 and today in 2025-02: that month is in progress, left out.
    report = summary_report(26, date(2025, 2, 10))
    assert report.forecast is not None and report.forecast.last == "2025-01"
    d = json.loads(json.dumps(report.to_dict()))
    f = d["forecast"]
    assert [m["period"] for m in f["months"]] == ["2025-02", "2025-03", "2025-04"]
    assert set(f["months"][0]) == {"period", "payments", "payments_low", "payments_high",
                                   "revenue", "revenue_low", "revenue_high"}
    assert set(f["backtest"]["payments"]) >= {"mape", "mape_seasonal_naive", "coverage_80",
                                              "origins"}
    # 26 months: the backtest's origins (14..25) could not fit a season, so neither does the
    # forecast shown (this pinned ETS(A,Ad,A), a form the backtest never tested)
    assert f["backtest"]["payments"]["origins"] == 12 and f["method"] == "ETS(A,Ad,N)"
    assert set(f["headline"]) == set(f["why"]) == {"payments", "revenue"}
    # paid repeats 10, 11, 12 (25 complete months end on 12 = index 24): the line of 3 a
    # model follows exactly comes next: 10, 11, 12, whoever is shown
    assert [round(m["payments"]) for m in f["months"]] in ([10, 11, 12], [11, 12, 10])
    back = FunnelReport.from_dict(d)
    assert back.to_dict() == d
    assert any(n.startswith("Payments:") for n in d["notes"])
    assert any(n.startswith("Оплаты:") for n in d["notes_ru"])


def test_a_report_without_enough_months_says_why() -> None:
    d = summary_report(5, date(2024, 1, 10)).to_dict()
    assert d["forecast"]["why"] == {"payments": "too_short", "revenue": "too_short"}
    assert d["forecast"]["months"][0]["payments"] is None


# --- the pipeline forecast's parts ------------------------------------------------------------

def test_the_pipeline_forecast_shows_its_parts() -> None:
    # The log of tests/core/test_deals.py: p = 4/8 (leads), 4/7 (meetings), 4/5 (contracts);
    # the average won deal is 1575, the price of an open deal without an amount.
    # leads: D8, no amount: 1575 x 0.5 = 787.5
    # meetings: D10 2000 + D12 no amount: (2000 + 1575) x 4/7 = 2042.857...
    # contracts: D7 5000 x 0.8 = 4000
    report = build_report(funnel=DEFAULT_FUNNEL, summary=None, deals=LOG, today=TODAY)
    assert report.deal_log is not None
    parts = {p.stage: p for p in report.deal_log.pipeline}
    assert list(parts) == ["leads", "meetings", "contracts"]
    leads, meetings, contracts = parts["leads"], parts["meetings"], parts["contracts"]
    assert (leads.open_deals, leads.amount, leads.unpriced, leads.unpriced_price) == (
        1, 0.0, 1, 1575.0)
    assert leads.win_probability == 0.5 and leads.expected == pytest.approx(787.5)
    assert (meetings.open_deals, meetings.amount, meetings.unpriced) == (2, 2000.0, 1)
    assert meetings.expected == pytest.approx(3575 * 4 / 7)
    assert (contracts.amount, contracts.unpriced, contracts.unpriced_price) == (5000.0, 0, None)
    assert contracts.expected == pytest.approx(4000.0)
    # The total carries today's open pipeline once (the sum of its parts), not months added
    # up; a past month has none of its own.
    total = report.total.kpis["forecast_revenue"].value
    assert total == pytest.approx(787.5 + 3575 * 4 / 7 + 4000)
    assert total == pytest.approx(sum(p.expected or 0.0 for p in parts.values()))
    for p in report.periods:
        if not p.in_progress:
            assert p.kpis["forecast_revenue"].reason == "not_in_progress"
    d = json.loads(json.dumps(report.to_dict()))
    assert d["deal_log"]["pipeline"][0] == {
        "stage": "leads", "open_deals": 1, "amount": 0.0, "unpriced": 1, "unpriced_price": 1575.0,
        "win_probability": 0.5, "expected": 787.5}
    assert FunnelReport.from_dict(d).to_dict() == d
    assert "Open deals without an amount" not in " ".join(d["notes"])
    assert "2 open deals have no amount: each is counted at the average deal 1,575." in d["notes"]
    # no ₽: the currency is not known (this pinned a ₽ textfmt.money deliberately leaves out)
    assert "Открытых сделок без суммы: 2; каждая посчитана по среднему чеку 1\u00a0575." \
        in d["notes_ru"]


def test_the_text_report_prints_the_forecast_and_the_pipeline_parts() -> None:
    from sheets_sync.text_report import text_report

    en = text_report(summary_report(26, date(2025, 2, 10)), "en")
    assert "Forecast, next 3 months, 80 % interval:" in en
    # the per-series lines are gone (they repeated the notes): the notes say which is shown
    assert "\n2025-02 " in en and "- payments: " not in en
    assert en.count("is shown as the forecast") == 2  # once a series, in the notes
    ru = text_report(build_report(funnel=DEFAULT_FUNNEL, summary=None, deals=LOG, today=TODAY),
                     "ru")
    # no ₽: the currency is not known (textfmt.money, as the findings and notes have it)
    assert "Прогноз выручки по открытым сделкам: 6\u00a0830,36\n" in ru
    assert "Встречи" in ru and "57,1\u00a0%" in ru  # 4/7 from the meetings stage


def test_the_headline_form_is_the_backtested_form_and_notes_say_what_was_tested() -> None:
    # 30 months of a straight line: origins 18..29 cannot fit a season, so the form shown is
    # the non-seasonal one the backtest tested (it used to show ETS(A,Ad,A) with the MAPE of
    # ETS(A,Ad,N)); the note gives the backtest's own origins, points and benchmark.
    line = [10.0 + 5 * t for t in range(30)]
    s = forecast_series(line)
    assert s.headline and s.model == "ETS(A,Ad,N)"
    assert s.backtest is not None and not s.backtest.seasonal
    assert (s.backtest.origins, s.backtest.points) == (12, 33)
    assert s.backtest.benchmark == "seasonal_naive"
    assert forecast_series(line + line[:6]).model == "ETS(A,Ad,A)"  # 36: every origin has 24
    # 12 months: origins 8..11, 9 points, every benchmark the last value (no year behind)
    fc = forecast([(p, v, None) for p, v in zip(months(12), line, strict=False)])
    assert fc is not None and fc.series["payments"].headline
    en, ru = fc.notes("en")[0], fc.notes("ru")[0]
    assert "in a backtest at 4 origins (9 points) it beat the last month's value" in en
    assert "12 months" not in en and "seasonal-naive" not in en
    assert "в проверке на 4 точках отсчёта (9 прогнозов)" in ru


def test_too_few_backtest_points_are_no_headline() -> None:
    # 10 months: origins 8 and 9 give 3 points, fewer than 6: the simple forecast, and why
    s = forecast_series([10.0 + 5 * t for t in range(10)])
    assert s.backtest is not None and s.backtest.points == 3
    assert not s.headline and s.shown == "naive" and s.why == "no_backtest"
    assert forecast_series([10.0 + 5 * t for t in range(11)]).headline  # 6 points


def test_month_after_is_months_before_backwards() -> None:
    from funnel_kpi.report.months import month_after

    assert [month_after("2025-11", k) for k in (1, 2, 3, 14)] == [
        "2025-12", "2026-01", "2026-02", "2027-01"]


def test_money_near_the_float_limit_gives_no_forecast_rather_than_half_of_one() -> None:
    """A month of 1e308 next to zeros overflows the model's states and its interval's upper
    bound: the series is not forecast, and says why, instead of a 0 with no upper bound."""
    y = [0.0, 1e308, *[0.0] * 7]
    out = forecast_series(y)
    assert (out.shown, out.points, out.why) == (None, (), "too_large")
    report = build_report(funnel=DEFAULT_FUNNEL, deals=None, today=date(2022, 10, 1),
                          summary=SummaryTable("T", ("traffic", "leads"), tuple(
                              SummaryRow(date(2022, m, 1), {}, {"revenue": v}, m + 1, None)
                              for m, v in enumerate(y, start=1))))
    d = report.to_dict()
    assert FunnelReport.from_dict(json.loads(json.dumps(d, allow_nan=False))).to_dict() == d
