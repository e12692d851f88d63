"""The WSGI application: Google's paths under one origin, the control API under /__emulator/.

Every Google request passes, in order: injected faults, the bearer-token check (with
--require-token), the per-minute quotas, then its handler. Errors leave as Google's JSON; an
unexpected exception is a 500 INTERNAL body (and a traceback on stderr), never a crash.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request

from . import fieldmask, gcpause, values_api
from .control import handle
from .errors import ApiError
from .faults import Faults, Quotas, RequestLog, quota_error
from .reply import Reply
from .routes import dispatch
from .seed import SeedSpec, load
from .store import Store

_ID = r"(?P<id>[^/:?]+)"
Route = tuple[str, re.Pattern[str], str]
ROUTES: list[Route] = [
    (m, re.compile(p), name) for m, p, name in [
        ("POST", r"/v4/spreadsheets/?", "create"),
        ("GET", rf"/v4/spreadsheets/{_ID}", "get"),
        ("POST", rf"/v4/spreadsheets/{_ID}:batchUpdate", "batch_update"),
        ("GET", rf"/v4/spreadsheets/{_ID}/values:batchGet", "values_batch_get"),
        ("POST", rf"/v4/spreadsheets/{_ID}/values:batchUpdate", "values_batch_update"),
        ("POST", rf"/v4/spreadsheets/{_ID}/values:batchClear", "values_batch_clear"),
        ("POST", rf"/v4/spreadsheets/{_ID}/values/(?P<range>[^/]+):append", "values_append"),
        ("POST", rf"/v4/spreadsheets/{_ID}/values/(?P<range>[^/]+):clear", "values_clear"),
        ("GET", rf"/v4/spreadsheets/{_ID}/values/(?P<range>[^/]+)", "values_get"),
        ("PUT", rf"/v4/spreadsheets/{_ID}/values/(?P<range>[^/]+)", "values_update"),
        ("POST", rf"/v4/spreadsheets/{_ID}/sheets/(?P<sid>\d+):copyTo", "copy_to"),
        ("GET", r"/drive/v3/files/?", "drive_list"),
        ("POST", r"/drive/v3/files/?", "drive_create"),
        ("GET", rf"/drive/v3/files/{_ID}", "drive_get"),
        ("PATCH", rf"/drive/v3/files/{_ID}", "drive_update"),
        ("DELETE", rf"/drive/v3/files/{_ID}", "drive_delete"),
        ("POST", rf"/drive/v3/files/{_ID}/copy", "drive_copy"),
        ("GET", rf"/drive/v3/files/{_ID}/export", "drive_export"),
        ("GET", rf"/drive/v3/files/{_ID}/permissions", "perm_list"),
        ("POST", rf"/drive/v3/files/{_ID}/permissions", "perm_create"),
        ("DELETE", rf"/drive/v3/files/{_ID}/permissions/(?P<pid>[^/]+)", "perm_delete"),
        ("GET", rf"/drive/v3/files/{_ID}/comments", "comments"),
        ("POST", rf"/drive/v3/files/{_ID}/comments", "comments"),
        ("PUT", rf"/upload/drive/v2/files/{_ID}", "import_csv"),
    ]
]
_SHEETS_WRITES = {"create", "batch_update", "values_batch_update", "values_batch_clear",
                  "values_append", "values_clear", "values_update", "copy_to"}


encode = values_api.encode


class Emulator:
    """The application object; `store`, `faults`, `quotas` and `log` are its state."""

    def __init__(self, store: Store | None = None, *, seeds: Iterable[SeedSpec] = (),
                 require_token: bool | str = False, read_quota: int | None = None,
                 write_quota: int | None = None) -> None:
        self.store = store or Store()
        self.seeds = list(seeds)
        self.require_token = require_token
        self.faults = Faults()
        self.quotas = Quotas(read_quota, write_quota)
        self.log = RequestLog()
        self.load_seeds(replace=False)

    def load_seeds(self, replace: bool = True) -> None:
        with self.store.lock:
            for spec in self.seeds:
                if replace or spec.spreadsheet_id not in self.store.books:
                    self.store.put(load(spec))

    def reset(self) -> None:
        with self.store.lock:
            self.store.clear()
            self.load_seeds()
        self.faults.clear()
        self.quotas.set(self.quotas.reads, self.quotas.writes)
        self.log.clear()

    # --- WSGI -------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.perf_counter()
        request = Request(environ)
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.path
        raw_path = raw.split("?", 1)[0]
        if "://" in raw_path:  # absolute-form request target
            raw_path = "/" + raw_path.split("://", 1)[1].partition("/")[2]
        if raw_path.startswith("/__emulator/"):
            reply = self._safe(lambda: handle(self, request, raw_path))
            return self._respond(reply, start_response)
        entry: dict[str, Any] = {
            "time": time.time(),
            "method": request.method,
            "path": unquote(raw_path),
            "query": {k: (v[0] if len(v) == 1 else v) for k, v in request.args.lists()},
        }
        fault = self.faults.take(request.method, unquote(raw_path))
        if fault is not None and fault.kind in ("hang", "drop"):
            entry.update(status=None, fault=fault.kind, duration_ms=0.0)
            self.log.add(entry)  # logged before the wait, so a test sees it at once
            if fault.kind == "hang":
                self.faults.release.wait(fault.hang_seconds)
            entry["duration_ms"] = (time.perf_counter() - started) * 1000
            _drop(environ)
            start_response("500 Internal Server Error", [("Content-Length", "0")])
            return [b""]
        if fault is not None:
            entry["fault"] = fault.kind
        reply = self._safe(lambda: self._google(request, raw_path, fault))
        fields = request.args.get("fields")
        if fields and reply.status == 200 and _masks_generically(raw_path):
            reply = self._safe(lambda: _masked(reply, fields))
        if reply.raw is None:
            reply.raw = encode(reply.json)
        entry["status"] = reply.status
        entry["duration_ms"] = (time.perf_counter() - started) * 1000
        entry["response_bytes"] = len(reply.raw)
        self.log.add(entry)
        return self._respond(reply, start_response)

    def _safe(self, fn: Callable[[], Reply]) -> Reply:
        try:
            return fn()
        except ApiError as exc:
            return Reply(status=exc.code, json=exc.body(), headers=exc.headers)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            err = ApiError(500, "Internal error encountered.")
            return Reply(status=500, json=err.body())

    def _respond(self, reply: Reply, start_response: Callable[..., Any]) -> Any:
        body = reply.raw if reply.raw is not None else encode(reply.json)
        headers = [("Content-Type", reply.content_type), ("Content-Length", str(len(body)))]
        headers.extend(reply.headers.items())
        start_response(f"{reply.status} {HTTP_STATUS_CODES.get(reply.status, 'Unknown')}",
                       headers)
        return [body]

    def _google(self, request: Request, raw_path: str, fault: Any) -> Reply:
        name, params = _route(request.method, raw_path)
        sheets_call = raw_path.startswith("/v4/")
        write = name in _SHEETS_WRITES
        if fault is not None:
            raise _fault_error(fault.kind, write, fault.retry_after)
        self._check_token(request)
        if sheets_call:
            self.quotas.check(_user(request), write)
        return self._dispatch(name, params, request)

    def _check_token(self, request: Request) -> None:
        if not self.require_token:
            return
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if not token:
            raise ApiError(401, "Request is missing required authentication credential. "
                           "Expected OAuth 2 access token, login cookie or other valid "
                           "authentication credential. See https://developers.google.com/"
                           "identity/sign-in/web/devconsole-project.",
                           headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'})
        if isinstance(self.require_token, str) and token != self.require_token:
            raise ApiError(401, "Request had invalid authentication credentials. Expected OAuth 2 "
                           "access token, login cookie or other valid authentication credential. "
                           "See https://developers.google.com/identity/sign-in/web/"
                           "devconsole-project.",
                           headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/",'
                                    ' error="invalid_token"'})

    def _dispatch(self, name: str, p: dict[str, str], request: Request) -> Reply:
        with gcpause.paused():
            return dispatch(self, name, p, request)


def _masks_generically(raw_path: str) -> bool:
    """spreadsheets.get and Drive apply `fields` themselves; other answers are masked here."""
    return raw_path.startswith("/v4/") and ("/values" in raw_path or ":" in raw_path)


def _masked(reply: Reply, fields: str) -> Reply:
    body = reply.json if reply.raw is None else json.loads(reply.raw)
    try:
        tree = fieldmask.parse(fields)
    except fieldmask.MaskError:
        raise ApiError(400, "Request contains an invalid argument.") from None
    return Reply(status=reply.status, json=fieldmask.select(body, tree), headers=reply.headers)


def _route(method: str, raw_path: str) -> tuple[str, dict[str, str]]:
    for route_method, pattern, name in ROUTES:
        m = pattern.fullmatch(raw_path)
        if m and route_method == method:
            return name, {k: unquote(v) for k, v in m.groupdict().items()}
    raise ApiError(404, "Requested entity was not found.")


def _user(request: Request) -> str:
    return request.headers.get("Authorization", "") or request.remote_addr or "anonymous"


def _fault_error(kind: str, write: bool, retry_after: float | None) -> ApiError:
    if kind == "429":
        return quota_error(write, None, 1 if retry_after is None else retry_after)
    if kind == "503":
        return ApiError(503, "The service is currently unavailable.")
    return ApiError(500, "Internal error encountered.")


def _drop(environ: dict[str, Any]) -> None:
    sock = environ.get("werkzeug.socket")
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
