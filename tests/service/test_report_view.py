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
