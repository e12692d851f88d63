"""Replaying recorded Google traffic (gspread's test cassettes) against a fresh emulator.

Each interaction's request is sent to the emulator with the recorded ids swapped for the ones the
emulator gave out; its answer is compared with Google's "on data": same status class and the same
JSON once what cannot match is normalised: ids (also inside URLs) and Drive timestamps, the title
of a spreadsheet the replay had to create (a cassette recorded on one made by an earlier test),
e-mail addresses (the recording account's) and the order of theme colours, which Google shuffles.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from werkzeug.test import Client

from sheets_emulator.app import Emulator

CASSETTES = Path(__file__).parent / "cassettes"
# Keys whose values are ids the emulator picks itself: mapped, never compared.
ID_KEYS = {"spreadsheetId", "id", "sheetId", "protectedRangeId", "namedRangeId", "filterViewId",
           "chartId", "bandedRangeId", "permissionId", "destinationSpreadsheetId"}
TIME_KEYS = {"createdTime", "modifiedTime"}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Calls that cannot apply offline: permissions name real accounts, tokens are Google's own.
EXCLUDED = re.compile(r"/permissions|oauth2|/token")


@dataclass
class Outcome:
    cassette: str
    index: int
    family: str
    matched: bool
    detail: str = ""


@dataclass
class Replay:
    """One cassette against one fresh emulator."""

    name: str
    doc: dict[str, Any]
    app: Emulator = field(default_factory=Emulator)
    ids: dict[Any, Any] = field(default_factory=dict)  # recorded -> emulator
    made_up: set[str] = field(default_factory=set)  # spreadsheets the replay had to create

    def __post_init__(self) -> None:
        self.client = Client(self.app)

    def run(self) -> tuple[list[Outcome], int]:
        outcomes, excluded = [], 0
        for n, rec in enumerate(self.doc["interactions"]):
            if EXCLUDED.search(rec["uri"]):
                excluded += 1
                continue
            outcomes.append(self.one(n, rec))
        return outcomes, excluded

    def one(self, n: int, rec: dict[str, Any]) -> Outcome:
        family = family_of(rec)
        path = self.path(rec)
        body = self.swap(rec["body"])
        kwargs: dict[str, Any] = {"method": rec["method"],
                                  "headers": {"Authorization": "Bearer replay"}}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["content_type"] = "application/json"
        response = self.client.open(path, **kwargs)
        got = json.loads(response.data) if response.data.strip() else None
        want = rec["response"]
        if isinstance(want, dict) and isinstance(got, dict):
            self.learn(want, got)
        if rec["status"] // 100 != response.status_code // 100:
            return Outcome(self.name, n, family, False,
                           f"status {response.status_code}, Google {rec['status']}: "
                           f"{_short(got)}")
        a, b = self.normal(want, recorded=True), self.normal(got, recorded=False)
        if a == b:
            return Outcome(self.name, n, family, True)
        return Outcome(self.name, n, family, False, first_difference(a, b))

    # --- requests -----------------------------------------------------------------------------

    def path(self, rec: dict[str, Any]) -> str:
        parts = urlsplit(rec["uri"])
        segments = parts.path.split("/")
        m = re.match(r"/(?:v4/spreadsheets|drive/v3/files)/([^/:]+)", parts.path)
        if m and m.group(1) not in self.ids and not _creates(rec) and rec["status"] < 400:
            self.make_up(m.group(1))
        for i, seg in enumerate(segments):
            head, sep, tail = seg.partition(":")
            if head in self.ids:
                segments[i] = str(self.ids[head]) + sep + tail
        path = "/".join(segments)
        query = parts.query
        for old, new in self.ids.items():
            if isinstance(old, str) and old in query:
                query = query.replace(old, str(new))
        return path + ("?" + query if query else "")

    def make_up(self, recorded_id: str) -> None:
        """A cassette recorded on a spreadsheet made earlier (first seen in a call that worked):
        start it as Google makes one."""
        setup = self.doc.get("setup", {})
        r = self.client.post("/v4/spreadsheets", json={"properties": {"title": "replay"}})
        sid = r.get_json()["spreadsheetId"]
        props: dict[str, Any] = {"sheetId": 0}
        if "sheet1_title" in setup:
            props["title"] = setup["sheet1_title"]
        if "sheet1_grid" in setup:
            rows, cols = setup["sheet1_grid"]
            props["gridProperties"] = {"rowCount": rows, "columnCount": cols}
        if len(props) > 1:
            fields = ",".join(k for k in props if k != "sheetId")
            self.client.post(f"/v4/spreadsheets/{sid}:batchUpdate", json={"requests": [
                {"updateSheetProperties": {"properties": props, "fields": fields}}]})
        self.ids[recorded_id] = sid
        self.made_up.add(sid)

    def swap(self, body: Any) -> Any:
        if isinstance(body, dict):
            return {k: (self.ids.get(v, v) if k in ID_KEYS and _hashable(v) else self.swap(v))
                    for k, v in body.items()}
        if isinstance(body, list):
            return [self.swap(v) for v in body]
        return body

    # --- answers ------------------------------------------------------------------------------

    def learn(self, want: Any, got: Any) -> None:
        """Pair recorded ids with the emulator's where both answers hold them at the same place."""
        if isinstance(want, dict) and isinstance(got, dict):
            for k, v in want.items():
                if k not in got:
                    continue
                if k in ID_KEYS and _hashable(v) and _hashable(got[k]):
                    self.ids.setdefault(v, got[k])
                else:
                    self.learn(v, got[k])
        elif isinstance(want, list) and isinstance(got, list):
            for a, b in zip(want, got, strict=False):
                self.learn(a, b)

    def normal(self, value: Any, *, recorded: bool) -> Any:
        back = {v: k for k, v in self.ids.items() if _hashable(v)}
        return self._normal(value, recorded, back)

    def _normal(self, value: Any, recorded: bool, back: dict[Any, Any]) -> Any:
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for k, v in value.items():
                if k in ID_KEYS and _hashable(v):
                    out[k] = v if recorded else back.get(v, v)
                elif k in TIME_KEYS:
                    out[k] = "<time>"
                elif k == "themeColors" and isinstance(v, list):
                    out[k] = sorted((self._normal(c, recorded, back) for c in v),
                                    key=lambda c: str(c.get("colorType")))
                else:
                    out[k] = self._normal(v, recorded, back)
            if "spreadsheetId" in value and isinstance(out.get("properties"), dict):
                sid = value["spreadsheetId"] if recorded else back.get(value["spreadsheetId"])
                if self.ids.get(sid) in self.made_up:
                    out["properties"] = dict(out["properties"], title="<title>")
            return out
        if isinstance(value, list):
            return [self._normal(v, recorded, back) for v in value]
        if isinstance(value, str):
            if not recorded:
                for emu_id, rec_id in back.items():
                    if isinstance(emu_id, str) and emu_id in value:
                        value = value.replace(emu_id, str(rec_id))
            return EMAIL.sub("<email>", value)
        return value


