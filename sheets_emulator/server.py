"""Serving the app: a threaded werkzeug server (HTTP/1.1 keep-alive), quiet by default."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import Emulator


class QuietHandler(WSGIRequestHandler):
    """No access log line per request (the control API has the request log)."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class LoudHandler(WSGIRequestHandler):
    pass


def build_server(app: Emulator, host: str = "127.0.0.1", port: int = 8085,
                 verbose: bool = False) -> BaseWSGIServer:
    handler = LoudHandler if verbose else QuietHandler
    return make_server(host, port, app, threaded=True, request_handler=handler)


@dataclass
class InProcessEmulator:
    """A server running in a thread of this process (for fast tests)."""

    app: Emulator
    server: BaseWSGIServer

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"


@contextlib.contextmanager
def serve_in_thread(app: Emulator | None = None, port: int = 0) -> Iterator[InProcessEmulator]:
    """Run an emulator in a background thread on a free port; stop it on exit."""
    app = app or Emulator()
    server = build_server(app, "127.0.0.1", port)
    thread = threading.Thread(target=server.serve_forever, name="sheets-emulator", daemon=True)
    thread.start()
    try:
        yield InProcessEmulator(app, server)
    finally:
        app.faults.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
