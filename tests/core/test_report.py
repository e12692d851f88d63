"""The report object: JSON shape, round trip, immutability, helpers, and number formatting."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest

from funnel_kpi.errors import FunnelError
from funnel_kpi.inputs import Problem, SummaryRow, SummaryTable
from funnel_kpi.model import DEFAULT_FUNNEL
from funnel_kpi.report import textfmt as fmt
from funnel_kpi.report.build import build_report
from funnel_kpi.report.funnel_report import FunnelReport, ReportFormatError
from funnel_kpi.report.textfmt import NBSP

TOP_KEYS = {"version", "funnel", "funnel_inferred", "sources", "periods", "total", "segments",
            "deal_log", "seasonal_index", "findings", "findings_ru", "problems",
            "unknown_columns", "notes", "notes_ru", "status", "status_reasons",
            "status_reasons_ru", "columns", "forecast", "verdicts"}
PERIOD_KEYS = {"period", "in_progress", "pending", "stages", "kpis", "kpi_details", "changes",
               "bottleneck"}
STAGE_KEYS = {"key", "label", "label_ru", "owner", "count", "step_conversion",
              "cumulative_conversion", "drop_off", "drop_off_rate", "step_n", "step_ci"}


def months(n: int, start: date = date(2023, 1, 1)) -> list[date]:
    out = []
    for i in range(n):
        k = start.month - 1 + i
        out.append(date(start.year + k // 12, k % 12 + 1, 1))
    return out


@pytest.fixture(scope="module")
def report() -> FunnelReport:
    # 26 months, leads 100 + i, SAL 30 + i % 7, paid 10 + i % 3; spend 1000 x leads;
    # revenue 5000 x paid; plan 50000; one segment column.
    rows = []
    for i, d in enumerate(months(26)):
        for seg, share in (("Ads", 0.6), ("SEO", 0.4)):
            rows.append(SummaryRow(
                d, {"leads": (100 + i) * share, "qualified": 40 * share,
                    "sal": (30 + i % 7) * share, "paid": (10 + i % 3) * share},
                {"spend": 1000.0 * (100 + i) * share, "revenue": 5000.0 * (10 + i % 3) * share,
                 "plan": 25_000.0}, i + 2, seg))
    table = SummaryTable("Воронка", ("leads", "qualified", "sal", "paid"), tuple(rows),
                         segment_field="channel",
                         problems=(Problem("Воронка", "C9", "abc", "not_a_number"),),
                         unknown_columns=("Комментарий",))
    return build_report(funnel=DEFAULT_FUNNEL, summary=table, deals=None,
                        today=date(2025, 2, 14),
                        unknown_columns=("Воронка: Комментарий", "Воронка: Заметки"))


def test_json_shape(report: FunnelReport) -> None:
    d = report.to_dict()
    assert set(d) == TOP_KEYS
    assert d["version"] == 1
    assert d["funnel"][0] == {"key": "leads", "en": "Leads", "ru": "Лиды", "owner": "marketing"}
    assert d["sources"] == {"summary": "Воронка", "deal_log": None}
    assert set(d["periods"][0]) == PERIOD_KEYS
    assert set(d["total"]) == PERIOD_KEYS and d["total"]["period"] == "total"
    assert set(d["periods"][0]["stages"][1]) >= STAGE_KEYS
    assert set(d["periods"][0]["changes"]) == {"mom", "yoy"}
    assert set(d["periods"][5]["changes"]["mom"]["cac"]) == {"abs", "rel"}
    assert set(d["periods"][5]["bottleneck"]) == {"lowest_conversion", "largest_loss"}
    assert {"from", "to", "owner", "conversion", "change_vs_previous"} <= set(
        d["periods"][5]["bottleneck"]["lowest_conversion"])
    assert {"from", "to", "owner", "lost", "change_vs_previous"} <= set(
        d["periods"][5]["bottleneck"]["largest_loss"])
    assert set(d["segments"]["channel"]) == {"Ads", "SEO"}
    assert {"stages", "kpis"} <= set(d["segments"]["channel"]["Ads"])
    assert d["deal_log"] is None
    assert set(d["seasonal_index"]) == {str(m) for m in range(1, 13)}
    assert d["problems"] == [{"tab": "Воронка", "cell": "C9", "value": "abc",
                              "code": "not_a_number", "reason": "not a number",
                              "reason_ru": "не число"}]
    # "Tab: Header", merged, no repeats
    assert d["unknown_columns"] == ["Воронка: Комментарий", "Воронка: Заметки"]
    assert d["periods"][-1]["in_progress"] is True and d["periods"][-1]["period"] == "2025-02"


def test_json_round_trip_and_no_nan(report: FunnelReport) -> None:
    d = report.to_dict()
    text = json.dumps(d, allow_nan=False, ensure_ascii=False)
    again = FunnelReport.from_dict(json.loads(text))
    assert again.to_dict() == d
    assert again == report  # every value, reason, n and interval survives


def test_overflow_becomes_null_not_nan() -> None:
    rows = (SummaryRow(date(2024, 1, 1), {"leads": 1e-300, "paid": 1e-300},
                       {"spend": 1e308, "revenue": 1e308}, 2),)
    r = build_report(funnel=DEFAULT_FUNNEL, summary=SummaryTable("t", ("leads", "paid"), rows),
                     deals=None, today=date(2024, 6, 1))
    d = r.to_dict()
    json.dumps(d, allow_nan=False)  # raises on NaN or infinity
    assert d["periods"][0]["kpis"]["cpl"] is None
    assert d["periods"][0]["kpi_details"]["cpl"] == {"reason": "not_finite"}


def test_report_is_immutable(report: FunnelReport) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.findings = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        report.periods[0].kpis["cac"] = report.periods[0].kpis["cpl"]  # type: ignore[index]
    with pytest.raises(TypeError):
        report.segments["x"] = {}  # type: ignore[index]
    assert isinstance(report.periods, tuple) and isinstance(report.periods[0].stages, tuple)


def test_helpers(report: FunnelReport) -> None:
    latest = report.periods[-1]
    assert latest.period == "2025-02" and latest.in_progress
    done = report.shown_period()  # the month in progress is not shown
    assert done.period == "2025-01" and done.complete
    rows = report.stage_rows("2025-01")
    assert [r.key for r in rows] == ["leads", "qualified", "sal", "paid"]
    # leads: 2025-01 is i = 24 -> 124; 2024-12 -> 123; 2024-01 -> 112
    assert rows[0].count.value == pytest.approx(124)
    assert rows[0].count_mom is not None and rows[0].count_yoy is not None
    assert rows[0].count_mom.abs.value == pytest.approx(1)
    assert rows[0].count_yoy.abs.value == pytest.approx(12)
    assert report.stage_rows() == done.stages
    assert report.period("total") is report.total
    with pytest.raises(KeyError, match="no period '1999-01'"):
        report.period("1999-01")
    assert report.findings_in("ru") == report.findings_ru
    assert report.notes_in("en") == report.notes


def test_from_dict_rejects_other_things_clearly() -> None:
    with pytest.raises(ReportFormatError, match="version 7 is not supported"):
        FunnelReport.from_dict({"version": 7})
    with pytest.raises(ReportFormatError, match="not a valid funnel report"):
        FunnelReport.from_dict({"version": 1, "funnel": []})
    with pytest.raises(FunnelError, match="must be a JSON object"):
        FunnelReport.from_dict([])  # type: ignore[arg-type]


def test_number_formats() -> None:
    assert fmt.percent(2 / 3) == "66.7%"
    assert fmt.percent(2 / 3, "ru") == f"66,7{NBSP}%"
    assert fmt.money(1234.56) == "1,234.56"
    assert fmt.money(1234.56, "ru") == f"1{NBSP}234,56"
    assert fmt.money(1234.56, "ru", "RUB") == f"1{NBSP}234,56{NBSP}₽"
    assert fmt.money(1234.56, "en", "USD") == "$1,234.56"
    assert fmt.money(-5, "en", "USD") == "-$5"
    assert fmt.money(1_300_000) == "1,300,000"
    assert fmt.count(20.0) == "20" and fmt.count(12.5, "ru") == "12,5"
    assert fmt.points(-0.0106) == "-1.1 pp"
    assert fmt.points(0.05, "ru") == f"+5,0{NBSP}п.{NBSP}п."
    assert fmt.percent(0.25, signed=True) == "+25.0%"
    assert fmt.number(-0.01, "en", 1) == "0.0"
    assert fmt.number(float("nan")) == "—"
    assert fmt.month(date(2024, 3, 1), "ru") == "март 2024"
