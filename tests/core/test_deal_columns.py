"""The columnar deal log: cell columns as numpy arrays (funnel_kpi.parse.columns), the parser's
chunked reading (funnel_kpi.parse.deals), and ``DealColumns``/``DealLog`` (funnel_kpi.inputs).

Expected values are written out by hand; the chunked reader is also checked against reading
the same tab in one piece, with chunks and value tables made tiny so that every path and
every chunk boundary is crossed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import date, datetime

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import funnel_kpi.parse.columns as cell_columns
import funnel_kpi.parse.deals as parse_deals
from funnel_kpi.api import analyse
from funnel_kpi.deals.analysis import analyse_deals
from funnel_kpi.inputs import LOST, OPEN, WON, Amounts, Deal, DealColumns, DealLog, Tab, Texts
from funnel_kpi.model import DEFAULT_FUNNEL
from funnel_kpi.parse.columns import ISSUE, TextCells, date_array, number_array, number_cells

F = DEFAULT_FUNNEL
JAN31 = date(2024, 1, 31)  # serial 45322


@pytest.fixture(params=[None, 2], ids=["table", "many-values"])
def table_limit(request: pytest.FixtureRequest) -> Iterator[None]:
    """Run a test with the value table's normal limit, and with a limit of 2 distinct values
    (the path a column of mostly distinct timestamps takes)."""
    saved = cell_columns.TABLE_LIMIT
    if request.param is not None:
        cell_columns.TABLE_LIMIT = request.param
    yield
    cell_columns.TABLE_LIMIT = saved


def codes_of(issues: list[tuple[int, object]]) -> list[tuple[int, str]]:
    return [(i, issue.code) for i, issue in issues]  # type: ignore[attr-defined]


# ---------------------------------------------------------------- cell columns

@pytest.mark.usefixtures("table_limit")
def test_number_array_blanks_text_and_issues() -> None:
    values, issues = number_array([1000, "", "2 000", None, "abc", "#N/A", 10**400, math.inf,
                                   "1,5", 7.25], locale="ru")
    expected = [1000.0, None, 2000.0, None, None, None, None, None, 1.5, 7.25]
    assert [None if math.isnan(v) else v for v in values.tolist()] == expected
    # 10**400 is beyond any float: a problem here rather than an amount
    assert codes_of(issues) == [(4, "not_a_number"), (5, "formula_error"), (6, "not_a_number"),
                                (7, "not_a_number")]


def test_number_array_of_plain_numbers_catches_nan() -> None:
    values, issues = number_array([1, 2.5, math.nan])  # plain numbers: numpy converts them
    assert values[:2].tolist() == [1.0, 2.5] and math.isnan(values[2])
    assert codes_of(issues) == [(2, "not_a_number")]


@pytest.mark.usefixtures("table_limit")
def test_date_array_serials_text_objects_and_issues() -> None:
    cells = [45322.75, "", "31.01.2024", date(1850, 1, 1), "1850-01-01", 0.5, math.nan,
             datetime(2024, 2, 4, 15, 30), "yesterday", True, 45322, None]
    ordinals, issues = date_array(cells)
    days = [date.fromordinal(o) if o else None for o in ordinals.tolist()]
    # a time of day is cut off; dates before 1900 from text or date objects are kept
    assert days == [JAN31, None, JAN31, date(1850, 1, 1), date(1850, 1, 1), None, None,
                    date(2024, 2, 4), None, None, JAN31, None]
    assert codes_of(issues) == [(5, "not_a_date"), (6, "not_a_date"), (8, "not_a_date"),
                                (9, "not_a_date")]


def test_booleans_and_numbers_stay_apart_across_chunks() -> None:
    # True == 1 as a dict key: a table filled in one chunk must not answer for the other kind
    texts = TextCells()
    for chunk in ([True, "x"], [1, 1.0], [False, [1]], [0], [1, True]):
        texts.feed(chunk)
    names = [texts.names[c] for c in texts.result().tolist()]
    assert names == ["TRUE", "x", "1", "1", "FALSE", "[1]", "0", "1", "TRUE"]
    numbers = number_cells()
    for chunk in ([0, 1], [True, 2], [1, ""], [False]):
        numbers.feed(chunk)
    out = numbers.result().tolist()
    assert out[:3] == [0.0, 1.0, ISSUE] and out[3:5] == [2.0, 1.0] and math.isnan(out[5])
    assert out[6] == ISSUE


# ---------------------------------------------------------------- DealColumns and DealLog

S = 45322  # serial of 2024-01-31
LOG_TAB = Tab("Deals", [
    ["ID", "Created", "Channel", "Status", "Meeting date", "Amount", "Paid date", "Customer"],
    [7, S, " SEO ", "Won", S + 2, "1 000", S + 9, "C1"],  # row 2
    [None, S + 1, "", "Lost", None, None],  # row 3: no id
    ["", None, "VK", "Open"],  # row 4: no created date (a problem), not a deal
    ["A-9", S + 3, "Ads", "", S + 4, 500, S + 5],  # row 5: no status but paid: won
])


def test_parsed_log_columns() -> None:
    log = parse_deals.read_deal_log(LOG_TAB, F, locale="en_US")
    c = log.columns
    assert log.size == 3 and c.rows.tolist() == [2, 3, 5]
    assert [date.fromordinal(o) for o in c.created.tolist()] == [
        JAN31, date(2024, 2, 1), date(2024, 2, 3)]
    assert c.status.tolist() == [WON, LOST, WON]
    assert list(c.stage_dates) == ["leads", "meetings", "paid"]
    assert c.stage_dates["meetings"].tolist()[1] == 0  # no meeting date
    assert list(c.ids) == ["7", "row 3", "A-9"] and c.ids[-1] == "A-9"
    assert c.ids[0:2] == ["7", "row 3"]
    with pytest.raises(IndexError):
        c.ids[3]
    # parse_text strips; "VK" of the dropped row 4 is a name no deal uses
    assert [c.channel.at(i) for i in range(3)] == ["SEO", None, "Ads"]
    assert c.channel.stripped and c.channel.names == (None, "SEO", "VK", "Ads")
    assert c.channel.used().tolist() == [True, True, False, True]
    assert c.amount.present.tolist() == [True, False, True]
    assert c.amount.at(0) == 1000.0 and c.amount.at(1) is None
    assert c.has("channel") and c.has("customer_id") and not c.has("first_response")
    assert not c.has("paid_amount") and not c.has("lost_reason")
    assert c.customer_id.any_text()
    assert [(p.cell, p.code) for p in log.problems] == [("B4", "missing_created")]
    first = log.deals[0]
    assert first == Deal("7", JAN31, "won", {"leads": JAN31, "meetings": date(2024, 2, 2),
                                               "paid": date(2024, 2, 9)},
                         "SEO", None, None, 1000.0, None, date(2024, 2, 9), "C1", None, 2)
    assert log.deals is log.deals  # built once


def test_dates_out_of_order_compare_with_the_latest_earlier_date() -> None:
    # Each stage date is checked against the latest date before it, skipping blank stages; a
    # date out of order is kept, and does not lower that latest date.
    tab = Tab("Deals", [
        ["Created", "Meeting date", "Proposal date", "Contract date", "Paid date", "Status"],
        [S + 10, None, S + 8, S + 12, S + 11, "won"],  # row 2: D2 ok, C2 < A2, E2 < D2
        [S, S + 10, S + 5, S + 7, None, "open"],  # row 3: C3 and D3 both before B3
    ])
    log = parse_deals.read_deal_log(tab, F)
    assert [(p.cell, p.code, p.value) for p in log.problems] == [
        ("C2", "dates_out_of_order", "2024-02-08"), ("E2", "dates_out_of_order", "2024-02-11"),
        ("C3", "dates_out_of_order", "2024-02-05"), ("D3", "dates_out_of_order", "2024-02-07")]
    assert log.deals[1].stage_dates["proposals"] == date(2024, 2, 5)  # kept


def test_analysis_columns_list_fields_some_deal_has() -> None:
    a = analyse([LOG_TAB], F, locale="en_US", today=date(2024, 3, 1))
    # blank Status (row 5) still counts: the column is there; amounts, paid date, customer
    assert a.columns() == {"Deals": ["leads", "meetings", "paid", "channel", "amount",
                                     "paid_date", "customer_id"]}


def test_from_deals_keeps_the_deals_and_round_trips() -> None:
    deals = (
        Deal("a", JAN31, "won", {"leads": JAN31, "meetings": date(2024, 2, 2)}, " Ads", None,
             None, 10.0, math.nan, date(2024, 2, 9), " C1 ", None, 5),
        Deal("b", date(2024, 3, 1), "lost", {}, "", "Anna", "Price", None, None, None, "", None),
    )
    log = DealLog.from_deals("D", ("leads", "meetings"), deals)
    assert log.deals is deals  # kept as given
    c = log.columns
    assert not c.channel.stripped and c.channel.names == (None, " Ads", "")
    assert c.paid_amount.present.tolist() == [True, False]  # a NaN amount is an amount
    rebuilt = c.deals()
    assert rebuilt[1] == deals[1]
    assert rebuilt[0].stage_dates == deals[0].stage_dates and rebuilt[0].channel == " Ads"
    assert math.isnan(rebuilt[0].paid_amount or 0.0)
    assert c.has("channel") and c.customer_id.any_text()  # " C1 "
    assert not DealLog.from_deals("D", (), [Deal("x", JAN31, "won", customer_id="")]
                                  ).columns.customer_id.any_text()


def test_nan_money_of_a_hand_made_deal_is_not_finite_revenue() -> None:
    log = DealLog.from_deals("D", ("leads", "paid"), [
        Deal("a", JAN31, "won", amount=100.0), Deal("b", JAN31, "won", paid_amount=math.nan)])
    revenue = analyse_deals(log, F).overall.kpis["revenue"]
    assert revenue.value is None and revenue.reason == "not_finite"


def test_months_of_a_log_spanning_millennia() -> None:
    # more distinct days than a day table is worth: every deal's month is computed
    log = DealLog.from_deals("D", ("leads",), [
        Deal("a", date(1, 1, 5), "open"), Deal("b", date(9999, 12, 31), "open"),
        Deal("c", date(2024, 2, 29), "open"), Deal("d", date(2024, 2, 1), "open")])
    months = analyse_deals(log, F).by_month
    assert list(months) == [date(1, 1, 1), date(2024, 2, 1), date(9999, 12, 1)]
    assert [m.counts["leads"] for m in months.values()] == [1, 2, 1]


def test_empty_columns() -> None:
    c = DealColumns.of(())
    assert len(c) == 0 and c.deals() == () and not c.has("amount")
    assert Texts(np.zeros(0, np.int32)).any_text() is False
    assert Amounts.of([]).present.tolist() == []


# ---------------------------------------------------------------- chunked reading

HEAD = ["ID", "Created", "Channel", "Manager", "Status", "Lost reason", "Amount", "Paid amount",
        "Paid date", "Customer ID", "Meeting date", "Proposal date", "First response"]
ODD = [None, "", " ", True, False, 0, 1, 1.0, math.nan, math.inf, 10**20, "#N/A", "abc",
       "1 234,5", "31.01.2024", "1850-01-01", 0.5, date(2024, 2, 3), datetime(2024, 2, 4, 9),
       45322.75, "Won", "Отказ", "SEO", [1]]


def messy_tab(seed: int, rows: int) -> Tab:
    """A deal log of mostly good cells, some odd ones, ragged rows and empty rows."""
    rng = random.Random(seed)
    body: list[list[object]] = [HEAD]
    for _ in range(rows):
        day = S + rng.randrange(60)
        row: list[object] = [
            rng.randrange(40), day + rng.random(), rng.choice(["SEO", " SEO", "Ads", ""]),
            rng.choice(["Anna", "Boris", None]), rng.choice(["Won", "Lost", "Open", "", "?"]),
            rng.choice(["Price", " Price", ""]), rng.choice(["", 1000, 2500.5, "3 000"]),
            rng.choice(["", 900]), rng.choice(["", day + 20]), rng.choice(["", "C1", "C2"]),
            rng.choice(["", day + 2, day - 1]), rng.choice(["", day + 5]),
            rng.choice(["", day, day + 1])]
        for _ in range(rng.randrange(3)):
            row[rng.randrange(len(row))] = rng.choice(ODD)
        del row[len(row) - rng.randrange(4):]
        body.append(row if rng.random() > 0.03 else [])
    return Tab("Deals", body)


def read_in_small_pieces(tab: Tab, today: date | None = None) -> DealLog:
    """The tab read 3 rows at a time with value tables of 2 distinct values."""
    saved = parse_deals.CHUNK, cell_columns.TABLE_LIMIT
    parse_deals.CHUNK, cell_columns.TABLE_LIMIT = 3, 2
    try:
        return parse_deals.read_deal_log(tab, F, locale="ru", today=today)
    finally:
        parse_deals.CHUNK, cell_columns.TABLE_LIMIT = saved


@pytest.mark.parametrize("seed", range(4))
def test_chunked_reading_equals_reading_in_one_piece(seed: int) -> None:
    tab = messy_tab(seed, 300)
    whole = parse_deals.read_deal_log(tab, F, locale="ru", today=date(2024, 3, 10))
    pieces = read_in_small_pieces(tab, today=date(2024, 3, 10))
    assert whole.problems == pieces.problems and whole.deals == pieces.deals
    assert {p.code for p in whole.problems} >= {"not_a_date", "not_a_number", "unknown_status",
                                                "dates_out_of_order", "future_date"}


@pytest.mark.parametrize("seed", range(2))
def test_parsed_and_hand_made_logs_analyse_alike(seed: int) -> None:
    parsed = parse_deals.read_deal_log(messy_tab(seed, 400), F, locale="ru")
    again = DealLog.from_deals(parsed.tab, parsed.stage_keys, parsed.deals)
    assert analyse_deals(parsed, F) == analyse_deals(again, F)


CELL = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(),
                 st.text(max_size=6), st.dates(), st.sampled_from(ODD))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(CELL, max_size=len(HEAD) + 1), max_size=12))
def test_chunks_never_change_what_is_read(body: list[list[object]]) -> None:
    tab = Tab("L", [HEAD, *body])
    whole = parse_deals.read_deal_log(tab, F, locale="ru", today=date(2024, 3, 10))
    pieces = read_in_small_pieces(tab, today=date(2024, 3, 10))
    assert whole.problems == pieces.problems and whole.deals == pieces.deals
    statuses = whole.columns.status.tolist()
    assert set(statuses) <= {OPEN, WON, LOST}


@pytest.mark.parametrize("second", [
    [1.5, "", None, "abc", "1 234,5", True, False, 0, math.nan, 7],
    [45000.25 + i for i in range(300)],
    ["", None] * 150,
])
def test_a_column_of_mostly_new_numbers_hands_over_to_numpy(second: list[object]) -> None:
    """A first chunk of distinct timestamps hands the column over to numpy; any later chunk,
    however mixed, still reads exactly as cell by cell."""
    cells = number_cells("ru_RU")
    first: list[object] = [45000 + i / 7 for i in range(cell_columns.MOSTLY_NEW_MIN * 2)]
    cells.feed(first)
    assert cells.many
    cells.feed(second)
    expected = np.array([cells.convert(v) for v in first + second])
    assert np.array_equal(cells.result(), expected, equal_nan=True)
