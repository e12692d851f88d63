"""Fixtures of the add-on tests: the real app on a SQLite file (the app, client, token and auth
fixtures are tests/conftest.py's), the service on a loopback port, Google Sheets played by
sheets_emulator over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from gspread.utils import ValueRenderOption

from sheets_emulator.testing import EmulatorProcess, running_emulator
from sheets_sync.google_client import make_client
from tests.conftest import DEMO_EN, DEMO_RU
from tests.helpers import serving

ADDIN_ORIGIN = "https://addin.example.com"


@pytest.fixture
def config(tmp_path: Path, books: Path) -> dict[str, Any]:
    return {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}",
            "XLSX_ROOT": str(books), "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "addon-test-secret", "ADDON_ALLOWED_ORIGINS": [ADDIN_ORIGIN]}


@pytest.fixture
def live(app: Flask) -> Iterator[str]:
    """The service under werkzeug on a loopback port, as `sheets-sync serve` runs it."""
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    with running_emulator(seeds=(str(DEMO_RU), str(DEMO_EN))) as emu:
        yield emu


def copy_of(emu: EmulatorProcess, seed: str, locale: str) -> str:
    """A fresh spreadsheet with the seed's values, so tests do not see each other's jobs."""
    client = make_client({"SHEETS_EMULATOR_HOST": emu.host})
    source = next(s for s in emu.spreadsheets() if seed in s.get("title", "") + s.get("id", ""))
    book = client.open_by_key(str(source["id"]))
    tabs = {ws.title: ws.get_values(value_render_option=ValueRenderOption.unformatted)
            for ws in book.worksheets()}
    return emu.create_from_values(f"add-on {seed}", tabs, locale=locale)
