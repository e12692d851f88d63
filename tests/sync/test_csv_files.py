"""CSV and TSV files wherever a workbook is accepted: the CLI, a job on a file in the workbook
folder, the API's upload. Every file here is written by the test in the encoding and with the
delimiter a real export has: a Russian amoCRM-like deal log in Windows-1251 with semicolons and
decimal commas, an English deal log in UTF-8 with a BOM and commas, a TSV summary.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient

from sheets_sync.backends.csv_file import (
    CsvBackend,
    TableError,
    guess_locale,
    read_table,
    sniff_delimiter,
)
from tests.conftest import REPO
from tests.sync.xlsx_books import libreoffice_sheets

TODAY = "2024-12-31"
AMO_STAGES = ["Успешно реализовано", "Закрыто и не реализовано", "Переговоры"]


def amo_csv(path: Path) -> Path:
    """60 deals, every third won, each with a budget of "1 234,56"; names hold ; and quotes."""
    lines = ["ID;Название сделки;Бюджет;Этап сделки;Воронка;Ответственный;Дата создания;"
             "Дата закрытия"]
    for i in range(60):
        created = date(2024, 1, 3) + timedelta(days=3 * i)
        closed = (created + timedelta(days=10)).strftime("%d.%m.%Y") if i % 3 != 2 else ""
        lines.append(f'{1000 + i};"Сделка №{i}; ООО ""Ромашка""";"1 234,56";'
                     f"{AMO_STAGES[i % 3]};Продажи;Иванов;{created:%d.%m.%Y};{closed}")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    return path


def english_csv(path: Path) -> Path:
    """40 deals, every other won, amounts "1,234.56" (quoted, as the comma is the delimiter)."""
    lines = ["Deal ID,Created,Status,Amount"]
    for i in range(40):
        created = date(2024, 2, 1) + timedelta(days=5 * i)
        lines.append(f'D{i:03d},{created.isoformat()},{"Won" if i % 2 == 0 else "Lost"},'
                     '"1,234.56"')
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8-sig"))
    return path


def tsv_summary(path: Path) -> Path:
    lines = ["Month\tLeads\tMeetings\tPaid"]
    for m in range(6):
        lines.append(f"2024-{m + 1:02d}-01\t{100 + 10 * m}\t{40 + m}\t{10 + m}")
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sheets_sync", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


