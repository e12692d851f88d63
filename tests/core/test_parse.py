"""Reading tabs: summary tabs, deal logs, tab selection, problems with exact cells."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funnel_kpi.errors import LayoutError
from funnel_kpi.inputs import Problem, Tab
from funnel_kpi.model import DEFAULT_FUNNEL, funnel_from_dict
from funnel_kpi.parse.summary import guess_owners
from funnel_kpi.parse.tabs import classify_tab, read_deal_log, read_summary, read_tabs

F = DEFAULT_FUNNEL
TODAY = date(2024, 6, 15)


def serial(d: date) -> int:
    """Google/Excel serial of a date: days since 1899-12-30."""
    return (d - date(1899, 12, 30)).days


def codes(problems: tuple[Problem, ...]) -> list[tuple[str, str]]:
    return [(p.cell, p.code) for p in problems]


# ---------------------------------------------------------------- summary

RU_SUMMARY = Tab("Воронка", [
    ["Воронка отдела продаж"],  # row 1: a title
    [],  # row 2
    ["Месяц", "Лиды", "Встречи", "Брифы", "Принятые продажами", "Оплаты", "Бюджет, ₽",
     "Выручка", "План", "Комментарий"],  # row 3: header, stages out of funnel order
    ["Январь 2024", 100, 12, 30, 20, 5, "150 000", "1 200 000,50", 1000000, "старт"],
    ["Февраль 2024", "120", "-3", "#DIV/0!", 25, 6, 160000, 1300000, 1100000],  # row 5
    [serial(date(2024, 3, 1)), 90, 10, 27, 18, 4, None, None, None],  # row 6: a serial
    ["февраль 2024", 1, 1, 1, 1, 1],  # row 7: February again
    ["Итого", 310, 19, 57, 63, 15, 310000],  # row 8: totals, skipped silently
    [None, 5, 5],  # row 9: numbers without a month
    ["не месяц", 5],  # row 10
    ["Декабрь 2024", 5, 1, 1, 1, 1],  # row 11: after TODAY's month
    [None, None, None, None, "", None, None, None, None, "заметка"],  # row 12: a note
])


def test_russian_summary_with_problems_at_exact_cells() -> None:
    table, funnel = read_summary(RU_SUMMARY, F, locale="ru_RU", today=TODAY)
    assert funnel is F
    assert table.tab == "Воронка"
    assert table.stage_keys == ("leads", "qualified", "sal", "meetings", "paid")  # funnel order
    assert [r.period for r in table.rows] == [date(2024, 1, 1), date(2024, 2, 1),
                                              date(2024, 3, 1)]
    jan, feb, mar = table.rows
    assert jan.counts == {"leads": 100, "meetings": 12, "qualified": 30, "sal": 20, "paid": 5}
    assert jan.money == {"spend": 150000.0, "revenue": 1200000.5, "plan": 1000000}
    assert jan.row == 4 and jan.segment is None
    # unreadable and negative cells are left out, the rest of the row is kept
    assert feb.counts == {"leads": 120.0, "sal": 25, "paid": 6}
    assert mar.counts["qualified"] == 27 and mar.money == {}
    assert codes(table.problems) == [
        ("C5", "negative_count"), ("D5", "formula_error"), ("A7", "duplicate_period"),
        ("A9", "missing_period"), ("A10", "not_a_date"), ("A11", "future_date"),
    ]
    assert table.problems[0].value == "-3"
    assert table.problems[1].value == "#DIV/0!"
    assert table.problems[0].reason("ru") == "количество не может быть отрицательным"
    assert table.unknown_columns == ("Комментарий",)
    assert table.segment_field is None


def test_future_months_are_kept_without_today() -> None:
    table, _ = read_summary(RU_SUMMARY, F)
    assert date(2024, 12, 1) in [r.period for r in table.rows]
    assert "future_date" not in [p.code for p in table.problems]


def test_segmented_summary_has_one_row_per_month_and_channel() -> None:
    tab = Tab("By channel", [
        ["Month", "Channel", "Leads", "Paid", "Spend ($)"],
        ["Jan 2024", "SEO", 50, 2, "1,500"],
        ["Jan 2024", "Ads", 80, 3, "$2,000.50"],
        ["Feb 2024", "SEO", 55, 2, 1600],
        ["Jan 2024", "SEO", 1, 1, 1],  # row 5: the same month and channel again
        ["Jan 2024", "Total", 130, 5, 3500],  # a subtotal row
    ])
    table, _ = read_summary(tab, F, locale="en_US")
    assert table.segment_field == "channel"
    assert [(r.period.month, r.segment) for r in table.rows] == [(1, "Ads"), (1, "SEO"),
                                                                 (2, "SEO")]
    assert table.rows[0].money == {"spend": 2000.5}
    assert codes(table.problems) == [("A5", "duplicate_period")]


def test_unknown_numeric_columns_become_stages_left_to_right() -> None:
    tab = Tab("Funnel", [
        ["Месяц", "Заявки с сайта", "Целевые", "Встречи с клиентом", "Счета", "Оплаты клиентов",
         "Комментарий", "Бюджет"],
        ["Январь 2024", 200, 80, 40, 20, 10, "—", 50000],
        ["Февраль 2024", 220, 90, 45, "22", 11, None, 52000],
    ])
    assert classify_tab(tab, F) == "summary"
    table, funnel = read_summary(tab, F)
    assert funnel.inferred
    assert funnel.keys == ("zayavki_s_sayta", "tselevye", "vstrechi_s_klientom", "scheta",
                           "oplaty_klientov")
    assert table.stage_keys == funnel.keys
    assert funnel.stages[0].ru == "Заявки с сайта" and funnel.stages[0].en == "Заявки с сайта"
    # "Заявки" looks like leads: marketing up to it, sales after
    assert [s.owner for s in funnel.stages] == ["marketing"] + ["sales"] * 4
    assert table.rows[1].counts["scheta"] == 22.0
    assert table.rows[0].money == {"spend": 50000}
    assert table.unknown_columns == ("Комментарий",)


def test_one_known_stage_joins_the_inferred_ones() -> None:
    tab = Tab("S", [
        ["Month", "Calls", "Leads", "Trials", "Trials", "Deals closed"],
        ["2024-01", 500, 100, 30, 31, 8],
    ])
    table, funnel = read_summary(tab, F)
    assert funnel.keys == ("calls", "leads", "trials", "trials_2", "deals_closed")
    assert funnel.stage("leads").en == "Leads"  # the known stage keeps its labels
    assert [s.owner for s in funnel.stages] == ["marketing", "marketing", "sales", "sales",
                                                "sales"]
    assert table.rows[0].counts == {"calls": 500, "leads": 100, "trials": 30, "trials_2": 31,
                                    "deals_closed": 8}


def test_owner_rule_without_lead_like_names() -> None:
    # no lead-like name: the first half (rounded down, at least one) is marketing's
    assert guess_owners(["A", "B"]) == ["marketing", "sales"]
    assert guess_owners(["A", "B", "C"]) == ["marketing", "sales", "sales"]
    assert guess_owners(["A", "B", "C", "D"]) == ["marketing", "marketing", "sales", "sales"]
    # the last lead-like name closes marketing, but one stage always stays with sales
    assert guess_owners(["Visits", "Leads", "Briefs", "Meetings", "Paid"]) == [
        "marketing", "marketing", "marketing", "sales", "sales"]
    assert guess_owners(["Visits", "Leads"]) == ["marketing", "sales"]


def test_summary_layout_errors_name_the_tab() -> None:
    with pytest.raises(LayoutError, match=r"'Plan'.*period"):
        read_summary(Tab("Plan", [["Лиды", "Встречи"], [1, 2]]), F)
    with pytest.raises(LayoutError, match=r"'One'.*two stage columns"):
        read_summary(Tab("One", [["Месяц", "Лиды", "Заметки"], ["Jan 2024", 1, "x"]]), F)


def test_custom_funnel_summary() -> None:
    funnel = funnel_from_dict({"stage": [
        {"key": "calls", "en": "Calls", "ru": "Звонки", "owner": "marketing"},
        {"key": "deals", "en": "Deals", "ru": "Сделки", "owner": "sales"},
    ]})
    tab = Tab("T", [["Период", "Сделки", "Звонки"], ["03.2024", 3, 40]])
    table, used = read_summary(tab, funnel)
    assert used is funnel and table.stage_keys == ("calls", "deals")
    assert table.rows[0].counts == {"calls": 40, "deals": 3}


# ---------------------------------------------------------------- deal log

D = serial  # for short rows below

EN_LOG = Tab("Deals", [
    ["CRM export, 2024"],
    ["Deal ID", "Created", "Channel", "Manager", "Status", "Meeting date", "Proposal date",
     "Amount", "Paid amount", "Payment date", "Lost reason"],  # row 2
    [1001, D(date(2024, 1, 1)) + 0.5, "SEO", "Anna", "Won", D(date(2024, 1, 4)),
     D(date(2024, 1, 9)), 1000.0, 1000.0, D(date(2024, 1, 19))],  # row 3
    [1002, "02.01.2024", "Ads", "Boris", "Closed lost", D(date(2024, 1, 5)), None, "2 000",
     None, None, "price"],  # row 4
    [1003, D(date(2024, 1, 3)), "Ads", "Anna", None, None, None, 500],  # row 5: open
    [1004, D(date(2024, 1, 3)), "SEO", "Boris", "", D(date(2024, 1, 5)), None, None, None,
     D(date(2024, 2, 1))],  # row 6: no status, paid -> won
    [1005, None, "SEO", "Anna", "Open"],  # row 7: no created date
    [1006, D(date(2024, 1, 9)), "SEO", "Anna", "Maybe later"],  # row 8
    [1007, D(date(2024, 1, 9)), "SEO", "Anna", "В работе", D(date(2023, 12, 30))],  # row 9
    [],  # row 10
    [1008, "yesterday", "SEO"],  # row 11
    [None, D(date(2024, 1, 10)), "VK", None, "Open", None, None, "abc"],  # row 12
    [1009, D(date(2024, 1, 10)), "VK", "Anna", "Won", D(date(2024, 1, 12)),
     D(date(2024, 1, 11)), 900, 900, D(date(2024, 6, 20))],  # row 13
    [True, False, True, True, True],  # row 14: booleans everywhere
])


def test_english_deal_log() -> None:
    log = read_deal_log(EN_LOG, F, locale="en_US", today=TODAY)
    assert log.tab == "Deals"
    assert log.stage_keys == ("leads", "meetings", "proposals", "paid")
    by_id = {d.id: d for d in log.deals}
    assert list(by_id) == ["1001", "1002", "1003", "1004", "1006", "1007", "row 12", "1009"]
    won = by_id["1001"]
    assert won.status == "won" and won.row == 3
    assert won.created == date(2024, 1, 1)
    assert won.stage_dates == {"leads": date(2024, 1, 1), "meetings": date(2024, 1, 4),
                               "proposals": date(2024, 1, 9), "paid": date(2024, 1, 19)}
    assert (won.channel, won.manager, won.amount, won.paid_amount) == ("SEO", "Anna", 1000, 1000)
    assert won.paid_date == date(2024, 1, 19)
    lost = by_id["1002"]
    assert lost.status == "lost" and lost.lost_reason == "price" and lost.amount == 2000.0
    assert lost.created == date(2024, 1, 2)
    assert by_id["1003"].status == "open" and by_id["1003"].stage_dates == {
        "leads": date(2024, 1, 3)}
    assert by_id["1004"].status == "won"  # no status but paid
    assert by_id["1006"].status == "open"  # unknown status: a problem, counted as open
    assert by_id["1007"].stage_dates["meetings"] == date(2023, 12, 30)  # kept, but a problem
    assert by_id["row 12"].amount is None
    assert "paid" not in by_id["1009"].stage_dates  # the future payment date is left out
    assert codes(log.problems) == [
        ("B7", "missing_created"), ("E8", "unknown_status"), ("F9", "dates_out_of_order"),
        ("B11", "not_a_date"), ("H12", "not_a_number"), ("G13", "dates_out_of_order"),
        ("J13", "future_date"), ("B14", "not_a_date"), ("E14", "unknown_status"),
    ]
    assert log.problems[3].value == "yesterday"
    assert log.unknown_columns == ()


def test_russian_deal_log_statuses_and_columns() -> None:
    tab = Tab("Сделки", [
        ["№", "Дата создания", "Источник", "Ответственный", "Этап", "Дата брифа",
         "Встреча (дата)", "Дата КП", "Дата договора", "Бюджет сделки", "Оплачено",
         "Дата оплаты", "Причина отказа", "Клиент", "Первый ответ", "Прочее"],
        [1, "01.02.2024", "Директ", "Иванов", "Успешно реализовано", "02.02.2024",
         "05.02.2024", "07.02.2024", "10.02.2024", "150 000", "150 000,00", "15.02.2024", None,
         "ООО Ромашка", "01.02.2024"],
        [2, "03.02.2024", "SEO", "Петров", "Закрыто и не реализовано", "04.02.2024", None, None,
         None, "80 000", None, None, "Дорого"],
        [3, "05.02.2024", "SEO", "Петров", "Встреча назначена"],  # a stage name: open
        [4, "05.02.2024", "SEO", "Петров", "Переговоры"],
        [5, "06.02.2024", "SEO", "Петров", "Отказ"],
        [6, "06.02.2024", "SEO", "Петров", "Оплачено"],
        [7, "06.02.2024", "SEO", "Петров", "Новая"],
        [8, "07.02.2024", "SEO", "Петров", "Отказ после встречи"],
    ])
    assert classify_tab(tab, F) == "deals"
    log = read_deal_log(tab, F, locale="ru_RU")
    assert log.stage_keys == ("leads", "qualified", "meetings", "proposals", "contracts", "paid")
    first = log.deals[0]
    assert first.status == "won" and first.amount == 150000.0 and first.paid_amount == 150000.0
    assert first.customer_id == "ООО Ромашка" and first.first_response == date(2024, 2, 1)
    assert first.stage_dates["contracts"] == date(2024, 2, 10)
    assert [d.status for d in log.deals] == ["won", "lost", "open", "open", "lost", "won",
                                             "open", "lost"]
    assert log.deals[1].lost_reason == "Дорого"
    assert log.unknown_columns == ("Прочее",)
    assert log.problems == ()


def test_created_column_dates_the_lead_stage_of_a_custom_funnel() -> None:
    funnel = funnel_from_dict({"stage": [
        {"key": "inquiry", "en": "Inquiry", "owner": "marketing"},
        {"key": "visit", "en": "Visit", "owner": "sales"},
        {"key": "sale", "en": "Sale", "owner": "sales"},
    ]})
    tab = Tab("L", [["Created", "Visit date", "Status"], ["2024-03-01", "2024-03-04", "won"]])
    log = read_deal_log(tab, funnel)
    assert log.stage_keys == ("inquiry", "visit")
    assert log.deals[0].stage_dates == {"inquiry": date(2024, 3, 1), "visit": date(2024, 3, 4)}


def test_deal_log_without_created_column() -> None:
    with pytest.raises(LayoutError, match=r"'X'.*creation date"):
        read_deal_log(Tab("X", [["ID", "Status"], [1, "won"]]), F)


def test_duplicate_columns_in_a_deal_log() -> None:
    tab = Tab("D", [["ID", "Created", "Status", "Status", "Лиды"], [1, "2024-01-01", "won",
                                                                     "lost", "2024-01-01"]])
    log = read_deal_log(tab, F)
    assert codes(log.problems) == [("D1", "duplicate_column"), ("E1", "duplicate_column")]
    assert log.deals[0].status == "won"


# ---------------------------------------------------------------- choosing tabs

NOTES = Tab("Notes", [["Как заполнять"], ["Вносите данные каждый месяц"]])


def test_read_tabs_picks_summary_and_deal_log() -> None:
    parsed = read_tabs([NOTES, RU_SUMMARY, EN_LOG], today=TODAY)
    assert parsed.summary is not None and parsed.summary.tab == "Воронка"
    assert parsed.deals is not None and parsed.deals.tab == "Deals"
    assert parsed.funnel is F
    assert parsed.skipped_tabs == ("Notes",)
    assert parsed.unknown_columns == ("Воронка: Комментарий",)
    assert len(parsed.problems) == len(parsed.summary.problems) + len(parsed.deals.problems)
    assert parsed.problems[0].tab == "Воронка" and parsed.problems[-1].tab == "Deals"


def test_read_tabs_takes_the_first_of_each_kind() -> None:
    second = Tab("Копия", RU_SUMMARY.rows)
    parsed = read_tabs([RU_SUMMARY, second])
    assert parsed.summary is not None and parsed.summary.tab == "Воронка"
    assert parsed.deals is None and parsed.skipped_tabs == ("Копия",)


def test_read_tabs_named_tabs() -> None:
    second = Tab("Копия", RU_SUMMARY.rows)
    parsed = read_tabs([RU_SUMMARY, second, EN_LOG], tab_names=["копия"])
    assert parsed.summary is not None and parsed.summary.tab == "Копия"
    assert parsed.deals is None
    with pytest.raises(LayoutError, match=r"Tab 'Notes' is not a funnel tab.*Месяц"):
        read_tabs([NOTES, RU_SUMMARY], tab_names=["Notes"])
    with pytest.raises(LayoutError, match=r"no tab named 'Nope'.*'Notes'"):
        read_tabs([NOTES], tab_names=["Nope"])
    with pytest.raises(LayoutError, match="Tab 'Empty' is empty"):
        read_tabs([Tab("Empty", [[], [None, ""]])], tab_names=["Empty"])


def test_read_tabs_without_a_funnel_tab_says_what_is_expected() -> None:
    with pytest.raises(LayoutError) as info:
        read_tabs([NOTES, Tab("Лист2", [])])
    message = str(info.value)
    assert "'Notes', 'Лист2'" in message
    assert "'Month'/'Месяц'" in message and "'Created'/'Дата создания'" in message
    assert message.count(".") >= 1 and "\n" not in message


def test_inferred_funnel_is_returned_and_used_for_the_deal_log() -> None:
    tab = Tab("S", [["Period", "Calls", "Trials", "Sales"], ["Jan 2024", 10, 3, 1]])
    log = Tab("L", [["Created", "Trial date", "Status"], ["2024-01-02", "2024-01-05", "open"]])
    parsed = read_tabs([tab, log])
    assert parsed.funnel.inferred and parsed.funnel.keys == ("calls", "trials", "sales")
    assert parsed.deals is not None
    assert parsed.deals.stage_keys == ("calls", "trials")  # created dates the first stage
    assert set(parsed.deals.stage_keys) <= set(parsed.funnel.keys)


def test_classify() -> None:
    assert classify_tab(RU_SUMMARY, F) == "summary"
    assert classify_tab(EN_LOG, F) == "deals"
    assert classify_tab(NOTES, F) is None
    assert classify_tab(Tab("E", []), F) is None
    # a created column alone is not a deal log; a month with one text column is no summary
    assert classify_tab(Tab("C", [["Created", "Comment"], ["2024-01-01", "x"]]), F) is None
    assert classify_tab(Tab("M", [["Month", "Comment"], ["Jan 2024", "x"]]), F) is None


# ---------------------------------------------------------------- never crash

CELL = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**20, max_value=10**20), st.floats(),
    st.text(max_size=8), st.dates(), st.datetimes(),
    st.sampled_from(["#DIV/0!", "Итого", "Jan 2024", "31.01.2024", "1 234,5", "Won", "Отказ",
                     "", " "]),
)
HEADERS = st.sampled_from([
    "Месяц", "Period", "Лиды", "Встречи", "Оплаты", "Бюджет", "Revenue", "Канал", "Manager",
    "ID", "Created", "Дата создания", "Status", "Дата встречи", "Сумма", "Paid date",
    "Lost reason", "Заметки", "Calls", "", None, 5,
])
GRID = st.lists(st.lists(CELL, max_size=8), max_size=8)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(HEADERS, min_size=1, max_size=8), GRID, st.sampled_from([None, "ru", "en"]),
       st.sampled_from([None, TODAY]))
def test_arbitrary_tabs_never_crash(header: list[object], body: list[list[object]],
                                    locale: str | None, today: date | None) -> None:
    tab = Tab("T", [header, *body])
    kind = classify_tab(tab, F)
    try:
        parsed = read_tabs([tab], locale=locale, today=today)
    except LayoutError as e:
        assert kind is None and "T" in str(e)
        return
    assert kind is not None
    for p in parsed.problems:
        assert p.tab == "T" and p.cell[0].isalpha() and p.cell[-1].isdigit()
    if parsed.summary is not None:
        periods = [(r.period, r.segment) for r in parsed.summary.rows]
        assert periods == sorted(periods, key=lambda x: (x[0], x[1] or ""))
        assert len(set(periods)) == len(periods)
        for row in parsed.summary.rows:
            assert all(v >= 0 for v in row.counts.values())
    if parsed.deals is not None:
        for deal in parsed.deals.deals:
            assert deal.status in ("open", "won", "lost")
            assert deal.stage_dates[parsed.deals.stage_keys[0]] == deal.created


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(GRID)
def test_readers_never_crash_on_bodies_under_real_headers(body: list[list[object]]) -> None:
    summary = Tab("S", [["Месяц", "Канал", "Лиды", "Встречи", "Бюджет"], *body])
    table, _ = read_summary(summary, F, locale="ru", today=TODAY)
    assert all(isinstance(p, Problem) for p in table.problems)
    log = Tab("L", [["ID", "Created", "Status", "Meeting date", "Amount", "Paid date"], *body])
    deals = read_deal_log(log, F, today=TODAY)
    assert len(deals.deals) <= len(body)
