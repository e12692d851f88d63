"""One error tree for sheets_sync (sheets_sync/errors.py), a code on the core's errors, and the
handlers registered once in app/errors.py: JSON under /api/, a page on the dashboard."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

import sheets_sync.backends.csv_file  # noqa: F401  (TableError, a subclass defined there)
from funnel_kpi import ConfigError, FunnelError, LayoutError
from funnel_kpi.report.plan import PlanError
from sheets_sync import errors
from sheets_sync.app.store_ext import runner
from tests.service.test_dashboard import sign_in


def subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out += [sub, *subclasses(sub)]
    return out


def test_every_sheets_sync_error_is_under_one_root_with_a_code_and_a_status() -> None:
    roots = {errors.StoreError, errors.SettingsError, errors.ScheduleError, errors.JobNotFound,
             errors.AlreadyRunning, errors.PackageError, errors.SyncError}
    assert all(issubclass(c, errors.SheetsSyncError) for c in roots)
    for cls in subclasses(errors.SheetsSyncError):
        assert isinstance(cls.code, str) and cls.code, cls
        assert 400 <= cls.http_status < 600, cls
    # the codes runs and the API already used stay as they were
    assert (errors.InputError.code, errors.SourceError.code, errors.NotFound.code) == \
        ("bad_input", "source_error", "not_found")
    assert (errors.JobNotFound.http_status, errors.AlreadyRunning.http_status) == (404, 409)


def test_the_core_errors_carry_the_api_codes() -> None:
    assert [c.code for c in (FunnelError, ConfigError, LayoutError)] == ["cannot_compute"] * 3
    assert PlanError.code == "cannot_plan"


def test_a_sheets_sync_error_is_json_under_the_api_and_a_page_on_the_dashboard(
        app: Flask, client: FlaskClient, auth: dict[str, str]) -> None:
    @app.get("/api/v1/_broken")
    def broken_api() -> Any:
        raise errors.StoreError("The database is away: check it.")

    @app.get("/_broken_page")
    def broken_page() -> Any:
        raise errors.StoreError("The database is away: check it.")

    resp = client.get("/api/v1/_broken", headers=auth)
    assert resp.status_code == 503
    # a sentence not said by a catalogue key is the same in both languages
    assert resp.get_json() == {"error": {"code": "store_unavailable",
                                         "message": "The database is away: check it.",
                                         "message_ru": "The database is away: check it."}}
    page = client.get("/_broken_page")
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "The database is away: check it." in page.get_data(as_text=True)


def test_a_missing_job_is_404_and_google_access_comes_only_from_the_app(
        app: Flask, client: FlaskClient, auth: dict[str, str]) -> None:
    resp = client.post("/api/v1/jobs/999/run", headers=auth)
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "job_not_found"
    with app.app_context():
        assert runner().access is None  # nothing attached: opened as the CLI opens them


def test_the_dashboard_shows_a_job_error_on_the_job_page_not_as_json(
        client: FlaskClient, token: str, auth: dict[str, str]) -> None:
    """Inspect of a workbook that is not there: flashed on the job's page (app/errors.py), as
    the view's own try/except did before."""
    job = client.post("/api/v1/jobs", json={"spreadsheet": "nowhere.xlsx"}, headers=auth)
    job_id = job.get_json()["id"]
    sign_in(client, token)
    resp = client.get(f"/jobs/{job_id}/inspect")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/jobs/{job_id}")
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    flashed = page.split('<p class="flash error" role="status">', 1)[1].split("</p>", 1)[0]
    assert flashed.startswith("failed: ") and "nowhere.xlsx" in flashed, flashed
    assert client.get("/jobs/999/inspect").status_code == 404
