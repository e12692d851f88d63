"""The report's currency (FunnelReport.currency) from what the input says, and every money
figure of the view written in it: a USD deal log (HubSpot's headers, a Currency column) shows
"$" in English and Russian, a rouble summary "₽", a log in two currencies is ``check``."""

from __future__ import annotations

from datetime import date

import pytest

from funnel_kpi import FunnelReport, Tab, analyse, report_view, view_dict
from funnel_kpi.parse.currency import cell_currency, header_currency

NBSP = "\u00a0"
HUBSPOT = ["Record ID", "Deal Name", "Deal Stage", "Amount", "Create Date", "Close Date",
           "Currency"]
# September's cohort: deals 1 and 3 won (12,000 + 4,250.50 = 16,250.50; average 8,125.25),
# deal 2 lost; deal 4 (October) is open.
DEALS: list[list[object]] = [
    HUBSPOT,
    [1, "a", "Closed Won", 12000, "2024-09-02", "2024-09-30", "USD"],
    [2, "b", "Closed Lost", 7000, "2024-09-10", "2024-09-24", "USD"],
    [3, "c", "Closed Won", 4250.5, "2024-09-23", "2024-10-14", "USD"],
    [4, "d", "Appointment Scheduled", 5000, "2024-10-04", "2024-10-30", "USD"]]


def money_texts(report: FunnelReport, lang: str, period: str) -> dict[str, str]:
    v = report_view(report, lang)
    assert v.period == period
    return {k.id: k.text for k in v.kpis if k.unit == "money"}


def test_a_usd_deal_log_shows_dollars_in_both_languages() -> None:
    report = analyse([Tab("Deals", DEALS)], today=date(2024, 10, 31)).report
    assert (report.currency, report.status) == ("USD", "ok")
    en, ru = (money_texts(report, lang, "2024-09") for lang in ("en", "ru"))
    assert (en["revenue"], en["average_deal"]) == ("$16,250.50", "$8,125.25")
    assert (ru["revenue"], ru["average_deal"]) == (f"16{NBSP}250,50{NBSP}$",
                                                   f"8{NBSP}125,25{NBSP}$")
    # the report's own currency wins over a caller's guess (the dashboard's locale)
    assert report_view(report, "en", currency="RUB").kpis == report_view(report, "en").kpis
    stored = FunnelReport.from_dict(report.to_dict())
    assert stored.currency == "USD" and view_dict(report_view(stored, "ru"))["currency"] == "USD"


def test_a_rouble_summary_shows_roubles() -> None:
    rows: list[list[object]] = [["Месяц", "Лиды", "Оплаты", "Выручка"],
                                ["2024-01", 100, 10, "120 000 ₽"],
                                ["2024-02", 120, 12, "1 234,56 ₽"],
                                ["2024-03", 90, 9, "99 000 ₽"]]
    report = analyse([Tab("Воронка", rows)], locale="ru_RU", today=date(2024, 3, 15)).report
    assert report.currency == "RUB"
    ru = money_texts(report, "ru", "2024-02")  # March is in progress
    # February: 1 234,56 ₽ revenue, 12 paid: 1 234,56 / 12 = 102,88 ₽ a deal
    assert (ru["revenue"], ru["average_deal"]) == (f"1{NBSP}234,56{NBSP}₽", f"102,88{NBSP}₽")
    assert money_texts(report, "en", "2024-02")["revenue"] == f"1,234.56{NBSP}₽"


def test_two_currencies_are_check_with_the_reason() -> None:
    mixed = [list(r) for r in DEALS]
    mixed[2][6] = "RUB"
    report = analyse([Tab("Deals", mixed)], today=date(2024, 10, 31)).report
    assert (report.currency, report.status) == (None, "check")
    assert report.status_reasons("en") == (
        "amounts in more than one currency are added up as they are: Deals!G1",)
    assert money_texts(report, "en", "2024-09")["revenue"] == "16,250.50"  # no symbol


