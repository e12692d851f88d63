"""Every surface shows the same period of one report (issue 14): the KPI tab, the text report
and the dashboard's job page, for a deal log whose latest month is pending (its cohort younger
than the sales cycle), one whose latest month is in progress, and a summary in progress. The
period is FunnelReport.shown_period's, through funnel_kpi.report_view."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from python_calamine import CalamineWorkbook

from funnel_kpi import FunnelReport, Tab, analyse, report_view, textfmt
from sheets_sync.app.jobs import create_job
from sheets_sync.app.schemas import JobIn
from sheets_sync.app.store_ext import get_store
from sheets_sync.notify.digest import DigestFacts
from sheets_sync.notify.digest import render as digest
from sheets_sync.render import render
from sheets_sync.store.models import JobReport
from sheets_sync.text_report import text_report
from tests.service.test_dashboard import sign_in

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
CASES = [  # workbook, today, (latest month, in progress, pending), the month every surface shows
    ("deal_log_en.xlsx", date(2024, 7, 3), ("2024-06", False, True), "2024-05"),
    ("deal_log_en.xlsx", date(2024, 6, 15), ("2024-06", True, True), "2024-05"),
    ("funnel_summary_en.xlsx", date(2024, 12, 15), ("2024-12", True, False), "2024-11"),
]


@pytest.fixture
def config(books: Path, tmp_path: Path) -> dict[str, Any]:
    return {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}",
            "XLSX_ROOT": str(books), "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "test-secret"}


def report_of(name: str, today: date) -> FunnelReport:
    book = CalamineWorkbook.from_path(str(TEMPLATES / name))
    tabs = [Tab(n, book.get_sheet_by_name(n).to_python()) for n in book.sheet_names
            if n != "KPI"]
    return analyse(tabs, today=today).report


def job_page(app: Flask, client: FlaskClient, token: str, report: FunnelReport,
             ) -> tuple[int, str]:
    with app.app_context(), get_store(app).session() as s:
        job = create_job(s, JobIn.model_validate({"spreadsheet": "demo_en.xlsx"}))
        s.add(JobReport(job_id=job.id, run_id=1, computed_at=datetime.now(UTC),
                        report=report.to_dict()))
        s.commit()
        job_id = job.id
    sign_in(client, token)
    client.get("/lang/en")
    return job_id, client.get(f"/jobs/{job_id}").get_data(as_text=True)


def tabs_of(name: str) -> list[dict[str, Any]]:
    book = CalamineWorkbook.from_path(str(TEMPLATES / name))
    return [{"name": n, "values": [["" if v is None else v.isoformat() if isinstance(v, date)
                                    else v for v in row]
                                   for row in book.get_sheet_by_name(n).to_python()]}
            for n in book.sheet_names if n != "KPI"]


@pytest.mark.parametrize(("name", "today", "latest", "month"), CASES)
def test_every_surface_shows_the_same_period(app: Flask, client: FlaskClient, token: str,
                                              name: str, today: date,
                                              latest: tuple[str, bool, bool], month: str) -> None:
    report = report_of(name, today)
    last = report.periods[-1]
    assert (last.period, last.in_progress, last.pending) == latest
    assert report.shown_period().period == month
    assert report_view(report, "en").period == month

    grid = render(report, lang="en", title="KPI", synced_at=datetime.now(UTC))
    tab = {r[0] for r in grid.rows if r and isinstance(r[0], str) and r[0].startswith("Funnel, ")}
    assert tab == {f"Funnel, {month}"}
    assert grid.chart is not None and grid.chart.title == f"Step conversion, {month}"

    mail = digest(DigestFacts(1, "job", "demo_en.xlsx", True, None, 1, 0), report.to_dict(),
                  "en", None)
    assert re.findall(r"^Funnel, (\S+)", mail.text, re.M) == [month]

    text = text_report(report, "en")
    assert re.findall(r"^Funnel, (\S+)$", text, re.M) == [month]
    assert re.findall(r"^KPI +(\S+)$", text, re.M) == [month]
    assert text_report(report.to_dict(), "en") == text  # stored JSON: the same text

    job_id, page = job_page(app, client, token, report)  # the page names it: "May 2024"
    shown_name = textfmt.month(date.fromisoformat(f"{month}-01"), "en")
    assert re.findall(r"<h2>Funnel, ([^<(]+?)(?: \(|</h2>)", page) == [shown_name]
    assert re.findall(r"<h2>KPIs, ([^<]+?)</h2>", page) == [shown_name]

    # the API's views: the stored report's and a computed one's, in both languages
    auth = {"Authorization": f"Bearer {token}"}
    for lang in ("en", "ru"):
        stored = client.get(f"/api/v1/jobs/{job_id}/report?view=1&lang={lang}", headers=auth)
        assert stored.status_code == 200, stored.get_data(as_text=True)
        view = stored.get_json()
        assert (view["period"], view["lang"]) == (month, lang)
        shown = report_view(report, lang)
        assert [s["count_text"] for s in view["stages"]] == [s.count_text for s in shown.stages]
        assert [k["text"] for k in view["kpis"]] == [k.text for k in shown.kpis]
        computed = client.post(f"/api/v1/compute?view=1&lang={lang}", headers=auth, json={
            "tabs": tabs_of(name), "today": today.isoformat()})
        assert computed.status_code == 200, computed.get_data(as_text=True)
        assert computed.get_json()["period"] == month
        assert computed.get_json()["stages"] == view["stages"]
    assert client.get(f"/api/v1/jobs/{job_id}/report", headers=auth).get_json()[
        "report"]["status"] == report.status  # without view=1, the stored JSON as before


def test_the_api_says_what_is_wrong(app: Flask, client: FlaskClient, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    report = report_of("funnel_summary_en.xlsx", date(2024, 12, 15))
    job_id, _ = job_page(app, client, token, report)
    bad = client.get(f"/api/v1/jobs/{job_id}/report?view=1&lang=de", headers=auth)
    assert (bad.status_code, bad.get_json()["error"]["code"]) == (400, "bad_parameter")
    with app.app_context(), get_store(app).session() as s:  # a report of another version
        row = s.get(JobReport, job_id)
        assert row is not None
        row.report = {**report.to_dict(), "version": 0}
        s.commit()
    for url in (f"/api/v1/jobs/{job_id}/report", f"/api/v1/jobs/{job_id}/report?view=1"):
        r = client.get(url, headers=auth)
        assert (r.status_code, r.get_json()["error"]["code"]) == (409, "bad_stored_report")
        assert "version 0 is not supported" in r.get_json()["error"]["message"]
