"""The control API: faults (429/500/503/hang/drop), quotas, unshare, locale, log, reset."""

from __future__ import annotations

import gspread
import pytest
import requests

from sheets_emulator.server import InProcessEmulator
from sheets_emulator.testing import ControlClient
from sheets_sync.google_client import make_client

from .conftest import Raw


def _control(emu: InProcessEmulator) -> ControlClient:
    client = ControlClient()
    client.url = emu.url
    return client


def test_fault_429_has_googles_body_and_retry_after(emu: InProcessEmulator, gc: gspread.Client,
                                                    raw: Raw) -> None:
    sid = gc.create("q").id
    ctl = _control(emu)
    ctl.inject_fault("GET", "/v4/spreadsheets/*/values/*", "429", count=2, retry_after=7)
    r = raw.call("GET", f"/v4/spreadsheets/{sid}/values/A1")
    assert r.status_code == 429 and r.headers["Retry-After"] == "7"
    err = r.json()["error"]
    assert err["status"] == "RESOURCE_EXHAUSTED"
    assert err["message"].startswith("Quota exceeded for quota metric 'Read requests' and limit "
                                     "'Read requests per minute per user' of service "
                                     "'sheets.googleapis.com'")
    info = err["details"][0]
    assert info["reason"] == "RATE_LIMIT_EXCEEDED"
    assert info["metadata"]["quota_metric"] == "sheets.googleapis.com/read_requests"
    assert info["metadata"]["quota_limit"] == "ReadRequestsPerMinutePerUser"
    with pytest.raises(gspread.exceptions.APIError) as exc:
        gc.open_by_key(sid).sheet1.get("A1")
    assert exc.value.code == 429
    assert gc.open_by_key(sid).sheet1.get("A1") == [[]]  # count used up


@pytest.mark.parametrize(("kind", "code", "status"), [("500", 500, "INTERNAL"),
                                                      ("503", 503, "UNAVAILABLE")])
def test_fault_5xx(emu: InProcessEmulator, gc: gspread.Client, kind: str, code: int,
                   status: str) -> None:
    sid = gc.create("f").id
    _control(emu).inject_fault("POST", "*:batchUpdate", kind)
    with pytest.raises(gspread.exceptions.APIError) as exc:
        gc.open_by_key(sid).add_worksheet("x", 1, 1)
    assert exc.value.code == code and exc.value.error["status"] == status


def test_fault_hang_and_drop(emu: InProcessEmulator, gc: gspread.Client) -> None:
    sid = gc.create("h").id
    ctl = _control(emu)
    ctl.inject_fault("GET", "/v4/spreadsheets/*", "hang", hang_seconds=3)
    slow = make_client({"SHEETS_EMULATOR_HOST": emu.host}, timeout=(1, 0.5))
    with pytest.raises(requests.exceptions.ReadTimeout):
        slow.open_by_key(sid)
    ctl.inject_fault("*", "re:/v4/spreadsheets/[^/]+$", "drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        gc.open_by_key(sid)
    assert gc.open_by_key(sid).id == sid
    faults = [e.get("fault") for e in ctl.request_log()]
    assert faults.count("hang") == 1 and faults.count("drop") == 1


def test_quotas_per_minute(emu: InProcessEmulator, gc: gspread.Client) -> None:
    ws = gc.create("quota").sheet1
    _control(emu).set_quotas(2, None)
    ws.get("A1")
    ws.get("A1")
    with pytest.raises(gspread.exceptions.APIError) as exc:
        ws.get("A1")
    assert exc.value.code == 429
    assert 1 <= int(exc.value.response.headers["Retry-After"]) <= 60
    ws.update([[1]], "A1")  # writes have their own quota (unlimited here)


def test_unshare_gives_403(emu: InProcessEmulator, gc: gspread.Client, raw: Raw) -> None:
    sid = gc.create("private").id
    ctl = _control(emu)
    ctl.unshare(sid)
    body = raw.json("GET", f"/v4/spreadsheets/{sid}/values/A1", 403)
    assert body == {"error": {"code": 403, "message": "The caller does not have permission",
                              "status": "PERMISSION_DENIED"}}
    with pytest.raises(PermissionError):
        gc.open_by_key(sid)
    assert [s["shared"] for s in ctl.spreadsheets()] == [False]
    body = raw.json("GET", "/v4/spreadsheets/unknown", 404)
    assert body == {"error": {"code": 404, "message": "Requested entity was not found.",
                              "status": "NOT_FOUND"}}


def test_set_locale_and_create_from_values(emu: InProcessEmulator, gc: gspread.Client) -> None:
    ctl = _control(emu)
    sid = ctl.create_from_values("Funnel", {"Data": [["Month", "Leads"], ["Jan", 1234.5]],
                                            "KPI": []}, locale="en_US")
    sh = gc.open_by_key(sid)
    assert [w.title for w in sh.worksheets()] == ["Data", "KPI"]
    assert sh.worksheet("Data").acell("B2").value == "1234.5"
    ctl.set_locale(sid, "ru_RU", "Europe/Moscow")
    sh = gc.open_by_key(sid)
    assert (sh.locale, sh.timezone) == ("ru_RU", "Europe/Moscow")
    assert sh.worksheet("Data").acell("B2").value == "1234,5"


def test_request_log_and_reset(emu: InProcessEmulator, gc: gspread.Client) -> None:
    ctl = _control(emu)
    sh = gc.create("log")
    ws = sh.sheet1
    ctl.clear_log()
    ws.get("A1:B2", value_render_option="UNFORMATTED_VALUE")
    (entry,) = ctl.request_log()
    assert entry["method"] == "GET"
    assert entry["path"] == f"/v4/spreadsheets/{sh.id}/values/'Sheet1'!A1:B2"
    assert entry["query"] == {"valueRenderOption": "UNFORMATTED_VALUE"}
    assert entry["status"] == 200 and entry["duration_ms"] >= 0
    ctl.reset()
    assert ctl.spreadsheets() == [] and ctl.request_log() == []


def test_require_token(emu: InProcessEmulator, raw: Raw) -> None:
    emu.app.require_token = "secret"
    try:
        r = requests.get(f"{emu.url}/drive/v3/files", timeout=5)
        assert r.status_code == 401 and r.json()["error"]["status"] == "UNAUTHENTICATED"
        assert raw.call("GET", "/drive/v3/files").status_code == 401  # wrong token
        ok = requests.get(f"{emu.url}/drive/v3/files", timeout=5,
                          headers={"Authorization": "Bearer secret"})
        assert ok.status_code == 200
    finally:
        emu.app.require_token = False