def kpis(report: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = report["total"]["kpis"]
    return out


def test_the_reader_detects_encoding_delimiter_and_quoting(tmp_path: Path) -> None:
    amo = read_table(amo_csv(tmp_path / "amo.csv").read_bytes())
    assert amo[0][1] == "Название сделки" and len(amo) == 61
    assert amo[1][1:3] == ['Сделка №0; ООО "Ромашка"', "1 234,56"]
    eng = read_table(english_csv(tmp_path / "en.csv").read_bytes())
    assert eng[0] == ["Deal ID", "Created", "Status", "Amount"]  # no BOM in the first header
    assert eng[1][3] == "1,234.56"
    tsv = read_table(tsv_summary(tmp_path / "s.tsv").read_bytes())
    assert tsv[1] == ["2024-01-01", "100", "40", "10"]
    utf16 = read_table("Месяц\tЛиды\nянв. 2024\t5\n".encode("utf-16"))
    assert utf16 == [["Месяц", "Лиды"], ["янв. 2024", "5"]]
    assert sniff_delimiter("a;b;c\n1,5;2,5;3\n") == ";"
    assert sniff_delimiter("a,b\n1,2\n") == ","
    assert sniff_delimiter("a\tb\n1\t2\n") == "\t"
    assert read_table(b"a,,\n,,\n1,,\n") == [["a"], [], ["1"]]  # blanks are empty cells


def test_the_locale_comes_from_the_content() -> None:
    assert guess_locale([["Month", "Revenue"], ["2024-01-01", "1 234,56"]]) == "ru_RU"
    assert guess_locale([["Месяц"], ["янв. 2024"]]) == "ru_RU"
    assert guess_locale([["Month", "Revenue"], ["2024-01-01", "1,234.56"]]) == "en_US"


@pytest.mark.parametrize(("data", "line", "words"), [
    (b'a,b\n1,2\n"x"y,3\n', 3, "quotes"),
    (b'a,b\n1,2\n3,"4\n5,6\n', 3, "the row that starts on line 3"),
    (b"a;b\n1;2\n\xff\x98;3\n", 3, "neither UTF-8 nor Windows-1251"),
    (b"a,b\n1,2\n3,\x00\n", 3, "NUL"),
])
def test_a_file_that_cannot_be_read_names_the_line(data: bytes, line: int, words: str) -> None:
    with pytest.raises(TableError) as caught:
        read_table(data, "deals.csv")
    assert caught.value.line == line
    assert f"line {line}" in str(caught.value) and words in str(caught.value)


def test_cli_compute_on_a_russian_amocrm_export(tmp_path: Path) -> None:
    path = amo_csv(tmp_path / "сделки.csv")
    done = cli("compute", str(path), "--format", "json", "--today", TODAY)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["sources"]["deal_log"] == "сделки"  # the tab is the file's stem
    k = kpis(report)
    assert k["new_customers"] == 20
    assert k["average_deal"] == pytest.approx(1234.56)  # "1 234,56": a decimal comma
    table = cli("compute", str(path), "--today", TODAY)
    assert table.returncode == 0 and "Статус" in table.stdout  # ru_RU, from the content


def test_cli_compute_on_an_english_csv_with_a_bom(tmp_path: Path) -> None:
    done = cli("compute", str(english_csv(tmp_path / "deals.csv")), "--format", "json",
               "--today", TODAY)
    assert done.returncode == 0, done.stderr[-2000:]
    k = kpis(json.loads(done.stdout))
    assert k["win_rate"] == pytest.approx(0.5)
    assert k["revenue"] == pytest.approx(20 * 1234.56)  # "1,234.56": a thousands comma
    assert k["average_deal"] == pytest.approx(1234.56)


def test_cli_compute_on_a_tsv_summary(tmp_path: Path) -> None:
    done = cli("compute", str(tsv_summary(tmp_path / "funnel.tsv")), "--format", "json",
               "--today", TODAY)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["sources"]["summary"] == "funnel"
    jan = {s["key"]: s for s in report["periods"][0]["stages"]}
    assert jan["meetings"]["step_conversion"] == pytest.approx(40 / 100)


def test_cli_compute_on_a_malformed_csv_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b'Month,Leads\n2024-01-01,5\n2024-02-01,"6"x\n')
    done = cli("compute", str(path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "bad.csv cannot be read at line 3" in done.stderr


def test_cli_sync_writes_a_sibling_workbook_and_never_the_csv(tmp_path: Path) -> None:
    path = amo_csv(tmp_path / "deals.csv")
    before = path.read_bytes()
    state = tmp_path / "state.json"
    done = cli("sync", str(path), "--state", str(state), "--format", "json")
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["status"] == "written"
    kpi = tmp_path / "deals.kpi.xlsx"
    assert path.read_bytes() == before
    book = openpyxl.load_workbook(kpi)
    assert book.sheetnames == ["Показатели"]
    assert any(c.value for row in book["Показатели"].iter_rows() for c in row)
    again = cli("sync", str(path), "--state", str(state), "--format", "json")
    assert json.loads(again.stdout)["status"] == "unchanged", again.stderr[-2000:]
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deals.csv", "deals.kpi.xlsx",
                                                         "state.json"]
    opened = libreoffice_sheets(kpi, tmp_path / "lo")  # a real spreadsheet opens it
    assert list(opened) == ["Показатели"] and opened["Показатели"][0]


def test_a_sync_replaces_the_kpi_tab_of_an_existing_sibling(tmp_path: Path) -> None:
    from sheets_sync.job import SyncOptions, run_sync

    path = tsv_summary(tmp_path / "funnel.tsv")
    first = run_sync(CsvBackend(path), SyncOptions(today=date(2024, 12, 31)))
    kpi = tmp_path / "funnel.kpi.xlsx"
    book = openpyxl.load_workbook(kpi)
    book.create_sheet("Notes")["A1"] = "mine"  # the user's own tab in the sibling is kept
    book.save(kpi)
    path.write_text(path.read_text("utf-8") + "2024-07-01\t170\t46\t16\n", "utf-8")
    second = run_sync(CsvBackend(path), SyncOptions(today=date(2024, 12, 31)), first.state)
    assert second.status == "written"
    book = openpyxl.load_workbook(kpi)
    assert book.sheetnames == ["KPI", "Notes"] and book["Notes"]["A1"].value == "mine"


def test_a_new_sibling_workbook_gets_the_csvs_mode_not_0600(tmp_path: Path) -> None:
    """The sibling was made with tempfile.mkstemp (mode 0600) while a replaced workbook keeps
    its own mode: a user's group could read the CSV but not its KPI workbook."""
    from sheets_sync.job import SyncOptions, run_sync

    old = os.umask(0o022)
    try:
        path = tsv_summary(tmp_path / "funnel.tsv")
        assert run_sync(CsvBackend(path), SyncOptions(today=date(2024, 12, 31))).status == \
            "written"
    finally:
        os.umask(old)
    kpi = tmp_path / "funnel.kpi.xlsx"
    assert kpi.stat().st_mode & 0o777 == path.stat().st_mode & 0o777 == 0o644
    assert openpyxl.load_workbook(kpi).sheetnames == ["KPI"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["funnel.kpi.xlsx", "funnel.tsv"]


def test_the_version_is_that_of_the_bytes_read(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The CSV was read, then read again to hash it: a file saved in between gave a version
    of bytes the sync never read, and a write over a change it did not see."""
    import hashlib

    path = tsv_summary(tmp_path / "funnel.tsv")
    first = path.read_bytes()
    read_bytes = Path.read_bytes

    def read_then_change(self: Path) -> bytes:
        data = read_bytes(self)
        if self == path:
            self.write_bytes(data + b"2024-07-01\t170\t46\t16\n")  # saved just after
        return data

    monkeypatch.setattr(Path, "read_bytes", read_then_change)
    snapshot = CsvBackend(path).read(("KPI",))
    assert snapshot.version == hashlib.sha256(first).hexdigest()


@pytest.fixture
def config(tmp_path: Path, books: Path) -> dict[str, Any]:
    return {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}",
            "XLSX_ROOT": str(books), "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "csv-files-secret-0123456789"}


def test_a_job_on_a_csv_in_the_workbook_folder(app: Flask, client: FlaskClient,
                                               auth: dict[str, str], books: Path) -> None:
    path = amo_csv(books / "amo.csv")
    before = path.read_bytes()
    resp = client.post("/api/v1/jobs", json={"spreadsheet": "amo.csv"}, headers=auth)
    assert resp.status_code == 201, resp.get_json()
    job = resp.get_json()
    assert job["name"] == "amo"
    run = client.post(f"/api/v1/jobs/{job['id']}/run", headers=auth).get_json()
    assert run["status"] == "written", run
    assert (books / "amo.kpi.xlsx").exists() and path.read_bytes() == before
    outside = client.post("/api/v1/jobs", json={"spreadsheet": "../x.tsv"}, headers=auth)
    assert outside.status_code == 422 and "must be inside" in outside.get_data(as_text=True)


def test_the_api_upload_reads_the_same_files(client: FlaskClient, auth: dict[str, str],
                                             tmp_path: Path) -> None:
    for path in (english_csv(tmp_path / "en.csv"), amo_csv(tmp_path / "amo.csv")):
        resp = client.post(f"/api/v1/compute?today={TODAY}", data=path.read_bytes(),
                           headers={**auth, "Content-Type": "text/csv"})
        assert resp.status_code == 200, resp.get_json()
        assert kpis(resp.get_json())["average_deal"] == pytest.approx(1234.56)
    bad = client.post("/api/v1/compute", data=b'a,b\n1,2\n"x"y,3\n',
                      headers={**auth, "Content-Type": "text/csv"})
    assert bad.status_code == 400
    err = bad.get_json()["error"]
    assert err["code"] == "bad_csv" and "line 3" in err["message"]
