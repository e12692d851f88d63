"""The job page's fixes (issue 20, item 5) through Flask's test client on a real SQLite file and
real syncs of the demo workbooks: a failed run says so, run history in the page's language,
times in the job's time zone, months named as the findings name them."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from tests.service.test_dashboard import csrf, sign_in

NBSP = "\u00a0"
MONTHS_RU = ("Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август",
             "Сентябрь", "Октябрь", "Ноябрь", "Декабрь")


def make_job(client: FlaskClient, auth: dict[str, str], **fields: Any) -> int:
    resp = client.post("/api/v1/jobs", json={"spreadsheet": "demo_ru.xlsx", **fields},
                       headers=auth)
    assert resp.status_code == 201, resp.get_json()
    return int(resp.get_json()["id"])


def run_job(client: FlaskClient, job_id: int) -> str:
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    resp = client.post(f"/jobs/{job_id}/run", data={"csrf_token": csrf(page)})
    assert resp.status_code == 302
    return client.get(f"/jobs/{job_id}").get_data(as_text=True)


def test_a_failed_run_says_it_failed(client: FlaskClient, token: str,
                                     auth: dict[str, str]) -> None:
    job_id = make_job(client, auth, spreadsheet="gone.xlsx")
    sign_in(client, token)
    page = run_job(client, job_id)
    assert 'id="last-failed"' in page and "The last run (" in page
    assert "gone.xlsx" in page.split('id="last-failed"')[1].split("</p>")[0]  # with its error
    assert "No report yet" not in page


def test_a_failed_run_after_a_good_one_keeps_the_figures(client: FlaskClient, token: str,
                                                         auth: dict[str, str],
                                                         books: Any) -> None:
    job_id = make_job(client, auth)
    sign_in(client, token)
    assert 'id="kpis"' in run_job(client, job_id)
    (books / "demo_ru.xlsx").write_bytes(b"not a workbook")
    page = run_job(client, job_id)
    assert 'id="last-failed"' in page and "from the last run that succeeded" in page
    assert 'id="kpis"' in page


def test_times_are_in_the_job_time_zone(client: FlaskClient, token: str,
                                        auth: dict[str, str]) -> None:
    job_id = make_job(client, auth, schedule={"cron": "0 7 * * *",
                                              "timezone": "Europe/Moscow"})
    sign_in(client, token)
    page = run_job(client, job_id)
    assert re.search(r'id="next-run">\d{4}-\d\d-\d\d 07:00 MSK<', page), page
    started = re.search(r'<table class="grid runs" id="runs">.*?<td class="nowrap">([^<]+)</td>',
                        page, re.S)
    assert started and started.group(1).endswith(" MSK")
    assert " UTC" not in page
    jobs = client.get("/jobs").get_data(as_text=True)
    assert "07:00 MSK" in jobs and " UTC" not in jobs


def test_run_history_in_russian(client: FlaskClient, token: str, auth: dict[str, str]) -> None:
    job_id = make_job(client, auth)
    sign_in(client, token)
    client.get("/lang/ru")
    page = run_job(client, job_id)
    table = page.split('id="runs"')[1].split("</table>")[0]
    seconds = re.findall(rf'<td class="num">(\d+,\d\d){NBSP}с</td>', table)
    assert seconds, table
    cells = re.search(r'<td class="num">([\d\xa0]+) / ([\d\xa0]+)</td>', table)
    assert cells, table
    read = cells.group(1)
    if int(read.replace(NBSP, "")) >= 1000:  # grouped as Russian writes it: "15 085"
        assert NBSP in read and re.fullmatch(r"\d{1,3}(\xa0\d{3})+", read)
    assert "s</td>" not in table and "." not in re.sub(r"<[^>]+>", "", table).split(" ")[0]
    assert '<div class="scroll">' in page.split('id="runs"')[0][-200:]  # it scrolls, not spills


def test_month_headings_as_the_findings_name_them(client: FlaskClient, token: str,
                                                  auth: dict[str, str]) -> None:
    job_id = make_job(client, auth)
    sign_in(client, token)
    client.get("/lang/ru")
    page = run_job(client, job_id)
    heading = re.search(r"<h2>Показатели, ([^<]+)</h2>", page)
    assert heading, page
    name, year = heading.group(1).split(" ")
    assert name in MONTHS_RU and re.fullmatch(r"\d{4}", year)
    assert not re.search(r"<h2>[^<]*\d{4}-\d\d[^<]*</h2>", page)
