"""``sheets-sync`` loads a command's module when the command is named (sheets_sync/cli_lazy.py):
computing on a file imports neither the service nor the Google client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sheets_sync.cli import LAZY, main

REPO = Path(__file__).resolve().parents[1]
SERVICE = ("flask", "sqlalchemy", "alembic", "apscheduler", "celery", "redis", "waitress",
           "gspread", "google.auth", "sheets_sync.app", "sheets_sync.store", "sheets_emulator")


@pytest.mark.parametrize("name", sorted(LAZY))
def test_every_lazy_command_loads(name: str) -> None:
    command = main.get_command(click.Context(main), name)
    assert isinstance(command, click.Command)
    assert CliRunner().invoke(main, [name, "--help"]).exit_code == 0


def test_the_help_lists_every_command() -> None:
    out = CliRunner().invoke(main, ["--help"]).output
    for name in [*LAZY, "compute", "inspect", "plan", "kpis"]:
        assert f"  {name} " in out


def modules_after(args: list[str]) -> set[str]:
    """The modules a fresh ``sheets-sync ARGS`` process has imported when it is done."""
    code = ("import json, sys\nfrom sheets_sync.cli import main\n"
            "try:\n    main(sys.argv[1:], prog_name='sheets-sync')\n"
            "except SystemExit as e:\n    assert e.code in (0, 3), e.code\n"
            "sys.stdout = sys.__stdout__\n"
            "print('\\n@@' + json.dumps(sorted(sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, capture_output=True,
                         text=True, check=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(REPO)}).stdout
    return set(json.loads(out.rsplit("@@", 1)[1]))


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return [n for n in names if n in modules]


def test_compute_on_a_file_imports_none_of_the_service(tmp_path: Path) -> None:
    xlsx = modules_after(["compute", str(REPO / "templates" / "demo_en.xlsx"),
                          "--today", "2025-06-01"])
    assert "sheets_sync.backends.xlsx" in xlsx  # it did read the workbook
    assert loaded(xlsx, SERVICE) == []
    table = tmp_path / "deals.csv"
    table.write_text("Deal ID,Created,Status,Amount\nD1,2025-01-05,Won,1200\n"
                     "D2,2025-02-03,Lost,\n", "utf-8")
    assert loaded(modules_after(["compute", str(table), "--today", "2025-06-01"]),
                  SERVICE) == []


def test_a_service_command_still_loads_the_service() -> None:
    modules = modules_after(["tokens", "--help"])
    assert {"sheets_sync.cli_service", "flask", "sqlalchemy"} <= modules
