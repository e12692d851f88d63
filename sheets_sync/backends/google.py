"""A Google spreadsheet as a backend, through gspread's low-level HTTP client.

gspread's ``Spreadsheet`` object fetches metadata when it is made, which would cost a request per
sync; the backend calls ``client.http_client`` directly so that a sync costs, in Sheets API calls:
  first sync / stale layout: spreadsheets.get (metadata) + values:batchGet + batchUpdate = 3
  steady state (layout known): values:batchGet + batchUpdate = 2; unchanged input: 1;
and in Drive API calls (a quota of its own), files.get?fields=version before the read and, when
it wrote, once more after the write: 2, or 1 when unchanged. The Drive version counts every
change to the file; one more than before the read, after our one write, means nobody else wrote
between them, and anything more means the KPI tab may be for an older input (job.py then syncs
again). A file without a version (Drive omits it) is never called stale.
Every call goes through bounded, jittered retries; gspread's errors become sheets_sync.errors.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlparse

import gspread
import msgspec
import requests
from gspread.exceptions import APIError
from gspread.urls import DRIVE_FILES_API_V3_URL, SPREADSHEET_VALUES_BATCH_URL
from gspread.utils import absolute_range_name

from funnel_kpi import Tab
from funnel_kpi.errors import Param, phrase
from sheets_sync.backends.base import (
    CallStats,
    Layout,
    Snapshot,
    WriteResult,
    json_values_hash,
    values_hash,
)
from sheets_sync.backends.sheets_requests import write_requests
from sheets_sync.errors import (
    InputError,
    NotFound,
    NotShared,
    QuotaExceeded,
    SourceError,
    Unavailable,
)
from sheets_sync.google_client import service_account_email
from sheets_sync.grid import KpiGrid
from sheets_sync.retry import RetryPolicy, call_with_retries, status_of

T = TypeVar("T")
log = logging.getLogger(__name__)
ID_RE = re.compile(r"^[A-Za-z0-9_-]{10,100}$")
URL_ID_RE = re.compile(r"^/spreadsheets/d/([A-Za-z0-9_-]+)")
METADATA_FIELDS = ("properties(title,locale,timeZone),"
                   "sheets(properties(sheetId,title,index),charts(chartId),"
                   "protectedRanges(protectedRangeId,description))")
LAYOUT_TTL = 24 * 3600.0  # a cached layout older than this is fetched again (new tabs appear)


def decode_json(body: bytes) -> Any:
    """A JSON answer decoded by msgspec: a 100,000-row values:batchGet decodes in about half
    the time of the json module gspread uses. msgspec refuses what Python's json takes
    (1e400 as infinity): that rare answer goes to json."""
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError:
        return json.loads(body)


class _ValueRange(msgspec.Struct):
    values: list[tuple[Any, ...]] = []


class _BatchGet(msgspec.Struct):
    valueRanges: list[_ValueRange] = []


_BATCH_GET = msgspec.json.Decoder(_BatchGet)


def decode_value_ranges(body: bytes) -> list[Sequence[Sequence[Any]]]:
    """The rows of each range of a values:batchGet answer. Rows come as tuples: a list per
    row made the collector walk the growing answer again and again while it was decoded
    (0.14 s of CPU for 100,000 rows against 0.06 s), where tuples of plain values cost it
    nothing; no pause of the collector is needed (it is process-wide: it would stop it for the
    service's other threads too)."""
    try:
        return [vr.values for vr in _BATCH_GET.decode(body).valueRanges]
    except (msgspec.DecodeError, msgspec.ValidationError):
        data = json.loads(body)  # 1e400 and the like, as decode_json
        return [vr.get("values", []) for vr in data.get("valueRanges", [])]


def spreadsheet_id(ref: str) -> str:
    """The id in a spreadsheet id or a docs.google.com URL; anything else is refused, so the
    service never fetches a URL a user typed."""
    ref = ref.strip()
    if ID_RE.match(ref):
        return ref
    url = urlparse(ref)
    if url.scheme == "https" and url.hostname == "docs.google.com":
        m = URL_ID_RE.match(url.path)
        if m:
            return m.group(1)
    raise InputError.say("error.not_spreadsheet_ref")


class GoogleBackend:
    def __init__(self, client: gspread.Client, ref: str, *,
                 policy: RetryPolicy | None = None, clock: Callable[[], float] = time.time,
                 throttle: Callable[[str], object] | None = None,
                 account_email: str | None = None) -> None:
        """``throttle(kind)`` runs before every request ("read" or "write": the quota limiter
        waits there); ``account_email`` is the service account's, for the not-shared message."""
        self.client = client
        self.throttle = throttle
        self.account_email = account_email
        self.id = spreadsheet_id(ref)
        self.policy = policy or RetryPolicy()
        self.stats = CallStats()
        self.clock = clock
        self.fetched_layout = False  # whether this backend has read the layout itself
        self.writes = 0  # batchUpdates that succeeded: each moves the Drive version by one
        self._writes_at_read = 0

    # -- calls -------------------------------------------------------------------------------
    def _call(self, what: Param, fn: Callable[[], T], kind: str = "read") -> T:
        throttle = self.throttle
        # Drive calls have their own quota: the Sheets limiter does not count them.
        before = (lambda: throttle(kind)) if throttle is not None and kind != "drive" else None
        try:
            return call_with_retries(fn, self.policy, self.stats, before)
        except APIError as e:
            raise self._map(e, what) from e
        except (requests.ConnectionError, requests.Timeout) as e:
            raise Unavailable.say("error.google_no_answer", what=what,
                                  kind=type(e).__name__) from e

    def _map(self, e: APIError, what: Param) -> Exception:
        status = status_of(e)
        message = e.error.get("message", "") if isinstance(e.error, dict) else str(e)
        if status == 404:
            return NotFound.say("error.spreadsheet_not_found", id=self.id)
        if status == 403:
            email = self.account_email or service_account_email()
            if email:
                return NotShared.say("error.not_shared", id=self.id, email=email)
            return NotShared.say("error.not_shared_no_email", id=self.id)
        if status == 429:
            return QuotaExceeded.say("error.quota", what=what, retries=self.stats.retries)
        if status is not None and status >= 500:
            return Unavailable.say("error.google_failed", what=what, status=status)
        return SourceError.say("error.google_refused", what=what, message=message)

    # -- read --------------------------------------------------------------------------------
    def fetch_layout(self, outputs: Sequence[str]) -> Layout:
        meta: dict[str, Any] = self._call(phrase("error.doing_tabs"), lambda: dict(
            self.client.http_client.fetch_sheet_metadata(
                self.id, params={"includeGridData": "false", "fields": METADATA_FIELDS})))
        self.fetched_layout = True
        props = meta.get("properties", {})
        sheets = meta.get("sheets", [])
        names = tuple(s["properties"]["title"] for s in sheets)
        ids = {s["properties"]["title"]: int(s["properties"]["sheetId"]) for s in sheets}
        charts: tuple[int, ...] = ()
        protected: tuple[int, ...] = ()
        output_tab = next((n for n in outputs if n in names), None)
        for s in sheets:
            if s["properties"]["title"] == output_tab:
                charts = tuple(int(c["chartId"]) for c in s.get("charts", []))
                protected = tuple(int(p["protectedRangeId"]) for p in s.get("protectedRanges", []))
        return Layout(props.get("title", ""), props.get("locale", "en_US"), names, ids,
                      charts, protected, self.clock())

    def revision(self) -> str:
        """The file's Drive version: one small files.get. "" when Drive gives none, or cannot be
        asked (the Drive API is off in the project, its quota is spent, the file is not shared:
        Drive says 404 then, and the Sheets read that follows says which): the sync goes on,
        unchecked, rather than fail for its check."""
        url = f"{DRIVE_FILES_API_V3_URL}/{self.id}"
        try:
            body = self._call(phrase("error.doing_revision"), lambda: decode_json(
                self.client.http_client.request(
                    "get", url, params={"fields": "version", "supportsAllDrives": "true"})
                .content), "drive")
        except SourceError as e:
            log.warning("spreadsheet %s: no Drive version, so no check for edits during the "
                        "sync (%s)", self.id, e)
            return ""
        version = str(body.get("version") or "") if isinstance(body, dict) else ""
        return version if version.isdigit() else ""

    def mark(self) -> str:
        """The file's version before a sync reads it (the writes that follow are this
        backend's own); a read that writes nothing (compute, inspect) asks for none."""
        self._writes_at_read = self.writes
        return self.revision()

    def moved_since(self, version: str) -> bool:
        """Whether anyone but this backend wrote since ``mark()`` gave ``version``."""
        if not version:
            return False
        now = self.revision()
        if not now:
            return False
        return int(now) - int(version) > self.writes - self._writes_at_read

    def read(self, outputs: Sequence[str], layout: Layout | None = None,
             tab_names: Sequence[str] | None = None) -> Snapshot:
        fresh = layout is None or self.clock() - layout.fetched_at > LAYOUT_TTL
        if fresh or layout is None:
            layout = self.fetch_layout(outputs)
        try:
            snapshot = self._read_values(layout, outputs, tab_names)
        except (SourceError, InputError) as e:
            if fresh or isinstance(e, NotFound | NotShared | QuotaExceeded | Unavailable):
                raise
            # A tab was renamed or deleted since the layout was remembered: look again, once.
            layout = self.fetch_layout(outputs)
            snapshot = self._read_values(layout, outputs, tab_names)
        return snapshot

    def _read_values(self, layout: Layout, outputs: Sequence[str],
                     tab_names: Sequence[str] | None) -> Snapshot:
        names = [n for n in layout.tab_names if n not in outputs] if tab_names is None \
            else list(tab_names)
        output_tab = next((n for n in outputs if n in layout.tab_names), None)
        missing = [n for n in names if n not in layout.tab_names]
        if missing:
            raise InputError.say("error.spreadsheet_no_tab", tab=missing[0],
                                 tabs=", ".join(layout.tab_names))
        ranges = [absolute_range_name(n) for n in names]
        with_output = output_tab is not None
        if with_output:
            ranges.append(absolute_range_name(str(output_tab)))
        params = {"valueRenderOption": "UNFORMATTED_VALUE",
                  "dateTimeRenderOption": "SERIAL_NUMBER", "majorDimension": "ROWS"}
        url = SPREADSHEET_VALUES_BATCH_URL % self.id
        value_ranges = self._call(phrase("error.doing_input"), lambda: decode_value_ranges(
            self.client.http_client.request("get", url, params={**params, "ranges": ranges})
            .content))
        tabs = tuple(Tab(n, rows) for n, rows in zip(names, value_ranges, strict=False))
        output_hash, a1 = None, None
        if with_output and len(value_ranges) > len(names):
            out_rows = value_ranges[-1]
            output_hash = values_hash(str(output_tab), out_rows)
            a1 = out_rows[0][0] if out_rows and out_rows[0] else ""
        return Snapshot(layout, tabs, json_values_hash(tabs), "", output_hash, a1)

    # -- write -------------------------------------------------------------------------------
    def write(self, grid: KpiGrid, snapshot: Snapshot) -> WriteResult:
        layout = snapshot.layout
        try:
            reply = self._send_write(grid, layout)
        except SourceError as e:
            # A remembered layout can be stale (someone deleted the chart or the KPI tab): the
            # batch is refused whole, so look again once and rewrite with what is there now.
            if type(e) is not SourceError or self.fetched_layout:
                raise
            layout = self.fetch_layout((grid.title,))
            reply = self._send_write(grid, layout)
        sheet_id = layout.sheet_ids.get(grid.title)
        new_id = sheet_id
        charts: list[int] = []
        protected: list[int] = []
        for r in reply.get("replies", []):
            if "addSheet" in r:
                new_id = int(r["addSheet"]["properties"]["sheetId"])
            if "addChart" in r:
                charts.append(int(r["addChart"]["chart"]["chartId"]))
            if "addProtectedRange" in r:
                protected.append(int(r["addProtectedRange"]["protectedRange"]["protectedRangeId"]))
        names = layout.tab_names if grid.title in layout.tab_names \
            else (*layout.tab_names, grid.title)
        ids = dict(layout.sheet_ids)
        if new_id is not None:
            ids[grid.title] = new_id
        new_layout = Layout(layout.title, layout.locale, names, ids, tuple(charts),
                            tuple(protected) or layout.output_protected, layout.fetched_at)
        return WriteResult(grid.cells, new_layout)

    def _send_write(self, grid: KpiGrid, layout: Layout) -> Any:
        sheet_id = layout.sheet_ids.get(grid.title)

        def send() -> Any:
            # Built afresh on every try: gspread may rewrite what it is given.
            body = {"requests": write_requests(grid, layout, sheet_id),
                    "includeSpreadsheetInResponse": False}
            return self.client.http_client.batch_update(self.id, body)

        reply = self._call(phrase("error.doing_write"), send, "write")
        self.writes += 1
        return reply
