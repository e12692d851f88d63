"""POST /api/v1/plan and ``sheets-sync plan``: the gap split and the backwards funnel from rows
and from the demo workbook, checked against numbers worked out by hand."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from sheets_sync.cli import main
from tests.conftest import DEMO_RU

# Jan: 100 leads, 10 paid (10 %), revenue 10,000 (deal 1,000), spend 50,000 (CPL 500), plan 10,000
# Feb: 125 leads, 10 paid (8 %), revenue 11,000 (deal 1,100), spend 60,000, plan 10,000
VALUES: list[list[Any]] = [["Month", "Leads", "Paid", "Revenue", "Marketing spend", "Revenue plan"],
          ["Jan 2026", 100, 10, 10000, 50000, 10000],
          ["Feb 2026", 125, 10, 11000, 60000, 10000]]
TODAY = "2026-06-01"


def post(client: FlaskClient, auth: dict[str, str], **extra: Any) -> Any:
    return client.post("/api/v1/plan", json={"values": VALUES, "today": TODAY, **extra},
                       headers=auth)


def test_gap_and_backwards_by_hand(client: FlaskClient, auth: dict[str, str]) -> None:
    resp = post(client, auth, target=22000)
    assert resp.status_code == 200, resp.get_json()
    d = resp.get_json()
    assert d["status"] == "ok" and d["month"] == "2026-03"
    gap = d["gap"]
    # February against its plan of 10,000 with January's funnel expected: +1,000. Leads
    # 100 -> 125 and conversion 10 % -> 8 % cancel (ln 1.25 = -ln 0.8): L(11,000, 10,000) x
    # ln 1.25 = 1,000 / ln 1.1 x ln 1.25 = 2,341.24 each way; the deal takes 1,000 exactly.
    assert (gap["month"], gap["plan"], gap["fact"], gap["gap"]) == ("2026-02", 10000, 11000,
                                                                    1000)
    assert gap["method"] == "lmdi" and gap["baseline_months"] == ["2026-01"]
    parts = {p["key"]: p["part"] for p in gap["parts"]}
    assert parts["count:leads"] == pytest.approx(1000 / math.log(1.1) * math.log(1.25))
    assert parts["step:leads:paid"] == pytest.approx(-parts["count:leads"])
    assert parts["average_deal"] == pytest.approx(1000)
    assert math.fsum(parts.values()) == pytest.approx(1000, abs=1e-9)
    assert gap["findings"][0].startswith(
        "February 2026: revenue 11,000 against a plan of 10,000")
    assert gap["findings_ru"][0].startswith("Февраль 2026: выручка 11")
    back = d["backwards"]
    # 22,000 x sums over Jan and Feb / revenue 21,000: leads 225 -> 235.71, paid 20 -> 20.95,
    # budget 110,000 -> 115,238.10; Jan alone needs 22,000 x 100 / 10,000 = 220 leads, Feb
    # 22,000 x 125 / 11,000 = 250
    assert back["trailing_months"] == ["2026-01", "2026-02"]
    leads, paid = back["stages"]
    assert (leads["value"], leads["low"], leads["high"]) == pytest.approx((22000 * 225 / 21000,
                                                                          220, 250))
    assert paid["value"] == pytest.approx(22000 * 20 / 21000)
    assert back["budget"]["value"] == pytest.approx(22000 * 110000 / 21000)
    assert back["cpl"]["value"] == pytest.approx(110000 / 225)
    assert back["average_deal"]["value"] == pytest.approx(21000 / 20)


def test_target_from_the_sheets_plan_and_in_payments(client: FlaskClient,
                                                     auth: dict[str, str]) -> None:
    d = post(client, auth, month="2026-02").get_json()
    # no target: February's plan of 10,000, learnt from January alone: 100 leads
    assert d["backwards"]["target"] == 10000
    assert d["backwards"]["stages"][0]["value"] == pytest.approx(100)
    assert d["gap"]["month"] == "2026-02"
    d = post(client, auth, target_paid=30).get_json()
    assert d["backwards"]["target_of"] == "paid" and d["backwards"]["average_deal"] is None
    assert d["backwards"]["stages"][0]["value"] == pytest.approx(30 * 225 / 20)


def test_bad_requests_say_what_is_wrong(client: FlaskClient, auth: dict[str, str]) -> None:
    cases: list[dict[str, Any]] = [{"target": -5}, {"month": "2026-13"},
                                   {"target": 1, "target_paid": 1}, {"target": "lots"}]
    for extra in cases:
        resp = post(client, auth, **extra)
        assert resp.status_code in (400, 422), extra
        assert resp.get_json()["error"]["message"], extra
    resp = post(client, auth, target=1000, month="2026-01")  # nothing before January
    assert resp.status_code == 422
    assert "no complete month before 2026-01" in resp.get_json()["error"]["message"]
    assert client.post("/api/v1/plan", json={"values": VALUES}).status_code == 401


def test_without_a_plan_or_target_it_says_what_to_give(client: FlaskClient,
                                                       auth: dict[str, str]) -> None:
    values = [row[:5] for row in VALUES]
    resp = client.post("/api/v1/plan", json={"values": values, "today": TODAY}, headers=auth)
    assert resp.status_code == 422
    message = resp.get_json()["error"]["message"]
    assert "no plan column" in message and "give a target" in message
    assert resp.get_json()["error"]["message_ru"] == (
        "в таблице нет столбца плана; кроме того, укажите цель (--target) на 2026-03: в таблице "
        "нет плана на этот месяц")
    d = client.post("/api/v1/plan", json={"values": values, "today": TODAY, "target": 5000},
                    headers=auth).get_json()
    assert d["gap"] is None and d["gap_note"] == "the sheet has no plan column"
    assert d["gap_note_ru"] == "в таблице нет столбца плана"
    assert d["backwards"]["stages"][0]["value"] == pytest.approx(5000 * 225 / 21000)


# --- the CLI on the demo workbook -----------------------------------------------------------------

def run(*args: str) -> Any:
    return CliRunner().invoke(main, ["plan", str(DEMO_RU), "--today", "2026-12-07", *args])


def test_cli_demo_json_matches_the_report() -> None:
    result = run("--target", "6000000", "--month", "2026-01", "--format", "json")
    assert result.exit_code == 0, result.output
    d = json.loads(result.output)
    report = json.loads(CliRunner().invoke(
        main, ["compute", str(DEMO_RU), "--today", "2026-12-07", "--format", "json"]).output)
    months = {p["period"]: p for p in report["periods"]}
    trailing = ["2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12"]
    back = d["backwards"]
    assert back["trailing_months"] == trailing and back["month"] == "2026-01"

    def total(stage: str) -> float:
        return float(sum(next(s["count"] for s in months[m]["stages"] if s["key"] == stage)
                         for m in trailing))

    revenue = sum(months[m]["kpis"]["revenue"] for m in trailing)
    needs = {s["key"]: s for s in back["stages"]}
    for stage in ("traffic", "leads", "meetings", "paid"):
        assert needs[stage]["value"] == pytest.approx(6e6 * total(stage) / revenue)
        assert needs[stage]["low"] <= needs[stage]["value"] <= needs[stage]["high"]
    spend = sum(months[m]["kpis"]["cpl"] * next(
        s["count"] for s in months[m]["stages"] if s["key"] == "leads") for m in trailing)
    assert back["budget"]["value"] == pytest.approx(6e6 * spend / revenue)
    gap = d["gap"]  # January 2026 itself is complete and planned: its own gap
    assert gap["month"] == "2026-01"
    assert gap["fact"] == months["2026-01"]["kpis"]["revenue"]
    assert gap["fact"] / gap["plan"] == pytest.approx(months["2026-01"]["kpis"]["plan_fact"])
    assert math.fsum(p["part"] for p in gap["parts"]) == pytest.approx(gap["gap"], abs=1e-6)
    assert len(gap["parts"]) == 9  # traffic, 7 steps, the average deal


def test_cli_demo_table_in_the_books_language() -> None:
    result = run("--target", "6000000")
    assert result.exit_code == 0, result.output
    assert "План и факт: 2026-10" in result.output
    assert "Обратная воронка: 2026-11" in result.output
    assert "Маркетинговый бюджет" in result.output
    assert "Backwards funnel: 2026-11" in run("--target", "6000000", "--lang", "en").output


def test_cli_errors_are_one_line() -> None:
    result = run("--month", "2026-13", "--target", "1")
    assert result.exit_code == 2 and "write it as YYYY-MM" in result.output
    result = run("--target", "1", "--target-paid", "1")
    assert result.exit_code == 2 and "not both" in result.output


# --- the KPI tab ----------------------------------------------------------------------------------

def test_kpi_tab_has_the_plan_section(tmp_path: Path) -> None:
    book = tmp_path / "demo_ru.xlsx"
    shutil.copy(DEMO_RU, book)
    result = CliRunner().invoke(main, ["sync", str(book), "--state", str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(book)["Показатели"]
    rows = [r[:4] for r in ws.iter_rows(values_only=True)]
    top = rows.index(("План, 2026-10", None, None, None))
    assert rows[top + 1] == ("Фактор", "Факт", "Ожидалось", "Вклад в отклонение")
    total = next(i for i in range(top, len(rows)) if rows[i][0] == "Итого: факт − план")
    parts = [r[3] for r in rows[top + 2:total]]
    assert [r[0] for r in rows[top + 2:total]][:2] == ["Трафик", "Трафик → Лиды"]
    assert len(parts) == 9
    assert rows[total][1:] == (6184000, 5180000, 1004000)  # October 2026: fact, plan, gap
    assert math.fsum(parts) == pytest.approx(1004000, abs=1e-6)
    assert ws.cell(top + 4, 2).number_format.endswith("%")  # a step conversion's fact
    assert str(rows[total + 1][0]).startswith("Октябрь 2026: выручка")


def test_kpi_tab_without_a_plan_has_no_plan_section() -> None:
    from datetime import datetime

    from funnel_kpi.api import analyse
    from funnel_kpi.inputs import Tab
    from sheets_sync.plan_view import latest_gap
    from sheets_sync.render import render

    analysis = analyse([Tab("Sheet1", [row[:5] for row in VALUES])],
                       today=datetime(2026, 6, 1).date())
    assert latest_gap(analysis) is None
    grid = render(analysis.report, lang="en", title="KPI", synced_at=datetime(2026, 6, 1),
                  plan=latest_gap(analysis))
    assert not any(r and str(r[0]).startswith("Plan, ") for r in grid.rows)
    with_plan = analyse([Tab("Sheet1", VALUES)], today=datetime(2026, 6, 1).date())
    grid = render(with_plan.report, lang="en", title="KPI", synced_at=datetime(2026, 6, 1),
                  plan=latest_gap(with_plan))
    assert ("Plan, 2026-02",) in grid.rows


# --- the dashboard --------------------------------------------------------------------------------

def test_job_page_shows_the_plan(client: FlaskClient, token: str, auth: dict[str, str]) -> None:
    from tests.service.test_dashboard import csrf, new_job_page

    loc, page = new_job_page(client, token)
    assert 'id="plan"' not in page  # no run yet
    assert client.post(f"{loc}/run", data={"csrf_token": csrf(page)}).status_code == 302
    client.get("/lang/ru")
    page = client.get(loc).get_data(as_text=True)
    table = page[page.index('<table class="grid" id="plan">'):]
    table = table[:table.index("</table>")]
    assert "<h2>План, Октябрь 2026</h2>" in page  # the month named as the findings name it
    assert "Вклад в отклонение" in table and "Трафик → Лиды" in table
    # October 2026: 6,184,000 - 5,180,000, in the Russian spreadsheet's roubles
    assert ">+1\u00a0004\u00a0000\u00a0₽<" in table
    assert "Октябрь 2026: выручка 6\u00a0184\u00a0000\u00a0₽ при плане" in page
    assert "логарифмическое разложение (LMDI)" in page
    job_id = int(loc.rsplit("/", 1)[1])
    stored = client.get(f"/api/v1/jobs/{job_id}/report", headers=auth).get_json()["report"]
    assert stored["plan"]["month"] == "2026-10" and stored["plan"]["gap"] == 1004000
