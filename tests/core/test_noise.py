"""News or noise: a change no larger than the KPI's usual month-to-month move, worked by hand."""

from __future__ import annotations

from funnel_kpi.report.noise import is_noise, moves, usual_move


def test_usual_move_of_counts_is_the_median_relative_move() -> None:
    # 100 -> 110 (+10 %), 110 -> 99 (-10 %), 99 -> 108.9 (+10 %), 108.9 -> 119.79 (+10 %)
    history = [100, 110, 99, 108.9, 119.79]
    assert [round(m, 9) for m in moves(history, relative=True)] == [0.1, 0.1, 0.1, 0.1]
    assert round(usual_move(history, relative=True) or 0, 9) == 0.1
    assert is_noise(0.08, 0.1) and is_noise(-0.1, 0.1) and not is_noise(0.25, 0.1)


def test_a_rate_moves_in_points_and_needs_four_moves() -> None:
    # 20 %, 22 %, 21 %, 24 %, 23 %: moves 2, 1, 3, 1 pp -> median 1.5 pp
    history = [0.20, 0.22, 0.21, 0.24, 0.23]
    assert round(usual_move(history, relative=False) or 0, 9) == 0.015
    assert usual_move(history[:4], relative=False) is None  # three moves: no usual move yet
    assert not is_noise(0.05, None)
    # a gap gives no move, a move from zero neither; 3 -> 0 is -100 %
    assert moves([1, None, 3, 0, 5], relative=True) == [1.0]


def test_overlapping_intervals_are_noise() -> None:
    assert is_noise(0.05, None, intervals=((0.18, 0.30), (0.25, 0.36)))
    assert not is_noise(0.15, None, intervals=((0.10, 0.20), (0.25, 0.40)))


def test_an_unfinished_month_is_not_compared() -> None:
    """'Lost deals 0' in the month in progress is no -100 % improvement: its counts, money and
    young rates are pending; a finished month's are compared."""
    from datetime import date

    from funnel_kpi import Tab
    from funnel_kpi.api import analyse

    rows = [["Deal", "Created", "Status", "Amount", "Paid date"],
            ["A", "2024-04-03", "Won", 100, "2024-04-20"], ["B", "2024-04-05", "Lost", 100, ""],
            ["C", "2024-05-02", "Won", 100, "2024-05-20"], ["D", "2024-05-06", "Lost", 100, ""],
            ["E", "2024-06-02", "Open", 100, ""]]
    r = analyse([Tab("Deals", rows)], today=date(2024, 6, 10)).report
    june = r.period("2024-06")
    assert june.in_progress
    assert june.mom["lost_deals"].abs.reason == "pending"  # 0 lost so far: not -100 %
    assert june.mom["win_rate"].rel.reason == "pending"
    assert june.mom["stage_count.leads"].abs.reason == "pending"
    assert june.to_dict()["changes"]["mom"]["lost_deals"] == {
        "abs": None, "rel": None, "reason": "pending"}
    may = r.period("2024-05")
    assert may.mom["lost_deals"].abs.value == 0  # 1 lost in May against 1 in April
