"""The KPI tab's money cells carry the report's currency, not the spreadsheet locale's guess: a
USD deal log synced into a Russian spreadsheet shows dollars in both writers' number formats."""

from __future__ import annotations

from datetime import UTC, date, datetime

from funnel_kpi import Tab, analyse
from sheets_sync.backends.sheets_requests import cell_formats
from sheets_sync.number_formats import display, pattern
from sheets_sync.render import render
from tests.core.test_currency import DEALS

WHEN = datetime(2024, 10, 31, 7, 0, tzinfo=UTC)


def money_patterns(grid: object, locale: str) -> set[str]:
    formats = cell_formats(grid, locale)  # type: ignore[arg-type]
    return {f["numberFormat"]["pattern"] for f in formats.values()
            if f.get("numberFormat", {}).get("type") == "CURRENCY"}


def test_a_usd_log_in_a_russian_spreadsheet_shows_dollars() -> None:
    report = analyse([Tab("Deals", DEALS)], today=date(2024, 10, 31)).report
    grid = render(report, lang="ru", title="Показатели", synced_at=WHEN)
    assert grid.currency == "USD"
    assert money_patterns(grid, "ru_RU") == {"[$$-409]#,##0", "[$$-409]#,##0.00"}
    assert display(16250.5, "money_cents", "ru_RU", "USD") == "$16\u00a0250,50"


def test_without_a_currency_the_locale_decides_and_the_tab_says_so() -> None:
    rows: list[list[object]] = [["Месяц", "Лиды", "Оплаты", "Выручка"],
                                ["2024-01", 100, 10, 120000], ["2024-02", 120, 12, 130000]]
    report = analyse([Tab("Воронка", rows)], locale="ru_RU", today=date(2024, 3, 15)).report
    grid = render(report, lang="ru", title="Показатели", synced_at=WHEN)
    # the spreadsheet's currency by its language, and the tab says it was guessed
    assert grid.currency == "RUB" and report.currency is None
    assert any("в данных валюта не указана" in str(c) for row in grid.rows for c in row)
    assert money_patterns(grid, "ru_RU") <= {"#,##0 [$₽-419]", "#,##0.00 [$₽-419]"}
    assert money_patterns(grid, "ru_RU")


def test_another_currency_is_its_symbol_after_the_number() -> None:
    assert pattern("money", "en_US", "EUR") == '#,##0 "€"'
    assert pattern("money_cents", "ru_RU", "KZT") == '#,##0.00 "KZT"'
    assert display(1234, "money", "en_US", "EUR") == "1,234\u00a0€"