def test_symbols_in_money_cells_of_two_currencies_are_check() -> None:
    rows: list[list[object]] = [["Month", "Leads", "Paid", "Revenue"],
                                ["2024-01", 100, 10, "$1,200.50"], ["2024-02", 120, 12, "900 ₽"]]
    report = analyse([Tab("Funnel", rows)], today=date(2024, 3, 15)).report
    assert (report.currency, report.status) == (None, "check")
    assert [p.cell for p in report.problems if p.code == "mixed_currency"] == ["D3"]


@pytest.mark.parametrize(("cell", "code"), [
    ("$1,200.50", "USD"), ("1 234,56 ₽", "RUB"), ("100 руб.", "RUB"), ("-€5", "EUR"),
    ("(1 200 р.)", "RUB"), ("1200", None), (1200, None), ("USD", None), ("$", None)])
def test_cell_currency(cell: object, code: str | None) -> None:
    assert cell_currency(cell) == code


def test_header_currency() -> None:
    assert [header_currency(h) for h in ("Бюджет, ₽", "Spend ($)", "Выручка, руб.", "Revenue",
                                         "Сумма (р)")] == ["RUB", "USD", "RUB", None, "RUB"]


def test_a_currency_the_caller_guessed_is_said_in_the_notes() -> None:
    rows: list[list[object]] = [["Month", "Leads", "Paid", "Revenue"],
                                ["2024-01", 100, 10, 120000], ["2024-02", 120, 12, 130000]]
    report = analyse([Tab("Funnel", rows)], today=date(2024, 3, 15)).report
    assert report.currency is None
    guessed = report_view(report, "en", currency="RUB")
    assert guessed.notes[-1] == ("Money is shown in ₽ by the spreadsheet's language: the data "
                                 "names no currency.")
    assert report_view(report, "ru", currency="USD").notes[-1].startswith("Деньги показаны в $")
    assert report_view(report, "en").notes == report.notes_in("en")  # no symbol, nothing to say
    usd = analyse([Tab("Deals", DEALS)], today=date(2024, 10, 31)).report
    assert report_view(usd, "en", currency="RUB").notes == usd.notes_in("en")  # the input's own


def test_a_mix_past_the_first_rows_names_no_currency_and_takes_no_guess() -> None:
    """The currency is read from the first rows; a deal in another currency further down makes
    the status check, and then no currency is named and no guessed symbol is put on money."""
    rows: list[list[object]] = [["Deal", "Created", "Status", "Amount", "Currency"]]
    rows += [[f"D{i}", f"2024-01-{i % 28 + 1:02d}", "won", 100.5, "USD"] for i in range(2100)]
    rows.append(["X", "2024-02-01", "won", 500, "RUB"])
    report = analyse([Tab("Deals", rows)], today=date(2024, 6, 1)).report
    assert (report.currency, report.status) == (None, "check")
    assert "mixed_currency" in {p.code for p in report.problems}
    view = report_view(report, "ru", currency="RUB")  # the spreadsheet's guess is not taken
    assert view.currency is None
    assert not any("₽" in k.text or "$" in k.text for k in view.kpis)
    assert not any("валюта не указана" in n for n in view.notes)


def test_a_mix_takes_no_guessed_symbol_into_the_findings() -> None:
    """A sync passes the spreadsheet's currency as a guess; on a USD/RUB mix the findings keep
    bare numbers rather than calling every amount roubles."""
    rows: list[list[object]] = [["Deal", "Created", "Status", "Amount", "Currency", "Closed"]]
    rows += [[f"D{i}", f"2024-0{i % 4 + 1}-{i % 28 + 1:02d}", "won", 100.5 + i, "USD",
              f"2024-0{i % 4 + 1}-{i % 28 + 1:02d}"] for i in range(300)]
    rows.append(["X", "2024-02-01", "won", 500, "RUB", "2024-02-01"])
    report = analyse([Tab("Deals", rows)], today=date(2024, 6, 1), currency="RUB").report
    assert (report.currency, report.status) == (None, "check")
    money = [f for f in (*report.findings, *report.findings_ru) if "→" in f]
    assert money and not any("₽" in f or "$" in f for f in money)
