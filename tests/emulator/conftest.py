"""One in-process emulator per test module (reset before each test), a gspread client for it,
and `raw` for exact-JSON checks with requests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gspread
import pytest
import requests

from sheets_emulator.app import Emulator
from sheets_emulator.server import InProcessEmulator, serve_in_thread
from sheets_sync.google_client import make_client


@pytest.fixture(scope="module")
def server() -> Iterator[InProcessEmulator]:
    with serve_in_thread(Emulator()) as emu:
        yield emu


@pytest.fixture
def emu(server: InProcessEmulator) -> InProcessEmulator:
    server.app.reset()
    server.app.quotas.set(None, None)
    return server


@pytest.fixture
def gc(emu: InProcessEmulator) -> gspread.Client:
    return make_client({"SHEETS_EMULATOR_HOST": emu.host}, timeout=(2, 10))


class Raw:
    """Hand-built HTTP calls: exact bodies, status codes and headers."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.headers["Authorization"] = "Bearer test"

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.url + path, timeout=10, **kwargs)

    def json(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        r = self.call(method, path, **kwargs)
        assert r.status_code == status, r.text
        return r.json()


@pytest.fixture
def raw(emu: InProcessEmulator) -> Raw:
    return Raw(emu.url)
