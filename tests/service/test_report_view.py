"""The dashboard's change arrows (funnel_kpi.report.view.move): rates in percentage points,
counts and money in %, the arrow's colour from the KPI's direction, noise as "≈"; and the
forecast table with which forecast is shown."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from funnel_kpi import DEFAULT_FUNNEL, Value, report_view
from funnel_kpi.catalogue import has
from funnel_kpi.report.build import build_report
from funnel_kpi.report.forecast import Forecast
from funnel_kpi.report.funnel_report import Change
from funnel_kpi.report.view import move


def arrow(change: dict[str, float] | None, up_is_good: bool | None, lang: str, unit: str,
          usual: float | None = None,
          intervals: tuple[tuple[float, float], tuple[float, float]] | None = None,
          ) -> tuple[str, str, str]:
    c = None if change is None else Change(Value(change["abs"]), Value(change["rel"]))
    m = move(c, unit, up_is_good, lang, usual=usual, intervals=intervals)
    return m.text, m.arrow, m.tone


def test_a_rate_changes_in_points_and_a_count_in_percent() -> None:
    # a conversion from 20 % to 25 %: +5.0 pp (the relative change, +25 %, is not shown)
    assert arrow({"abs": 0.05, "rel": 0.25}, True, "en", "ratio") == ("+5.0 pp", "▲", "good")
    assert arrow({"abs": 0.05, "rel": 0.25}, True, "ru", "ratio")[0] == "+5,0\u00a0п.\u00a0п."
    # CAC up 10 %: higher is worse
    assert arrow({"abs": 100.0, "rel": 0.1}, False, "en", "money") == ("+10.0%", "▲", "bad")
    assert arrow({"abs": -3.0, "rel": -0.3}, None, "en", "count")[1:] == ("▼", "flat")
    assert arrow({"abs": 0.0, "rel": 0.0}, True, "en", "count") == ("0.0%", "→", "flat")
    assert arrow(None, True, "en", "ratio") == ("—", "", "none")


def test_a_move_no_larger_than_usual_is_noise() -> None:
    # CAC moves about 10 % a month; +8 % this month is noise, +30 % is news
    assert arrow({"abs": 8.0, "rel": 0.08}, False, "en", "money", usual=0.1) == (
        "+8.0%", "≈", "noise")
    assert arrow({"abs": 30.0, "rel": 0.3}, False, "en", "money", usual=0.1)[1:] == ("▲", "bad")
    assert arrow({"abs": 0.004, "rel": 0.02}, True, "en", "ratio", usual=0.01)[1] == "≈"


def test_overlapping_intervals_make_a_rate_change_noise() -> None:
    # 30 % of 40 and 35 % of 40: intervals overlap widely: not a change worth a colour
    overlap = ((0.18, 0.45), (0.22, 0.50))
    assert arrow({"abs": 0.05, "rel": 0.17}, True, "en", "ratio", None, overlap)[1] == "≈"
    apart = ((0.10, 0.20), (0.30, 0.40))
    assert arrow({"abs": 0.2, "rel": 1.3}, True, "en", "ratio", None, apart)[1:] == (
        "▲", "good")


EMPTY = build_report(funnel=DEFAULT_FUNNEL, summary=None, deals=None, today=date(2026, 12, 1))


def with_forecast(d: dict[str, Any] | None) -> Any:
    return report_view(replace(EMPTY, forecast=Forecast.from_dict(d)), "en")


def test_the_forecast_table_says_which_forecast_is_shown() -> None:
    view = with_forecast({
        "last_month": "2026-10",
        "months": [{"period": "2026-11", "payments": 55.0, "payments_low": 37.0,
                    "payments_high": 73.0, "revenue": None, "revenue_low": None,
                    "revenue_high": None}],
        "shown": {"payments": "seasonal_naive", "revenue": None},
        "backtest": {"payments": {"mape": 0.177, "mape_seasonal_naive": 0.167,
                                  "coverage_80": 0.8, "origins": 12, "points": 36},
                     "revenue": None},
        "why": {"payments": "not_better", "revenue": "missing_input"}})
    assert view.forecast[0].period == "2026-11" and view.forecast[0].payments == "55 (37–73)"
    assert view.forecast[0].revenue == "—"
    assert view.forecast_how == ("Payments: seasonal-naive (MAPE 17.7% / 16.7%)",)
    assert with_forecast(None).forecast == () and with_forecast(None).forecast_how == ()


def test_every_key_the_dashboard_looks_up_is_in_the_catalogue() -> None:
    app = Path(__file__).resolve().parents[2] / "sheets_sync"
    sources = [*app.glob("templates/*.html"), *app.glob("app/*.py")]
    keys = {k for p in sources
            for k in re.findall(r'\bt\("([a-z0-9_]+)"[,)]', p.read_text("utf-8"))}
    assert len(keys) > 50
    assert sorted(k for k in keys if not has(k)) == []
