"""Injected faults, per-minute quotas and the request log: the emulator's test controls.

Fault kinds: `429` (Google's RESOURCE_EXHAUSTED body and a Retry-After header), `500`, `503`,
`hang` (answer nothing for `hang_seconds`, past the client's timeout, then drop the connection)
and `drop` (close the connection without an answer). A rule matches a method (`*` for any) and a
path glob (fnmatch, e.g. `/v4/spreadsheets/*/values/*`; prefix `re:` for a regular expression)
and fires for its next `count` matching requests.
"""

from __future__ import annotations

import fnmatch
import re
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

from .errors import ERROR_INFO_TYPE, ApiError

KINDS = {"429": "429", "rate_limit": "429", "500": "500", "internal": "500", "503": "503",
         "unavailable": "503", "hang": "hang", "timeout": "hang", "drop": "drop",
         "disconnect": "drop"}
PROJECT = "000000000000"


@dataclass
class Fault:
    method: str
    path_pattern: str
    kind: str
    count: int = 1
    retry_after: float | None = None
    hang_seconds: float = 120.0

    def matches(self, method: str, path: str) -> bool:
        if self.method not in ("*", method.upper()):
            return False
        if self.path_pattern.startswith("re:"):
            return re.search(self.path_pattern[3:], path) is not None
        return fnmatch.fnmatchcase(path, self.path_pattern)


class Faults:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rules: list[Fault] = []
        self.release = threading.Event()  # set on reset/shutdown: hanging requests end

    def add(self, method: str, path_pattern: str, kind: str, count: int = 1,
            retry_after: float | None = None, hang_seconds: float | None = None) -> Fault:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {sorted(KINDS)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        fault = Fault(method.upper(), path_pattern, KINDS[kind], count, retry_after,
                      120.0 if hang_seconds is None else float(hang_seconds))
        with self.lock:
            self.rules.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The first rule matching this request, its count decreased (None when none does)."""
        with self.lock:
            for fault in self.rules:
                if fault.matches(method, path):
                    fault.count -= 1
                    if fault.count <= 0:
                        self.rules.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()
        self.release.set()
        self.release = threading.Event()

    def listing(self) -> list[dict[str, Any]]:
        with self.lock:
            return [asdict(f) for f in self.rules]


def quota_error(write: bool, limit: int | None, retry_after: float | None) -> ApiError:
    """Google's 429 for the Sheets per-user, per-minute quota."""
    metric, short = ("Write requests", "write") if write else ("Read requests", "read")
    limit_name = f"{short.capitalize()}RequestsPerMinutePerUser"
    message = (
        f"Quota exceeded for quota metric '{metric}' and limit '{metric} per minute per user' "
        f"of service 'sheets.googleapis.com' for consumer 'project_number:{PROJECT}'."
    )
    details: list[dict[str, Any]] = [
        {
            "@type": ERROR_INFO_TYPE,
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
            "metadata": {
                "quota_location": "global",
                "quota_metric": f"sheets.googleapis.com/{short}_requests",
                "quota_limit": limit_name,
                "quota_limit_value": str(limit if limit is not None else 60),
                "consumer": f"projects/{PROJECT}",
                "service": "sheets.googleapis.com",
            },
        },
        {
            "@type": "type.googleapis.com/google.rpc.Help",
            "links": [
                {
                    "description": "Request a higher quota limit.",
                    "url": "https://cloud.google.com/docs/quotas/help/request_increase",
                }
            ],
        },
    ]
    headers = {}
    if retry_after is not None:
        headers["Retry-After"] = str(max(1, round(retry_after)))
    return ApiError(429, message, details=details, headers=headers)


class Quotas:
    """Per-user read and write requests per minute, refilled at each minute's start."""

    def __init__(self, reads: int | None = None, writes: int | None = None) -> None:
        self.lock = threading.Lock()
        self.reads, self.writes = reads, writes
        self.windows: dict[str, tuple[float, int, int]] = {}

    def set(self, reads: int | None, writes: int | None) -> None:
        with self.lock:
            self.reads, self.writes = reads, writes
            self.windows.clear()

    def check(self, user: str, write: bool) -> None:
        limit = self.writes if write else self.reads
        if limit is None:
            return
        now = time.monotonic()
        with self.lock:
            start, reads, writes = self.windows.get(user, (now, 0, 0))
            if now - start >= 60:
                start, reads, writes = now, 0, 0
            used = writes if write else reads
            if used >= limit:
                raise quota_error(write, limit, 60 - (now - start))
            self.windows[user] = (start, reads + (not write), writes + write)

    def state(self) -> dict[str, Any]:
        return {"readsPerMinute": self.reads, "writesPerMinute": self.writes}


class RequestLog:
    def __init__(self, limit: int = 10_000) -> None:
        self.lock = threading.Lock()
        self.entries: deque[dict[str, Any]] = deque(maxlen=limit)

    def add(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.entries.append(entry)

    def all(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.entries)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
