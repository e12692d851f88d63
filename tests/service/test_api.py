"""The JSON API against the real app and a real database (SQLite file; PostgreSQL when set)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from sheets_sync.app.store_ext import get_store
from sheets_sync.store.tokens import revoke_token

JOB = {"name": "Demo RU", "spreadsheet": "demo_ru.xlsx",
       "schedule": {"cron": "0 7 * * 1-5", "timezone": "Europe/Moscow"}}


def error_of(resp: Any) -> dict[str, Any]:
    body = resp.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) <= {"code", "message", "message_ru", "details"}
    assert body["error"]["message"].endswith((".", ")")), body
    assert body["error"]["message_ru"].endswith((".", ")")), body
    err: dict[str, Any] = body["error"]
    return err


def test_healthz_needs_no_token(client: FlaskClient) -> None:
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "database": "ok",
                               "scheduler": "not_in_this_process"}


def test_api_needs_a_live_token(client: FlaskClient, app: Flask, token: str) -> None:
    resp = client.get("/api/v1/jobs")
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == "Bearer"
    assert "tokens create" in error_of(resp)["message"]
    assert client.get("/api/v1/jobs", headers={"Authorization": "Bearer nope"}).status_code == 401
    ok = client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.get_json() == {"jobs": []}
    with get_store(app).session() as s:
        assert revoke_token(s, token[:12]) is not None
    resp = client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401 and error_of(resp)["code"] == "invalid_token"


def test_job_crud(client: FlaskClient, auth: dict[str, str]) -> None:
    resp = client.post("/api/v1/jobs", json=JOB, headers=auth)
    assert resp.status_code == 201, resp.get_json()
    job = resp.get_json()
    assert resp.headers["Location"].endswith(f"/api/v1/jobs/{job['id']}")
    assert job["name"] == "Demo RU" and job["enabled"] is True
    assert job["schedule"] == {"cron": "0 7 * * 1-5", "interval_seconds": None,
                               "timezone": "Europe/Moscow"}
    assert job["next_run_at"] is not None and job["last_run"] is None
    # 07:00 Moscow is 04:00 UTC (UTC+3 all year)
    assert job["next_run_at"][11:16] == "04:00"

    listed = client.get("/api/v1/jobs", headers=auth).get_json()["jobs"]
    assert [j["id"] for j in listed] == [job["id"]]

    resp = client.patch(f"/api/v1/jobs/{job['id']}", headers=auth,
                        json={"schedule": {"interval_seconds": 90}, "enabled": False})
    assert resp.status_code == 200
    changed = resp.get_json()
    assert changed["schedule"] == {"cron": None, "interval_seconds": 90, "timezone": "UTC"}
    assert changed["enabled"] is False and changed["next_run_at"] is None
    assert changed["name"] == "Demo RU"  # fields not sent are kept

    assert client.delete(f"/api/v1/jobs/{job['id']}", headers=auth).status_code == 204
    resp = client.get(f"/api/v1/jobs/{job['id']}", headers=auth)
    assert resp.status_code == 404 and error_of(resp)["code"] == "job_not_found"


def test_name_defaults_to_the_spreadsheet(client: FlaskClient, auth: dict[str, str]) -> None:
    resp = client.post("/api/v1/jobs", json={"spreadsheet": "demo_en.xlsx"}, headers=auth)
    assert resp.get_json()["name"] == "demo_en"
    url = "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQr/edit#gid=0"
    resp = client.post("/api/v1/jobs", json={"spreadsheet": url}, headers=auth)
    assert resp.status_code == 201 and resp.get_json()["name"] == "1AbCdEfGhIjKlMnOpQr"


def test_bad_fields_get_one_error_shape(client: FlaskClient, auth: dict[str, str]) -> None:
    cases = [
        ({"spreadsheet": "demo.xlsx", "schedule": {"cron": "every day"}}, "cron expression"),
        ({"spreadsheet": "demo.xlsx", "schedule": {"cron": "0 7 * * *",
                                                   "timezone": "Mars/Base"}}, "time zone"),
        ({"spreadsheet": "demo.xlsx", "schedule": {"cron": "0 7 * * *",
                                                   "interval_seconds": 60}}, "not both"),
        ({"spreadsheet": "../../etc/passwd.xlsx"}, "must be inside"),
        ({"spreadsheet": "http://example.com/x"}, "Google spreadsheet id"),
        ({"spreadsheet": "demo.xlsx", "funnel": {"stage": [{"key": "a"}]}}, "at least two"),
        ({"spreadsheet": "demo.xlsx", "input_tabs": ["KPI"], "output_tab": "KPI"},
         "never written"),
        ({"spreadsheet": "demo.xlsx", "colour": "red"}, "colour"),
        ({"spreadsheet": "de\x00mo.xlsx"}, "NUL"),
        ({}, "spreadsheet"),
    ]
    for payload, words in cases:
        resp = client.post("/api/v1/jobs", json=payload, headers=auth)
        assert resp.status_code == 422, (payload, resp.get_json())
        err = error_of(resp)
        assert err["code"] == "invalid_request"
        assert words in err["message"] or any(words in d["field"] for d in err["details"]), err
    resp = client.post("/api/v1/jobs", data="{not json", headers=auth,
                       content_type="application/json")
    assert resp.status_code == 400 and "JSON" in error_of(resp)["message"]


def test_unknown_urls_and_methods_answer_json(client: FlaskClient, auth: dict[str, str]) -> None:
    resp = client.get("/api/v1/nothing", headers=auth)
    assert resp.status_code == 404 and "openapi.json" in error_of(resp)["message"]
    resp = client.put("/api/v1/jobs", headers=auth)
    assert resp.status_code == 405 and "GET" in resp.headers["Allow"]
    assert error_of(resp)["code"] == "method_not_allowed"
    assert client.get("/api/v1/jobs/99999999999", headers=auth).status_code == 404
    resp = client.get("/api/v1/runs?limit=0", headers=auth)
    assert resp.status_code == 400 and "limit" in error_of(resp)["message"]


def test_run_now_records_the_run_and_the_report(client: FlaskClient, auth: dict[str, str],
                                                books: Path) -> None:
    job = client.post("/api/v1/jobs", json=JOB, headers=auth).get_json()
    assert client.get(f"/api/v1/jobs/{job['id']}/report", headers=auth).status_code == 404

    resp = client.post(f"/api/v1/jobs/{job['id']}/run", headers=auth)
    assert resp.status_code == 201, resp.get_json()
    run = resp.get_json()
    assert run["status"] == "written", run
    assert run["trigger"] == "api" and run["error"] is None
    # .xlsx: one read of the file, one atomic write of it
    assert run["api_calls"] == 2
    assert run["cells_read"] > 24 * 9 and run["cells_written"] > 0
    assert len(run["input_hash"]) == 64 and run["seconds"] >= 0

    from python_calamine import CalamineWorkbook
    assert "Показатели" in CalamineWorkbook.from_path(str(books / "demo_ru.xlsx")).sheet_names

    again = client.post(f"/api/v1/jobs/{job['id']}/run", headers=auth).get_json()
    assert again["input_hash"] == run["input_hash"]
    # unchanged input: one read, no write (the state the service kept between the runs)
    assert (again["status"], again["api_calls"], again["cells_written"]) == ("unchanged", 1, 0)

    rep = client.get(f"/api/v1/jobs/{job['id']}/report", headers=auth).get_json()
    assert rep["run_id"] == again["id"]
    assert rep["report"]["sources"]["summary"] == "Воронка"
    assert len(rep["report"]["periods"]) >= 24

    runs = client.get(f"/api/v1/jobs/{job['id']}/runs", headers=auth).get_json()["runs"]
    assert [r["id"] for r in runs] == [again["id"], run["id"]]  # newest first
    page = client.get(f"/api/v1/runs?job_id={job['id']}&before={again['id']}",
                      headers=auth).get_json()["runs"]
    assert [r["id"] for r in page] == [run["id"]]
    only = client.get("/api/v1/runs?status=unchanged", headers=auth).get_json()["runs"]
    assert [r["id"] for r in only] == [again["id"]]
    listed = client.get(f"/api/v1/jobs/{job['id']}", headers=auth).get_json()
    assert listed["last_run"]["id"] == again["id"]


def test_a_failed_run_is_recorded_with_its_message(client: FlaskClient,
                                                   auth: dict[str, str]) -> None:
    job = client.post("/api/v1/jobs", json={"spreadsheet": "missing.xlsx"},
                      headers=auth).get_json()
    run = client.post(f"/api/v1/jobs/{job['id']}/run", headers=auth).get_json()
    assert run["status"] == "failed" and run["error_code"] == "not_found"
    assert "missing.xlsx" in run["error"] and "check the path" in run["error"]
    job = client.get(f"/api/v1/jobs/{job['id']}", headers=auth).get_json()
    assert job["consecutive_failures"] == 1 and job["enabled"] is True


def test_changing_the_source_forgets_the_remembered_layout(client: FlaskClient,
                                                           auth: dict[str, str],
                                                           app: Flask) -> None:
    from sheets_sync.store.models import Job

    job = client.post("/api/v1/jobs", json=JOB, headers=auth).get_json()
    client.post(f"/api/v1/jobs/{job['id']}/run", headers=auth)
    with get_store(app).session() as s:
        assert s.get(Job, job["id"]).state["columns"]
    client.patch(f"/api/v1/jobs/{job['id']}", json={"name": "renamed"}, headers=auth)
    with get_store(app).session() as s:
        assert s.get(Job, job["id"]).state is not None  # same source: kept
    client.patch(f"/api/v1/jobs/{job['id']}", json={"spreadsheet": "demo_en.xlsx"},
                 headers=auth)
    with get_store(app).session() as s:
        assert s.get(Job, job["id"]).state is None
