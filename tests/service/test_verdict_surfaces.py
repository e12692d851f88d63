"""Managers and channels against the rest on the job page and in the text report: only the
segments whose verdict is not "no difference found" (funnel_kpi.report.verdicts has the numbers)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from funnel_kpi import DEFAULT_FUNNEL, FunnelReport, report_view
from funnel_kpi.report.build import build_report
from funnel_kpi.report.verdicts import Verdicts
from sheets_sync.text_report import text_report
from tests.service.test_dashboard import csrf, sign_in

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def verdict(segment: str, value: float, n: int, rest: float, p: float | None,
            word: str) -> dict[str, object]:
    return {"field": "manager", "segment": segment, "rate": "win_rate", "value": value,
            "successes": value * n, "n": n, "rest_value": rest,
            "rest_successes": rest * 100, "rest_n": 100, "z": None, "p_value": p,
            "p_adjusted": p, "verdict": word}


REPORT = {"verdicts": {"control_limits": [], "segments": [
    verdict("Anna", 0.6, 100, 0.3, 0.0000017, "better"),
    verdict("Boris", 0.3, 100, 0.45, 0.024838, "worse"),
    verdict("Vera", 0.33, 100, 0.30, 0.65, "no difference found"),
    verdict("Dima", 0.5, 20, 0.33, None, "not enough data")]}}


EMPTY = build_report(funnel=DEFAULT_FUNNEL, summary=None, deals=None, today=date(2024, 6, 1))


def with_verdicts(verdicts: Any) -> FunnelReport:
    return replace(EMPTY, verdicts=Verdicts.from_dict(verdicts))


def verdict_rows(verdicts: Any, lang: str) -> list[list[str]]:
    return [list(v.cells()) for v in report_view(with_verdicts(verdicts), lang).verdicts]


def test_rows_leave_out_no_difference_found() -> None:
    rows = verdict_rows(REPORT["verdicts"], "en")
    assert [r[0] for r in rows] == ["Manager Anna", "Manager Boris", "Manager Dima"]
    assert rows[0] == ["Manager Anna", "Win rate", "60.0% (100)", "30.0%", "< 0.001",
                       "better than the rest"]
    assert rows[1][4:] == ["0.025", "worse than the rest"]
    assert rows[2][4:] == ["—", "not enough data"]
    ru = verdict_rows(REPORT["verdicts"], "ru")
    assert ru[1] == ["Менеджер Boris", "Доля выигранных", "30,0\u00a0% (100)", "45,0\u00a0%",
                     "0,025", "хуже остальных"]


def test_text_report_section_only_when_there_is_something_to_say() -> None:
    text = text_report(with_verdicts(REPORT["verdicts"]), "en")
    assert "Managers and channels against the rest:" in text and "Vera" not in text
    quiet = {"segments": REPORT["verdicts"]["segments"][2:3], "control_limits": []}  # type: ignore[index]
    assert "against the rest" not in text_report(with_verdicts(quiet), "en")
    stored = EMPTY.to_dict()
    del stored["verdicts"]  # an older report
    assert "against the rest" not in text_report(stored, "en")


def test_job_page_shows_the_managers_section(client: FlaskClient, token: str,
                                             books: Path) -> None:
    # the deal log template: manager B wins 16 of 55 closed deals, A 7 of 59 (p = 0.022)
    shutil.copy(TEMPLATES / "deal_log_en.xlsx", books / "deal_log_en.xlsx")
    sign_in(client, token)
    form = client.get("/jobs/new").get_data(as_text=True)
    loc = client.post("/jobs/new", data={"csrf_token": csrf(form),
                                         "spreadsheet": "deal_log_en.xlsx",
                                         "output_tab": "KPI sync",  # "KPI" is the user's
                                         "enabled": "on"}).headers["Location"]
    loc = loc.removesuffix("/inspect")
    page = client.get(loc).get_data(as_text=True)
    assert client.post(f"{loc}/run", data={"csrf_token": csrf(page)}).status_code == 302
    client.get("/lang/en")
    page = client.get(loc).get_data(as_text=True)
    section = page[page.index('id="verdicts"'):]
    section = section[:section.index("</table>")]
    assert "Manager B" in section and "better than the rest" in section
    assert "29.1% (55)" in section and "0.022" in section
    assert "Manager B: win rate 29.1% (16 of 55) is above the rest" in page  # the finding