def family_of(rec: dict[str, Any]) -> str:
    """The call's kind: `batchUpdate:<request>` for batchUpdate, else the REST method."""
    path = unquote(urlsplit(rec["uri"]).path)
    if path.startswith("/drive/"):
        kind = {"POST": "create", "GET": "get", "DELETE": "delete", "PATCH": "update"}
        method = str(rec["method"])
        return "drive." + kind.get(method, method.lower())
    if path.endswith(":batchUpdate") and "/values" not in path:
        requests = (rec["body"] or {}).get("requests") or [{}]
        return "batchUpdate:" + ",".join(sorted({str(next(iter(r), "?")) for r in requests}))
    if "/values" in path:
        m = re.search(r":(append|clear|batchGet|batchUpdate|batchClear)$", path)
        return "values." + (m.group(1) if m else "get" if rec["method"] == "GET" else "update")
    return "spreadsheets." + ("create" if rec["method"] == "POST" else "get")


def first_difference(a: Any, b: Any, where: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in b:
                return f"{where}/{k}: Google sends {_short(a[k])}, emulator omits it"
            if k not in a:
                return f"{where}/{k}: emulator sends {_short(b[k])}, Google omits it"
            if a[k] != b[k]:
                return first_difference(a[k], b[k], f"{where}/{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return first_difference(x, y, f"{where}[{i}]")
    return f"{where or '/'}: Google {_short(a)}, emulator {_short(b)}"


def replay_all(folder: Path = CASSETTES) -> tuple[list[Outcome], int]:
    outcomes: list[Outcome] = []
    excluded = 0
    for path in sorted(folder.glob("*.json")):
        result, skipped = Replay(path.stem, json.loads(path.read_text())).run()
        outcomes += result
        excluded += skipped
    return outcomes, excluded


def rates(outcomes: list[Outcome]) -> dict[str, tuple[int, int]]:
    total, good = Counter[str](), Counter[str]()
    for o in outcomes:
        total[o.family] += 1
        good[o.family] += o.matched
    return {f: (good[f], total[f]) for f in sorted(total)}


def _creates(rec: dict[str, Any]) -> bool:
    return rec["method"] == "POST" and urlsplit(rec["uri"]).path.rstrip("/") in (
        "/drive/v3/files", "/v4/spreadsheets")


def _hashable(v: Any) -> bool:
    return isinstance(v, (str, int)) and not isinstance(v, bool)


def _short(v: Any) -> str:
    text = json.dumps(v, ensure_ascii=False)
    return text if len(text) <= 160 else text[:157] + "..."


__all__ = ["CASSETTES", "Outcome", "Replay", "family_of", "rates", "replay_all"]
