"""The add-on's endpoints (/api/v1/addon/...) against a Google Sheets job: the service on a
loopback port, its Google client talking to sheets_emulator over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from gspread.utils import ValueRenderOption

from sheets_emulator.testing import EmulatorProcess
from sheets_sync.google_client import make_client
from tests.addon.conftest import ADDIN_ORIGIN, copy_of


class Api:
    def __init__(self, base: str, token: str) -> None:
        self.base = f"{base}/api/v1"
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **params: Any) -> requests.Response:
        return requests.get(self.base + path, params=params, headers=self.headers, timeout=60)

    def post(self, path: str, body: Any) -> requests.Response:
        return requests.post(self.base + path, json=body, headers=self.headers, timeout=120)


@pytest.fixture
def api(live: str, token: str, emulator: EmulatorProcess,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setenv("SHEETS_EMULATOR_HOST", emulator.host)
    yield Api(live, token)


def test_create_find_sync_runs_and_inspect(api: Api, emulator: EmulatorProcess) -> None:
    sheet = copy_of(emulator, "demo_ru", "ru_RU")
    missing = api.get("/addon/job", spreadsheet=sheet)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert "POST /api/v1/addon/job" in missing.json()["error"]["message"]

    made = api.post("/addon/job", {"spreadsheet": sheet, "lang": "ru",
                                   "schedule": "0 7 * * 1-5", "timezone": "Europe/Moscow"})
    assert made.status_code == 201, made.text
    job = made.json()["job"]
    assert job["spreadsheet"] == sheet and job["output_tab"] == "Показатели"
    assert job["schedule"] == {"cron": "0 7 * * 1-5", "interval_seconds": None,
                               "timezone": "Europe/Moscow"}
    again = api.post("/addon/job", {"spreadsheet": sheet, "lang": "en"})
    assert again.status_code == 200 and again.json()["job"]["id"] == job["id"]
    url = f"https://docs.google.com/spreadsheets/d/{sheet}/edit#gid=0"
    assert api.get("/addon/job", spreadsheet=url).json()["job"]["id"] == job["id"]
    found = api.get("/addon/job", spreadsheet=sheet).json()["job"]
    assert found == api.get(f"/jobs/{job['id']}").json()  # the job JSON of GET /jobs/<id>

    run = api.post("/addon/sync", {"spreadsheet": sheet})
    assert run.status_code == 201, run.text
    out = run.json()
    assert out["status"] == "written" and out["job_id"] == job["id"] and out["error"] is None
    assert out["data_status"] in ("ok", "check")
    assert isinstance(out["status_reasons"], list) and isinstance(out["status_reasons_ru"], list)
    assert (out["data_status"] == "check") == bool(out["status_reasons"])
    book = make_client({"SHEETS_EMULATOR_HOST": emulator.host}).open_by_key(sheet)
    assert "Показатели" in [ws.title for ws in book.worksheets()]
    second = api.post("/addon/sync", {"spreadsheet": sheet}).json()
    assert second["status"] == "unchanged"

    runs = api.get("/addon/runs", spreadsheet=sheet).json()["runs"]
    assert [r["id"] for r in runs] == [second["id"], out["id"]]  # newest first
    assert [r["id"] for r in api.get("/addon/runs", spreadsheet=sheet, limit=1)
            .json()["runs"]] == [second["id"]]

    readout = api.post("/addon/inspect", {"spreadsheet": sheet})
    assert readout.status_code == 200, readout.text
    got = readout.json()
    tabs = {ws.title: ws.get_values(value_render_option=ValueRenderOption.unformatted)
            for ws in book.worksheets() if ws.title != "Показатели"}
    same = api.post("/inspect", {"tabs": [{"name": n, "values": v} for n, v in tabs.items()],
                                 "locale": "ru_RU"}).json()
    assert got["status"] == same["status"] and got["funnel"] == same["funnel"]
    assert [t["tab"] for t in got["tabs"]] == [t["tab"] for t in same["tabs"]]
    assert [[c["read_as"] for c in t["columns"]] for t in got["tabs"]] == \
        [[c["read_as"] for c in t["columns"]] for t in same["tabs"]]


def test_a_failed_sync_says_why(api: Api, emulator: EmulatorProcess) -> None:
    sheet = copy_of(emulator, "demo_en", "en_US")
    assert api.post("/addon/job", {"spreadsheet": sheet, "tabs": ["No such tab"]}
                    ).status_code == 201
    run = api.post("/addon/sync", {"spreadsheet": sheet}).json()
    assert run["status"] == "failed" and run["error_code"] and "No such tab" in run["error"]
    assert run["status_reasons"] == []


@pytest.mark.parametrize(("body", "status"), [
    ({"spreadsheet": "book.xlsx"}, 422),
    ({"spreadsheet": "not an id!"}, 422),
    ({"spreadsheet": ""}, 422),
    ({}, 422),
    ({"spreadsheet": "1AbcdefghijKLMNOPqrs", "lang": "de"}, 422),
    ({"spreadsheet": "1AbcdefghijKLMNOPqrs", "schedule": "every day"}, 422),
    ({"spreadsheet": "1AbcdefghijKLMNOPqrs", "color": "red"}, 422),
])
def test_bad_requests_are_refused_with_a_reason(api: Api, body: dict[str, Any],
                                                status: int) -> None:
    resp = api.post("/addon/job", body)
    assert resp.status_code == status, resp.text
    assert resp.json()["error"]["message"]


def test_a_spreadsheet_without_a_job(api: Api) -> None:
    for path in ("/addon/sync", "/addon/inspect"):
        resp = api.post(path, {"spreadsheet": "1AbcdefghijKLMNOPqrs"})
        assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found"
    resp = api.get("/addon/runs", spreadsheet="1AbcdefghijKLMNOPqrs")
    assert resp.status_code == 404
    assert api.get("/addon/job").status_code == 400  # no spreadsheet given
    assert api.get("/addon/runs", spreadsheet="1AbcdefghijKLMNOPqrs", limit=0).status_code in (
        400, 404)


def test_the_token_rules_and_cors(live: str, token: str) -> None:
    bare = requests.get(f"{live}/api/v1/addon/job", params={"spreadsheet": "1Abcdefghij"},
                        timeout=10, headers={"Origin": ADDIN_ORIGIN})
    assert bare.status_code == 401 and bare.json()["error"]["code"] == "unauthorized"
    assert bare.headers["Access-Control-Allow-Origin"] == ADDIN_ORIGIN
    pre = requests.options(f"{live}/api/v1/addon/sync", timeout=10, headers={
        "Origin": ADDIN_ORIGIN, "Access-Control-Request-Method": "POST"})
    assert pre.headers["Access-Control-Allow-Origin"] == ADDIN_ORIGIN
