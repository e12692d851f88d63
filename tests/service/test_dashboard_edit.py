"""Editing a job on the dashboard (GET/POST /jobs/<id>/edit) through Flask's test client, on a
real SQLite file: the form starts from the job, saves every field the create form sets, refuses
what create refuses, needs the CSRF token, and speaks Russian too."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from sheets_sync.app.store_ext import get_store
from sheets_sync.store.models import JobNotify
from tests.service.test_dashboard import csrf, sign_in


def make_job(client: FlaskClient, auth: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"spreadsheet": "demo_en.xlsx", "name": "Weekly", **fields}
    resp = client.post("/api/v1/jobs", json=body, headers=auth)
    assert resp.status_code == 201, resp.get_json()
    return dict(resp.get_json())


def edit_form(client: FlaskClient, job_id: int) -> tuple[str, dict[str, str]]:
    page = client.get(f"/jobs/{job_id}/edit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return html, {"csrf_token": csrf(html)}


def test_the_edit_form_starts_from_the_job(client: FlaskClient, token: str,
                                           auth: dict[str, str]) -> None:
    job = make_job(client, auth, input_tabs=["Воронка"], output_tab="Итоги",
                   funnel={"columns": {"Визиты на сайт": "traffic"}},
                   schedule={"cron": "0 7 * * 1-5", "timezone": "Europe/Moscow"})
    sign_in(client, token)
    html, _ = edit_form(client, job["id"])
    for shown in ('value="Weekly"', 'value="demo_en.xlsx"', 'value="Воронка"', 'value="Итоги"',
                  'value="0 7 * * 1-5"', 'value="Europe/Moscow"', "Визиты на сайт = traffic",
                  "Edit Weekly", "Save changes"):
        assert shown in html, shown
    job_page = client.get(f"/jobs/{job['id']}").get_data(as_text=True)
    assert f'href="/jobs/{job["id"]}/edit"' in job_page


def test_saving_changes_every_field(client: FlaskClient, token: str,
                                    auth: dict[str, str]) -> None:
    job = make_job(client, auth, output_tab="Итоги", input_tabs=["Воронка"],
                   schedule={"cron": "0 7 * * *", "timezone": "UTC"})
    sign_in(client, token)
    _, form = edit_form(client, job["id"])
    resp = client.post(f"/jobs/{job['id']}/edit", data={
        **form, "name": "Renamed", "spreadsheet": "demo_ru.xlsx", "input_tabs": "",
        "output_tab": "", "mapping": "Лиды = leads\npipeline = A, B", "cron": "",
        "interval_minutes": "90", "timezone": "Europe/Moscow",
        "notify_emails": "lead@example.com", "notify_events": ["failed", "check"],
        "notify_lang": "ru", "digest_weekday": "0", "digest_hour": "8"})
    assert resp.status_code == 302 and resp.headers["Location"] == f"/jobs/{job['id']}"
    assert "Job saved." in client.get(resp.headers["Location"]).get_data(as_text=True)
    got = client.get(f"/api/v1/jobs/{job['id']}", headers=auth).get_json()
    assert got["name"] == "Renamed" and got["spreadsheet"] == "demo_ru.xlsx"
    assert got["input_tabs"] is None and got["output_tab"] is None  # emptied fields clear
    assert got["funnel"] == {"columns": {"Лиды": "leads"}, "pipeline": {"order": ["A", "B"]}}
    assert got["schedule"] == {"cron": None, "interval_seconds": 5400,
                               "timezone": "Europe/Moscow"}
    assert got["enabled"] is False  # the box was not ticked
    notify = client.get(f"/api/v1/jobs/{job['id']}/notifications", headers=auth).get_json()
    assert notify["settings"]["lang"] == "ru"
    assert notify["settings"]["events"] == ["failed", "check"]
    assert notify["settings"]["digest"] == {"weekday": 0, "hour": 8}
    html, _ = edit_form(client, job["id"])  # and the form shows it back
    assert 'value="lead@example.com"' in html and 'value="90"' in html
    assert 'value="check" checked' in html and 'value="paused" checked' not in html


def test_an_empty_name_takes_the_default(client: FlaskClient, token: str,
                                         auth: dict[str, str]) -> None:
    job = make_job(client, auth)
    sign_in(client, token)
    _, form = edit_form(client, job["id"])
    resp = client.post(f"/jobs/{job['id']}/edit", data={**form, "name": " ",
                                                         "spreadsheet": "demo_ru.xlsx"})
    assert resp.status_code == 302
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=auth).get_json()["name"] == "demo_ru"


def test_edit_refuses_what_create_refuses(client: FlaskClient, token: str,
                                          auth: dict[str, str]) -> None:
    job = make_job(client, auth)
    sign_in(client, token)
    _, form = edit_form(client, job["id"])
    for bad, said in (({"cron": "not cron"}, "is not a cron expression"),
                      ({"output_tab": "a/b"}, "cannot be a tab name here"),
                      ({"input_tabs": "KPI", "output_tab": "KPI"}, "not be one of the input tabs"),
                      ({"spreadsheet": "../outside.xlsx"}, "must be inside the folder"),
                      ({"mapping": "just a header"}, "Column mapping: one line per column")):
        resp = client.post(f"/jobs/{job['id']}/edit",
                           data={**form, "spreadsheet": "demo_en.xlsx", **bad})
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422 and said in html, (bad, html)
        assert 'id="job-form"' in html and "Save changes" in html  # the form, as typed
    got = client.get(f"/api/v1/jobs/{job['id']}", headers=auth).get_json()
    assert got["name"] == "Weekly" and got["output_tab"] is None  # nothing was saved


def test_edit_needs_the_csrf_token_and_a_sign_in(client: FlaskClient, token: str,
                                                 auth: dict[str, str]) -> None:
    job = make_job(client, auth)
    assert client.get(f"/jobs/{job['id']}/edit").status_code == 302  # to the sign-in
    sign_in(client, token)
    resp = client.post(f"/jobs/{job['id']}/edit", data={"spreadsheet": "demo_ru.xlsx"})
    assert resp.status_code == 400
    assert client.get("/jobs/999/edit").status_code == 404


def test_the_edit_page_in_russian(client: FlaskClient, token: str,
                                  auth: dict[str, str]) -> None:
    job = make_job(client, auth)
    sign_in(client, token)
    client.get("/lang/ru")
    html, form = edit_form(client, job["id"])
    assert "Изменить: Weekly" in html and "Сохранить" in html
    resp = client.post(f"/jobs/{job['id']}/edit", data={**form, "spreadsheet": "demo_en.xlsx"})
    assert "Задание сохранено." in client.get(resp.headers["Location"]).get_data(as_text=True)


def test_an_output_tab_error_links_to_the_edit_page(client: FlaskClient, token: str,
                                                    auth: dict[str, str]) -> None:
    # The demo workbook's own input tab is not the sync's: writing over it is refused, and
    # the error says to choose another output tab: it links to where that is done.
    job = make_job(client, auth, output_tab="Funnel")
    sign_in(client, token)
    page = client.get(f"/jobs/{job['id']}").get_data(as_text=True)
    resp = client.post(f"/jobs/{job['id']}/run", data={"csrf_token": csrf(page)})
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "the job&#39;s output tab" in html or "the job's output tab" in html, html
    # the flash, the failed-run notice and the run history each link to it
    assert html.count(f'href="/jobs/{job["id"]}/edit#output_tab"') == 3


def test_the_edit_form_never_shows_a_webhooks_key_and_keeps_it_on_save(
        app: Flask, client: FlaskClient, token: str, auth: dict[str, str]) -> None:
    kept = "https://hooks.slack.com/services/T0001/B0002/secretKEY9x7Q"
    job = make_job(client, auth, notify={"webhooks": [{"kind": "slack", "url": kept}]})
    sign_in(client, token)
    html, form = edit_form(client, job["id"])
    assert "secretKEY" not in html and "T0001" not in html
    assert "https://hooks.slack.com/***9x7Q" in html  # the host and the last four, to tell apart

    added = "https://hooks.slack.com/services/T0009/B0009/otherKEY1234"
    resp = client.post(f"/jobs/{job['id']}/edit", data={
        **form, "spreadsheet": "demo_en.xlsx", "name": "Weekly", "timezone": "UTC",
        "notify_events": ["failed"],
        "notify_slack": f"https://hooks.slack.com/***9x7Q\n{added}"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    with get_store(app).session() as s:
        prefs = s.get(JobNotify, job["id"])
        assert prefs is not None
        assert [h["url"] for h in prefs.webhooks] == [kept, added]
