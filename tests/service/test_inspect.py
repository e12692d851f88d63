"""How the input was read, on every surface: the CLI (inspect, compute's exit status), the API
(POST /api/v1/inspect) and the dashboard (the read-out, Inspect columns, the column mapping)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
from flask.testing import FlaskClient

TEAM = [["Месяц", "Визиты на сайт", "Заявки", "Встречи проведены", "Договоры", "Оплаты",
         "Пробные"],
        ["01.2024", 10000, 300, 60, 12, 10, 40],
        ["02.2024", 11000, 320, 70, 14, 11, 45]]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sheets_sync", *args], capture_output=True,
                          text=True, timeout=120, check=False)


def book(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Воронка"
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_inspect_says_how_each_column_is_read_and_exits_3_for_check(tmp_path: Path) -> None:
    path = book(tmp_path / "team.xlsx", TEAM)
    out = cli("inspect", str(path), "--format", "json", "--today", "2024-06-01")
    assert out.returncode == 3, out.stderr
    d = json.loads(out.stdout)
    assert d["status"] == "check" and any("G1" in r for r in d["status_reasons"])
    cols = {c["header"]: (c["role"], c["key"], c["evidence"]) for c in d["tabs"][0]["columns"]}
    assert cols == {
        "Месяц": ("period", None, "alias"),
        "Визиты на сайт": ("stage", "traffic", "alias"),
        "Заявки": ("stage", "leads", "alias"),
        "Встречи проведены": ("stage", "meetings", "alias"),
        "Договоры": ("stage", "contracts", "alias"),
        "Оплаты": ("stage", "paid", "alias"),
        "Пробные": ("stage", "probnye", "position"),  # nobody's name: a stage where it stands
    }
    text = cli("inspect", str(path), "--today", "2024-06-01")
    assert text.stdout.splitlines()[0] == "Проверьте данные"  # status first, in the book's language
    assert "по положению: проверьте" in text.stdout and text.returncode == 3


def test_a_pinned_mapping_makes_the_report_ok(tmp_path: Path) -> None:
    path = book(tmp_path / "team.xlsx", TEAM)
    toml = tmp_path / "funnel.toml"
    toml.write_text('[columns]\n"Пробные" = "ignore"\n', "utf-8")
    out = cli("compute", str(path), "--config", str(toml), "--format", "json",
              "--today", "2024-06-01")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["status"] == "ok"
    toml.write_text('[columns]\n"Визиты" = "traffic"\n', "utf-8")  # no such column
    gone = cli("compute", str(path), "--config", str(toml), "--today", "2024-06-01")
    assert gone.returncode == 2 and "pinned column 'Визиты'" in gone.stderr
    assert "Traceback" not in gone.stderr


def test_compute_exits_0_for_ok_and_says_so_in_help(tmp_path: Path) -> None:
    path = book(tmp_path / "ok.xlsx", [r[:6] for r in TEAM])
    assert cli("compute", str(path), "--today", "2024-06-01").returncode == 0
    helptext = cli("compute", "--help").stdout
    assert "0 when the report is ok, 3 when it is" in " ".join(helptext.split())


def test_the_api_inspects_rows_and_csv(client: FlaskClient, auth: dict[str, str]) -> None:
    resp = client.post("/api/v1/inspect", json={"values": TEAM, "today": "2024-06-01"},
                       headers=auth)
    assert resp.status_code == 200, resp.get_json()
    d = resp.get_json()
    assert d["status"] == "check"
    by = {c["header"]: c for c in d["tabs"][0]["columns"]}
    assert by["Пробные"]["evidence"] == "position" and by["Пробные"]["read_as"].startswith(
        "stage count")
    pinned = client.post("/api/v1/inspect", json={
        "values": TEAM, "today": "2024-06-01",
        "funnel": {"columns": {"Пробные": "ignore"}}}, headers=auth).get_json()
    assert pinned["status"] == "ok"
    csv = "\n".join(";".join(str(c) for c in r) for r in TEAM).encode("cp1251")
    resp = client.post("/api/v1/inspect?today=2024-06-01", data=csv,
                       headers={**auth, "Content-Type": "text/csv"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "check"
    bad = client.post("/api/v1/inspect", json={"values": TEAM, "funnel": {
        "columns": {"Пробные": "nonsense"}}}, headers=auth)
    assert bad.status_code == 422 and "nonsense" in bad.get_data(as_text=True)


def csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m
    return m.group(1)


def test_the_dashboard_shows_the_read_out_and_keeps_the_mapping(
        client: FlaskClient, token: str, books: Path) -> None:
    book(books / "team.xlsx", TEAM)
    page = client.get("/signin").get_data(as_text=True)
    client.post("/signin", data={"token": token, "csrf_token": csrf(page)})
    form = client.get("/jobs/new").get_data(as_text=True)
    assert 'name="mapping"' in form
    loc = client.post("/jobs/new", data={"csrf_token": csrf(form), "spreadsheet": "team.xlsx",
                                         "enabled": "on"}).headers["Location"]
    added = client.get(loc).get_data(as_text=True)  # a new job lands on its read-out
    assert 'id="readout"' in added and "Пробные" in added
    loc = loc.removesuffix("/inspect")
    page = client.get(loc).get_data(as_text=True)
    inspected = client.post(f"{loc}/inspect", data={"csrf_token": csrf(page)})
    html = inspected.get_data(as_text=True)
    assert inspected.status_code == 200 and 'id="readout"' in html
    assert "Пробные" in html and "by position: check" in html and 'id="data-status"' in html
    client.post(f"{loc}/run", data={"csrf_token": csrf(page)})
    page = client.get(loc).get_data(as_text=True)
    # status first: the read-out with its reasons comes before the funnel chart
    assert page.index('id="readout"') < page.index('id="funnel-chart"')
    assert 'class="status check"' in page  # the run records its data status
    runs = client.get(f"/api/v1/jobs/{loc.rsplit('/', 1)[1]}/runs",
                      headers={"Authorization": f"Bearer {token}"}).get_json()
    assert runs["runs"][0]["data_status"] == "check"
    # a mapping given in the form is the job's pinned reading
    form = client.get("/jobs/new").get_data(as_text=True)
    loc2 = client.post("/jobs/new", data={
        "csrf_token": csrf(form), "spreadsheet": "team.xlsx", "enabled": "on",
        "mapping": "Пробные = ignore\npipeline = A, B"}).headers["Location"]
    loc2 = loc2.removesuffix("/inspect")
    page = client.get(loc2).get_data(as_text=True)
    client.post(f"{loc2}/run", data={"csrf_token": csrf(page)})
    page = client.get(loc2).get_data(as_text=True)
    assert "Пробные = ignore" in page and "Every column understood" in page
    bad = client.post("/jobs/new", data={"csrf_token": csrf(form), "spreadsheet": "team.xlsx",
                                         "mapping": "Пробные = nonsense"})
    assert bad.status_code == 422 and "nonsense" in bad.get_data(as_text=True)
