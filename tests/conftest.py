"""Fixtures of every suite that runs the service app: each suite's conftest gives ``config``
(its database and settings); these make the app, a client, a token and demo workbooks."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]

# CI runs the property tests on the same examples every time (a failure there is reproducible
# and never a coin toss on submission); a developer's run explores new ones.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")
DEMO_RU = REPO / "templates" / "demo_ru.xlsx"
DEMO_EN = REPO / "templates" / "demo_en.xlsx"


@pytest.fixture(autouse=True)
def english_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI says its errors in the locale's language (cli_errors.error_lang): the tests that
    read its English run under an English locale on a Russian machine too."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(name, "").lower().startswith("ru"):
            monkeypatch.setenv(name, "C.UTF-8")


@pytest.fixture
def books(tmp_path: Path) -> Path:
    """XLSX_ROOT with copies of the demo workbooks (syncs write into them)."""
    root = tmp_path / "books"
    root.mkdir()
    shutil.copy(DEMO_RU, root / "demo_ru.xlsx")
    shutil.copy(DEMO_EN, root / "demo_en.xlsx")
    return root


@pytest.fixture
def app(config: dict[str, Any]) -> Iterator[Flask]:
    from sheets_sync.app import create_app
    from sheets_sync.app.store_ext import get_store

    app = create_app(config)
    yield app
    get_store(app).dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def token(app: Flask) -> str:
    from sheets_sync.app.store_ext import get_store
    from sheets_sync.store.tokens import create_token

    with get_store(app).session() as s:
        secret, _ = create_token(s, "tests")
    return secret


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
