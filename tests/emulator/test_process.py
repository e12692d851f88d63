"""The emulator as users run it: `python -m sheets_emulator` in its own process on a free port,
seeded from .xlsx, persisting with --data across a kill and restart."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import gspread
import openpyxl
import pytest
import requests

from sheets_emulator.testing import running_emulator
from sheets_sync.google_client import make_client


def _workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Воронка"
    ws.append(["Месяц", "Лиды", "Оплаты", "Конверсия", "Дата"])
    ws.append(["Январь", 1200, 30, "=C2/B2", dt.date(2024, 1, 31)])
    ws["D2"].number_format = "0.0%"
    ws["B2"].number_format = "#,##0"
    wb.create_sheet("KPI")
    wb.save(path)
    return path


def test_subprocess_seed_and_gspread(tmp_path: Path) -> None:
    seed = _workbook(tmp_path / "demo_ru.xlsx")
    with running_emulator(seeds=[seed]) as emu:
        assert any("demo_ru" in line and "https://docs.google.com/spreadsheets/d/demo_ru/edit"
                   in line for line in emu.startup_lines)
        gc = make_client({"SHEETS_EMULATOR_HOST": emu.host})
        sh = gc.open_by_key("demo_ru")
        assert (sh.title, sh.locale) == ("demo_ru", "ru_RU")
        assert [w.title for w in sh.worksheets()] == ["Воронка", "KPI"]
        ws = sh.worksheet("Воронка")
        # openpyxl writes no cached value for D2, so the emulator computes 30 / 1200 = 0.025
        assert ws.get("A2:E2", value_render_option="UNFORMATTED_VALUE") == [
            ["Январь", 1200, 30, 0.025, 45322]]  # 2024-01-31 is serial 45322
        assert ws.get("B2:E2") == [["1\u00a0200", "30", "2,5%", "2024-01-31"]]
        assert ws.get("D2", value_render_option="FORMULA") == [["=C2/B2"]]
        assert [s["id"] for s in emu.spreadsheets()] == ["demo_ru"]
        emu.inject_fault("GET", "*", "503")
        with pytest.raises(gspread.exceptions.APIError):
            sh.fetch_sheet_metadata()
        assert emu.request_log()[-1]["status"] == 503


def test_data_dir_survives_a_kill(tmp_path: Path) -> None:
    data = tmp_path / "state"
    with running_emulator(data_dir=data) as emu:
        gc = make_client({"SHEETS_EMULATOR_HOST": emu.host})
        sid = emu.create_from_values("Kept", {"Data": [["a", 1]]})
        gc.open_by_key(sid).sheet1.update([["=B1*2"]], "C1", raw=False)
        emu.kill()
    with running_emulator(data_dir=data, extra_args=["--require-token", "tok"]) as emu:
        assert requests.get(f"{emu.url}/v4/spreadsheets/{sid}", timeout=5).status_code == 401
        r = requests.get(f"{emu.url}/v4/spreadsheets/{sid}/values/Data!A1:C1", timeout=5,
                         headers={"Authorization": "Bearer tok"},
                         params={"valueRenderOption": "UNFORMATTED_VALUE"})
        assert r.json()["values"] == [["a", 1, 2]]


def test_cli_reports_bad_seed(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sheets_emulator", "--port", "0", "--seed",
         str(tmp_path / "missing.xlsx")],
        capture_output=True, text=True, timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 2
    assert "seed file not found" in result.stderr and "Traceback" not in result.stderr
