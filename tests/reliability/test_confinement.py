"""What the service may touch: spreadsheets only by id or docs.google.com URL (nothing else is
ever fetched), .xlsx files only inside XLSX_ROOT, and no formula ever written back."""

from __future__ import annotations

import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient

from sheets_emulator.testing import EmulatorProcess
from sheets_sync.app.store_ext import get_store
from sheets_sync.backends.google import GoogleBackend
from sheets_sync.backends.xlsx import XlsxBackend
from sheets_sync.google_client import make_client
from sheets_sync.job import SyncOptions, run_sync
from sheets_sync.store.models import Job
from tests.conftest import DEMO_EN

INJECTIONS = ['=IMPORTXML("http://127.0.0.1:9/x","//a")', "+SUM(1,2)", "-2+3", "@SUM(A1)",
              '=HYPERLINK("http://127.0.0.1:9","click")', "=1+1"]


class Trap(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Trap.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def trap() -> Iterator[str]:
    """A local server that would see any request the service made to a URL a user typed."""
    Trap.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trap)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join(5)


def refused_refs(trap: str) -> list[str]:
    return [
        f"http://{trap}/spreadsheets/d/1AbcdefghijKLMNOPqrs",
        f"https://{trap}/spreadsheets/d/1AbcdefghijKLMNOPqrs",
        f"https://docs.google.com@{trap}/spreadsheets/d/1AbcdefghijKLMNOPqrs",
        f"https://docs.google.com.{trap.split(':')[0]}.nip.io/spreadsheets/d/1Abcdefghij",
        "http://docs.google.com/spreadsheets/d/1AbcdefghijKLMNOPqrs",
        "ftp://docs.google.com/spreadsheets/d/1AbcdefghijKLMNOPqrs",
        "file:///etc/passwd", "gopher://127.0.0.1:70/_x", "//docs.google.com/spreadsheets/d/x",
        "https://docs.google.com/document/d/1AbcdefghijKLMNOPqrs",
        "https://drive.google.com/file/d/1AbcdefghijKLMNOPqrs", "short", "has space in it 123",
        "1Abcdefghij/../../x", "../../../../etc/passwd", "javascript:alert(1)",
    ]


def test_spreadsheets_only_as_ids_or_docs_google_urls(client: FlaskClient, auth: dict[str, str],
                                                      trap: str) -> None:
    for ref in refused_refs(trap):
        resp = client.post("/api/v1/jobs", json={"spreadsheet": ref}, headers=auth)
        assert resp.status_code == 422, ref
        assert resp.get_json()["error"]["details"][0]["field"] == "spreadsheet"
    ok = ["1AbcdefghijKLMNOPqrs",
          "https://docs.google.com/spreadsheets/d/1AbcdefghijKLMNOPqrs/edit#gid=0"]
    for ref in ok:
        assert client.post("/api/v1/jobs", json={"spreadsheet": ref},
                           headers=auth).status_code == 201
    assert Trap.hits == []


