"""Header recognition in Russian and English, for the default and for custom funnels."""

from __future__ import annotations

import pytest

from funnel_kpi.model import DEFAULT_FUNNEL, funnel_from_dict
from funnel_kpi.parse.headers import (
    DEAL_ALIASES,
    SUMMARY_ALIASES,
    Match,
    find_header_row,
    match_header,
    normalize,
)

F = DEFAULT_FUNNEL


@pytest.mark.parametrize(("text", "expected"), [
    ("Бюджет, ₽", "бюджет"),
    ("Spend ($)", "spend"),
    ("Spend, $", "spend"),
    ("Бюджет (тыс. руб.)", "бюджет"),
    ("Лиды, шт.", "лиды"),
    ("Встреча (дата)", "встреча дата"),
    ("  MARKETING   spend  ", "marketing spend"),
    ("Затраты_на_продажи", "затраты на продажи"),
    ("Ёмкость", "емкость"),
    ("Кол-во лидов", "кол во лидов"),
    ("№", "№"),
    ("Deal #", "deal #"),
    (None, ""),
    (12, "12"),
])
def test_normalize(text: object, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize("field", list(SUMMARY_ALIASES))
def test_every_summary_alias_finds_its_field(field: str) -> None:
    for alias in SUMMARY_ALIASES[field]:
        for variant in (alias, alias.upper(), f" {alias.lower()} "):
            assert match_header(variant, F, "summary") == Match("field", field), variant


@pytest.mark.parametrize("field", list(DEAL_ALIASES))
def test_every_deal_alias_finds_its_field(field: str) -> None:
    for alias in DEAL_ALIASES[field]:
        assert match_header(alias, F, "deals") == Match("field", field), alias


@pytest.mark.parametrize(("text", "stage"), [
    ("Трафик", "traffic"), ("Visits", "traffic"), ("Лиды", "leads"), ("Заявки", "leads"),
    ("Кол-во лидов", "leads"), ("# of leads", "leads"), ("Брифы", "qualified"),
    ("MQL", "qualified"), ("Принятые продажами", "sal"), ("SAL", "sal"),
    ("Встречи", "meetings"), ("Number of meetings", "meetings"), ("Демо", "meetings"),
    ("КП", "proposals"), ("Коммерческие предложения", "proposals"), ("Proposals", "proposals"),
    ("Договоры", "contracts"), ("Contracts", "contracts"), ("Оплаты", "paid"),
    ("Продажи", "paid"), ("Won", "paid"), ("Встреча", "meetings"), ("Бриф", "qualified"),
    ("Лиды, шт.", "leads"),
])
def test_stage_count_columns(text: str, stage: str) -> None:
    assert match_header(text, F, "summary") == Match("stage", stage)


@pytest.mark.parametrize(("text", "stage"), [
    ("Дата встречи", "meetings"), ("Встреча (дата)", "meetings"), ("Meeting date", "meetings"),
    ("Date of proposal", "proposals"), ("Дата КП", "proposals"), ("Дата договора", "contracts"),
    ("Contract date", "contracts"), ("Дата брифа", "qualified"), ("SAL date", "sal"),
    ("Дата принятия продажами", "sal"), ("Дата демо", "meetings"), ("Proposal date", "proposals"),
    ("Встреча", "meetings"),  # a bare stage name in a deal log holds the date it was reached
])
def test_stage_date_columns(text: str, stage: str) -> None:
    assert match_header(text, F, "deals") == Match("stage", stage)


def test_same_header_means_different_things_per_shape() -> None:
    assert match_header("Оплачено", F, "summary") == Match("stage", "paid")  # a count
    assert match_header("Оплачено", F, "deals") == Match("field", "paid_amount")  # money
    assert match_header("Бюджет", F, "summary") == Match("field", "spend")
    assert match_header("Бюджет", F, "deals") == Match("field", "amount")
    assert match_header("Дата встречи", F, "summary") is None  # not a count of meetings
    assert match_header("Дата", F, "summary") == Match("field", "period")
    assert match_header("Дата", F, "deals") is None


@pytest.mark.parametrize("text", ["Комментарий", "Notes", "", "   ", "Конверсия, %", "Дата"])
def test_unknown_headers(text: str) -> None:
    assert match_header(text, F, "deals") is None


def test_custom_funnel_stages_are_recognised() -> None:
    funnel = funnel_from_dict({"stage": [
        {"key": "calls", "en": "Calls", "ru": "Звонки", "owner": "marketing"},
        {"key": "demos", "en": "Demos / Presentations", "ru": "Презентации", "owner": "sales",
         "aliases": ["показы"]},
        {"key": "deals", "en": "Closed deals", "ru": "Закрытые сделки", "owner": "sales"},
    ]})
    assert match_header("Звонки", funnel, "summary") == Match("stage", "calls")
    assert match_header("Presentations", funnel, "summary") == Match("stage", "demos")
    assert match_header("Показы", funnel, "summary") == Match("stage", "demos")
    assert match_header("Дата презентации", funnel, "deals") == Match("stage", "demos")
    assert match_header("Closed deal date", funnel, "deals") == Match("stage", "deals")
    assert match_header("Лиды", funnel, "summary") is None  # not a stage of this funnel


def test_header_row_found_below_a_title_with_blank_and_duplicate_cells() -> None:
    rows = [
        ["Воронка продаж 2024"],
        [],
        [None, "Маркетинг", None, "Продажи"],  # a merged group row above the real header
        ["Месяц", "Лиды", "", "Встречи", "Лиды", "Комментарий", "Бюджет, ₽"],
        ["Январь 2024", 100, None, 30, 99, "ok", 5000],
    ]
    row, hm = find_header_row(rows, F, "summary") or (None, None)
    assert row == 3 and hm is not None
    assert hm.fields == {"period": 0, "spend": 6}
    assert hm.stages == {"leads": 1, "meetings": 3}
    assert hm.duplicates == (4,)  # the second "Лиды": the first one wins
    assert hm.unknown == (5,)
    assert hm.headers[2] == ""


def test_header_row_search_is_limited_and_may_fail() -> None:
    assert find_header_row([[1, 2], [None], []], F) is None
    assert find_header_row([], F) is None
    rows: list[list[object]] = [["x"]] * 30 + [["Месяц", "Лиды", "Встречи"]]
    assert find_header_row(rows, F) is None  # only the first 30 rows are searched
    found = find_header_row(rows[1:], F)
    assert found is not None and found[0] == 29


def test_shape_none_picks_the_better_reading() -> None:
    found = find_header_row([["ID", "Дата создания", "Статус", "Сумма", "Дата встречи"]], F)
    assert found is not None and found[1].shape == "deals"
    found = find_header_row([["Период", "Лиды", "Встречи", "Выручка"]], F)
    assert found is not None and found[1].shape == "summary"


def _every_row_mapped(rows: list[list[object]], shape: str | None,
                      pins: dict[str, str] | None) -> object:
    """find_header_row as it was before rows without a header were skipped: every row mapped."""
    from funnel_kpi.parse.headers import HEADER_SCAN_ROWS, SHAPES, _map_row, lookup_for

    best = None
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if not any(isinstance(c, str) for c in row):
            continue
        for sh in SHAPES if shape is None else (shape,):
            hm = _map_row(row, i, DEFAULT_FUNNEL, lookup_for(DEFAULT_FUNNEL), sh,  # type: ignore[arg-type]
                          pins)
            if hm.score and (best is None or hm.score > best.score):
                best = hm
    return None if best is None else (best.row, best)


@pytest.mark.parametrize("pins", [None, {"notes": "ignore"}, {"notes": "paid"},
                                  {"month": "ignore", "notes": "leads"}])
@pytest.mark.parametrize("shape", [None, "summary", "deals"])
def test_skipping_rows_without_a_header_finds_the_same_row(
        shape: str | None, pins: dict[str, str] | None) -> None:
    from funnel_kpi.parse.headers import find_header_row

    tabs: list[list[list[object]]] = [
        [["Report"], ["", " "], ["Month", "Leads", "Paid", "Notes"], ["2024-01", 10, 2, "x"]],
        [["Notes", "whatever"], ["2024-01-05", "Notes"], ["Deal", "Created", "Status", "Amount"],
         ["1", "2024-01-05", "won", 100]],
        [["Notes"], [1, 2, 3], ["  Month ", 5], ["no", "header", "here"]],
        [["nothing"], ["at", "all"]],
        [["Month", "Notes"], ["Notes", "Month", "Leads"]],
    ]
    for rows in tabs:
        assert find_header_row(rows, DEFAULT_FUNNEL, shape, pins) == _every_row_mapped(  # type: ignore[arg-type]
            rows, shape, pins)
