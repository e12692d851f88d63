"""The dashboard's change arrows: rates in percentage points, counts and money in %, the arrow's
colour from the KPI's direction."""

from __future__ import annotations

from sheets_sync.app.report_view import arrow


def test_a_rate_changes_in_points_and_a_count_in_percent() -> None:
    # a conversion from 20 % to 25 %: +5.0 pp (the relative change, +25 %, is not shown)
    assert arrow({"abs": 0.05, "rel": 0.25}, True, "en", "ratio") == ("+5.0 pp", "▲", "good")
    assert arrow({"abs": 0.05, "rel": 0.25}, True, "ru", "ratio")[0] == "+5,0\u00a0п.\u00a0п."
    # CAC up 10 %: higher is worse
    assert arrow({"abs": 100.0, "rel": 0.1}, False, "en", "money") == ("+10.0%", "▲", "bad")
    assert arrow({"abs": -3.0, "rel": -0.3}, None, "en", "count")[1:] == ("▼", "flat")
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


def test_the_forecast_table_says_which_forecast_is_shown() -> None:
    from sheets_sync.text_report import forecast_view

    report = {"forecast": {
        "months": [{"period": "2026-11", "payments": 55.0, "payments_low": 37.0,
                    "payments_high": 73.0, "revenue": None}],
        "shown": {"payments": "seasonal_naive"},
        "backtest": {"payments": {"mape": 0.177, "mape_seasonal_naive": 0.167}}}}
    rows, how = forecast_view(report, "en")
    assert rows[0].period == "2026-11" and rows[0].payments == "55 (37–73)"
    assert rows[0].revenue == "—"
    assert how == ["Payments: seasonal-naive (MAPE 17.7% / 16.7%)"]
    assert forecast_view({}, "en") == ([], [])


def test_every_surface_shows_the_same_month() -> None:
    """When the newest complete month is pending (a cohort younger than the sales cycle), the
    KPI tab, the text report and the dashboard all show the month before it."""
    from datetime import UTC, date, datetime
    from pathlib import Path

    from python_calamine import CalamineWorkbook

    from funnel_kpi import Tab
    from funnel_kpi.api import analyse
    from sheets_sync.app.report_view import kpi_rows
    from sheets_sync.render import render, shown_period
    from sheets_sync.text_report import text_report

    path = Path(__file__).resolve().parents[2] / "templates" / "deal_log_en.xlsx"
    book = CalamineWorkbook.from_path(str(path))
    tabs = [Tab(n, book.get_sheet_by_name(n).to_python()) for n in book.sheet_names
            if n != "KPI"]
    d = analyse(tabs, today=date(2026, 12, 1)).report.to_dict()
    d["periods"][-1]["pending"] = True  # 2024-06's cohort still maturing
    month = shown_period(d)
    assert month is not None and month["period"] == "2024-05"
    assert kpi_rows(d, "en")[0] == "2024-05"
    assert "Funnel, 2024-05" in text_report(d, "en")
    grid = render(d, lang="en", title="KPI", synced_at=datetime.now(UTC))
    assert ("Funnel, 2024-05",) in [tuple(r[:1]) for r in grid.rows]