def test_a_stored_url_is_never_fetched_even_if_the_api_was_bypassed(
        app: Flask, client: FlaskClient, auth: dict[str, str], trap: str,
        emu: EmulatorProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    # Rows written straight into the database (an old version, a hand edit): the runner checks
    # again before any request, so the trap sees nothing and the runs fail with a reason.
    monkeypatch.setenv("SHEETS_EMULATOR_HOST", emu.host)
    emu.clear_log()
    with get_store(app).session() as s:
        ids = []
        for ref in refused_refs(trap):
            job = Job(spreadsheet=ref, name="x", timezone="UTC", enabled=True,
                      consecutive_failures=0)
            s.add(job)
            s.commit()
            ids.append(job.id)
    for job_id in ids:
        run = client.post(f"/api/v1/jobs/{job_id}/run", headers=auth).get_json()
        assert run["status"] == "failed" and run["error_code"] in ("bad_input", "not_found"), run
    assert Trap.hits == []
    assert emu.request_log() == []  # not even the emulator was asked


def test_xlsx_paths_are_confined_to_the_folder(app: Flask, client: FlaskClient,
                                               auth: dict[str, str], books: Path,
                                               tmp_path: Path) -> None:
    outside = tmp_path / "outside.xlsx"
    shutil.copy(DEMO_EN, outside)
    before = outside.read_bytes()
    (books / "sub").mkdir()
    os.symlink(outside, books / "link.xlsx")
    os.symlink(tmp_path, books / "sub" / "up")
    bad = ["../outside.xlsx", str(outside), "sub/../../outside.xlsx", "link.xlsx",
           "sub/up/outside.xlsx", "/etc/passwd.xlsx", "..\\outside.xlsx/../../outside.xlsx"]
    for ref in bad:
        resp = client.post("/api/v1/jobs", json={"spreadsheet": ref}, headers=auth)
        assert resp.status_code == 422, ref
    # stored around the API: the runner refuses it too, and the file outside is untouched
    with get_store(app).session() as s:
        ids = []
        for ref in bad:
            job = Job(spreadsheet=ref, name="x", timezone="UTC", enabled=True,
                      consecutive_failures=0)
            s.add(job)
            s.commit()
            ids.append(job.id)
    for job_id in ids:
        run = client.post(f"/api/v1/jobs/{job_id}/run", headers=auth).get_json()
        assert run["status"] == "failed", run
        assert run["error_code"] in ("bad_input", "not_found"), run
    assert outside.read_bytes() == before
    # inside the folder, a sub-folder is fine
    shutil.copy(DEMO_EN, books / "sub" / "in.xlsx")
    job = client.post("/api/v1/jobs", json={"spreadsheet": "sub/in.xlsx"}, headers=auth)
    assert client.post(f"/api/v1/jobs/{job.get_json()['id']}/run",
                       headers=auth).get_json()["status"] == "written"


def injection_tabs() -> dict[str, list[list[Any]]]:
    """Formula-like text where a sync copies text to the KPI tab: stage headers of a team's own
    funnel, values of bad cells (listed as problems), and a tab name."""
    header = ["Month", *INJECTIONS[:4]]
    rows: list[list[Any]] = [header]
    for m in range(1, 7):
        rows.append([f"2024-{m:02d}-01", 1000, 500, 100, 20])
    rows[2][2] = INJECTIONS[4]  # a bad cell: its text goes to the problems list
    rows[3][3] = INJECTIONS[5]
    return {"Funnel": rows, "=SUM(1)": [["Month", "Leads"], ["2024-01-01", "@x"]]}


def test_no_formula_is_written_back_to_google(emu: EmulatorProcess) -> None:
    sid = emu.create_from_values("=IMPORTXML(\"http://x\",\"//a\")", injection_tabs())
    client = make_client({"SHEETS_EMULATOR_HOST": emu.host})
    outcome = run_sync(GoogleBackend(client, sid), SyncOptions())
    assert outcome.status == "written"
    grid = client.http_client.request("get", f"https://sheets.googleapis.com/v4/spreadsheets/"
                                      f"{sid}", params={"ranges": "'KPI'",
                                                        "includeGridData": "true"}).json()
    cells = [c for row in grid["sheets"][0]["data"][0].get("rowData", [])
             for c in row.get("values", [])]
    entered = [c["userEnteredValue"] for c in cells if "userEnteredValue" in c]
    assert entered and not any("formulaValue" in v for v in entered)
    texts = {v["stringValue"] for v in entered if "stringValue" in v}
    for text in INJECTIONS:
        assert any(text in t for t in texts), text  # written, as text


def test_no_formula_is_written_back_to_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "inject.xlsx"
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in injection_tabs().items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # the input holds the text, not a formula
    book.save(path)
    assert run_sync(XlsxBackend(path), SyncOptions()).status == "written"
    ws = openpyxl.load_workbook(path)["KPI"]
    types = {c.data_type for row in ws.iter_rows() for c in row if c.value is not None}
    assert "f" not in types
    texts = [str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    for text in INJECTIONS:
        assert any(text in t for t in texts), text
