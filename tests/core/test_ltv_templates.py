"""One LTV on the templates and the demo, worked from their own cells: the headline is the
historical LTV where a deal log exists, else the contractual one; LTV:CAC uses the same."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from funnel_kpi import Tab
from funnel_kpi.api import analyse

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
TODAY = date(2026, 12, 1)


def tabs(name: str) -> list[Tab]:
    book = CalamineWorkbook.from_path(str(TEMPLATES / name))
    return [Tab(n, book.get_sheet_by_name(n).to_python()) for n in book.sheet_names
            if n not in ("KPI", "Показатели")]


@pytest.mark.parametrize("name", ["funnel_summary_en.xlsx", "funnel_summary_ru.xlsx"])
def test_a_summary_template_has_the_contractual_ltv(name: str) -> None:
    book = tabs(name)
    rows = book[0].rows
    head = rows[0]
    col = {h: i for i, h in enumerate(head)}
    revenue = next(i for h, i in col.items() if h.startswith(("Revenue", "Выручка")))
    margin = next(i for h, i in col.items() if h.startswith(("Margin", "Маржа")))
    customers = next(i for h, i in col.items() if "ustomers" in h or "лиенты на" in h)
    churned = next(i for h, i in col.items() if h.startswith(("Churned", "Ушедшие")))
    report = analyse(book, today=TODAY).report
    checked = 0
    for row in rows[1:]:
        period = f"{row[0].year:04d}-{row[0].month:02d}"
        k = report.period(period).kpis
        if not row[churned] or not row[customers]:
            continue
        # contractual = ARPU x margin / churn = (revenue / customers) x margin /
        # (churned / customers) = revenue x margin / churned
        expected = row[revenue] * row[margin] / row[churned]
        assert k["ltv_contractual"].value == pytest.approx(expected, rel=1e-9)
        assert k["ltv"].value == pytest.approx(expected, rel=1e-9)  # no deal log: contractual
        assert k["ltv_simple"].value is None  # nobody said how often a customer buys
        if k["cac"].value:
            assert k["ltv_cac"].value == pytest.approx(expected / k["cac"].value, rel=1e-9)
        checked += 1
    assert checked >= 12


@pytest.mark.parametrize("name", ["demo_ru.xlsx", "demo_en.xlsx"])
def test_the_demo_has_the_historical_ltv(name: str) -> None:
    book = tabs(name)
    deals = next(t for t in book if t.name in ("Deals", "Сделки")).rows
    col = {h: i for i, h in enumerate(deals[0])}
    status = next(i for h, i in col.items() if h in ("Status", "Статус"))
    paid = next(i for h, i in col.items() if h in ("Paid amount", "Сумма оплаты"))
    amount = next(i for h, i in col.items() if h in ("Amount", "Сумма"))
    customer = next(i for h, i in col.items() if h in ("Customer ID", "ID клиента"))
    won = [r for r in deals[1:] if len(r) > status and str(r[status]).strip().lower() in
           ("won", "выиграна", "успешно", "оплачено")]
    money = [r[paid] if r[paid] not in (None, "") else r[amount] for r in won]
    money_won = [(m, r) for m, r in zip(money, won, strict=True) if m not in (None, "")]
    customers = {str(r[customer]).strip() or f"deal {r[0]}" for _, r in money_won}
    # historical LTV = what won deals paid / distinct customers who paid
    expected = math.fsum(float(m) for m, _ in money_won) / len(customers)
    total = analyse(book, today=TODAY).report.total.kpis
    assert total["ltv_historical"].value == pytest.approx(expected, rel=1e-9)
    assert total["ltv"].value == pytest.approx(expected, rel=1e-9)
    assert total["ltv_cac"].value == pytest.approx(expected / total["cac"].value, rel=1e-9)
