"""Helpers the service, reliability and scale suites share."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from sheets_sync.app.store_ext import get_store
from sheets_sync.backends.xlsx import XlsxBackend
from sheets_sync.store.models import Run


def wait_for(cond: Callable[[], Any], timeout: float = 10.0, what: str = "condition",
             interval: float = 0.05) -> Any:
    """``cond()``'s first true value, polled every ``interval`` seconds; fails after
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not true within {timeout:g} s")
        time.sleep(interval)


def runs_of(app: Flask, job_id: int) -> list[Run]:
    with get_store(app).session() as s:
        return list(s.scalars(select(Run).where(Run.job_id == job_id).order_by(Run.id)))


class SlowXlsx(XlsxBackend):
    """The real .xlsx backend, held inside its read until the test lets it go."""

    def __init__(self, path: Path, entered: threading.Event, release: threading.Event) -> None:
        super().__init__(path)
        self.entered, self.release = entered, release

    def read(self, *args: Any, **kwargs: Any) -> Any:
        self.entered.set()
        assert self.release.wait(10)
        return super().read(*args, **kwargs)


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """The app under werkzeug on a loopback port, as `sheets-sync serve` runs it; its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(10)
