"""The report's view (funnel_kpi.report_view) against values worked by hand, and stored reports:
every template's and demo workbook's report round-trips through JSON to the same view."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from funnel_kpi import FunnelReport, GapSplit, Tab, analyse, report_view
from funnel_kpi.report.plan import Driver

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
NBSP = "\u00a0"
# Three months of a summary; March is in progress on the 15th, so February is shown.
ROWS: list[list[object]] = [["Month", "Leads", "Qualified leads", "Paid"], ["2024-01", 100, 50, 10],
        ["2024-02", 120, 48, 12], ["2024-03", 90, 45, 9]]


@pytest.fixture(scope="module")
def report() -> FunnelReport:
    return analyse([Tab("Funnel", ROWS)], today=date(2024, 3, 15)).report


def test_the_shown_period_skips_the_month_in_progress(report: FunnelReport) -> None:
    v = report_view(report, "en")
    assert (v.period, v.in_progress, v.pending, v.status) == ("2024-02", False, False, "ok")
    assert report.shown_period() is report.period("2024-02")


def test_stage_rows(report: FunnelReport) -> None:
    leads, qualified, paid = report_view(report, "en").stages
    # February: 120 leads, 48 qualified (48/120 = 40 %), 12 paid (12/48 = 25 %, 12/120 = 10 %)
    assert (leads.count, leads.step, leads.cumulative, leads.drop_off) == (120, None, 1.0, None)
    assert (qualified.count, qualified.step, qualified.cumulative, qualified.drop_off) == (
        48, 0.4, 0.4, 72)
    assert (paid.count, paid.step, paid.drop_off) == (12, 0.25, 36)
    assert paid.cumulative == pytest.approx(0.1)
    # the least converting step, 25 %, leads into Paid
    assert [s.bottleneck for s in (leads, qualified, paid)] == [False, False, True]
    assert (leads.owner_label, paid.owner_label) == ("Marketing", "Sales")
    assert (qualified.step_text, qualified.drop_off_text, leads.step_text) == (
        "40.0%", "72", "—")
    # counts against January: 120/100 = +20 %, 48/50 = -4 %; no year before
    assert leads.mom.value == pytest.approx(0.2)
    assert (leads.mom.text, leads.mom.direction) == ("+20.0%", "up")
    assert (qualified.mom.text, qualified.mom.direction, qualified.mom.tone) == (
        "-4.0%", "down", "bad")
    assert (leads.yoy.value, leads.yoy.reason, leads.yoy.text, leads.yoy.arrow) == (
        None, "no_year_before", "—", "")


def test_kpi_rows_in_registry_order_with_units_and_moves(report: FunnelReport) -> None:
    kpis = {k.id: k for k in report_view(report, "en").kpis}
    ids = [k.id for k in report_view(report, "en").kpis]
    assert ids.index("overall_conversion") < ids.index("new_customers")
    mc = kpis["marketing_conversion"]  # 48/120 against 50/100: -10 pp
    assert (mc.value, mc.unit, mc.kind, mc.text) == (0.4, "ratio", "percent", "40.0%")
    assert mc.mom.value == pytest.approx(-0.1) and mc.mom.text == "-10.0 pp"
    # 95 % Wilson intervals of 50/100 (0.404-0.596) and 48/120 (0.314-0.488) overlap: noise
    assert mc.mom.noise and (mc.mom.arrow, mc.mom.tone) == ("≈", "noise")
    new = kpis["new_customers"]  # 12 payments against 10: +20 %, more is better
    assert (new.text, new.kind, new.mom.text, new.mom.arrow, new.mom.tone) == (
        "12", "integer", "+20.0%", "▲", "good")
    ru = {k.id: k for k in report_view(report, "ru").kpis}
    assert ru["marketing_conversion"].text == f"40,0{NBSP}%"
    assert ru["marketing_conversion"].mom.text == f"-10,0{NBSP}п.{NBSP}п."
    assert ru["new_customers"].name == "Новые клиенты"


def test_the_month_table_has_every_month_and_the_total(report: FunnelReport) -> None:
    table = report_view(report, "ru").months
    assert table is not None
    assert table.columns == ("2024-01", "2024-02", "2024-03", "total")
    assert table.column_labels[-1] == "Итого"
    mc = next(r for r in table.rows if r.id == "marketing_conversion")
    # 50/100, 48/120, 45/90; the total 143/310
    assert mc.values[:3] == (0.5, 0.4, 0.5) and mc.values[3] == pytest.approx(143 / 310)


def test_the_plan_section() -> None:
    gap = GapSplit("2024-02", "revenue", 1000.0, 900.0, "lmdi", ("2024-01",),
                   (Driver("count:leads", "Leads", "Лиды", "count", 120.0, 100.0, 80.0),
                    Driver("average_deal", "Average deal", "Средний чек", "money", None, 50.0,
                           -180.0)), 0.0)
    v = report_view(analyse([Tab("Funnel", ROWS)], today=date(2024, 3, 15)).report, "en",
                    plan=gap)
    assert v.plan is not None and v.plan.title == "Plan, 2024-02"
    assert v.plan.rows() == (("Leads", "120", "100", "+80"), ("Average deal", "—", "50", "-180"),
                             ("Total: fact - plan", "900", "1,000", "-100"))
    assert GapSplit.from_dict(gap.to_dict()) == gap


@pytest.mark.parametrize("name", sorted(p.name for p in TEMPLATES.glob("*.xlsx")))
def test_a_stored_report_gives_the_same_view(name: str) -> None:
    book = CalamineWorkbook.from_path(str(TEMPLATES / name))
    tabs = [Tab(n, book.get_sheet_by_name(n).to_python()) for n in book.sheet_names
            if n not in ("KPI", "Показатели")]
    report = analyse(tabs, today=date(2026, 12, 1)).report
    stored = FunnelReport.from_dict(report.to_dict())
    assert stored.to_dict() == report.to_dict()
    for lang in ("en", "ru"):
        assert report_view(stored, lang) == report_view(report, lang)
