"""What a spreadsheet backend does for a sync: one batch read, one atomic write.

A backend reads every input tab at once (raw values: numbers as numbers, dates as serials or date
objects) and writes one output tab, replaced whole, in one atomic operation. The output tab is
never read as input and input tabs are never written.
"""

from __future__ import annotations

import hashlib
import json
import marshal
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Protocol

import msgspec

from funnel_kpi import Tab
from sheets_sync.grid import KpiGrid


@dataclass
class CallStats:
    """What the calls of one sync cost; filled in by ``retry.call_with_retries`` (Google) or
    by the file backends."""

    requests: int = 0  # HTTP requests sent, retries included
    retries: int = 0
    waited: float = 0.0
    bytes_in: int = 0
    bytes_out: int = 0


@dataclass(frozen=True)
class Layout:
    """Facts about a spreadsheet that change rarely; remembered between syncs so that a
    steady-state Google sync needs no metadata request."""

    title: str
    locale: str  # "ru_RU", "en_US"
    tab_names: tuple[str, ...]
    sheet_ids: dict[str, int] = field(default_factory=dict)
    output_charts: tuple[int, ...] = ()  # chart ids on the output tab, to replace
    output_protected: tuple[int, ...] = ()  # protected range ids on the output tab
    fetched_at: float = 0.0  # unix time of the metadata read

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "locale": self.locale, "tab_names": list(self.tab_names),
                "sheet_ids": self.sheet_ids, "output_charts": list(self.output_charts),
                "output_protected": list(self.output_protected), "fetched_at": self.fetched_at}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Layout:
        return cls(d["title"], d["locale"], tuple(d["tab_names"]), dict(d.get("sheet_ids", {})),
                   tuple(d.get("output_charts", ())), tuple(d.get("output_protected", ())),
                   float(d.get("fetched_at", 0.0)))

    @property
    def lang(self) -> str:
        return "ru" if self.locale.lower().startswith("ru") else "en"


@dataclass(frozen=True)
class Snapshot:
    layout: Layout
    tabs: tuple[Tab, ...]  # the input tabs, in spreadsheet order
    input_hash: str
    version: str = ""  # a backend's token to detect a change between read and write
    output_hash: str | None = None  # hash of the output tab as it is now, when known
    output_a1: object = None  # the output tab's first cell, to tell whether the sync wrote it

    @property
    def cells(self) -> int:
        return sum(sum(map(len, t.rows)) for t in self.tabs)


@dataclass(frozen=True)
class WriteResult:
    cells: int
    layout: Layout  # updated (the output tab's ids may have changed)


class Backend(Protocol):
    stats: CallStats

    def read(self, outputs: Sequence[str], layout: Layout | None = None,
             tab_names: Sequence[str] | None = None) -> Snapshot:
        """Read the input tabs: ``tab_names``, or every tab not named in ``outputs`` (the output
        tab, or the names it may have). The first of ``outputs`` that exists is read too, for
        ``Snapshot.output_hash``, in the same request."""
        ...

    def write(self, grid: KpiGrid, snapshot: Snapshot) -> WriteResult:
        """Replace the output tab ``grid.title`` whole, atomically."""
        ...


def _default(o: object) -> str:
    # A date read back after openpyxl saved the file comes as a datetime at midnight.
    if isinstance(o, datetime) and o.time() == time(0):
        return o.date().isoformat()
    if isinstance(o, datetime | date):
        return o.isoformat()
    return repr(o)


_MSGPACK = msgspec.msgpack.Encoder()


def json_values_hash(tabs: Sequence[Tab]) -> str:
    """Hash of tabs holding only JSON values (what Google returns). MessagePack keeps 1 and 1.0
    apart and is the fastest encoding at hand (twice marshal on a 100,000-row tab, ten times
    json.dumps); an int beyond 64 bits, which it refuses, falls back to marshal."""
    h = hashlib.sha256()
    for tab in tabs:
        rows = list(tab.rows)
        try:
            h.update(_MSGPACK.encode((tab.name, rows)))
        except OverflowError:
            h.update(marshal.dumps((tab.name, rows)))
    return h.hexdigest()


def content_hash(tabs: Sequence[Tab]) -> str:
    """A stable hash of tab names and raw values, to skip a write when nothing changed; dates
    are hashed by their text, so a date read back as a midnight datetime hashes the same."""
    h = hashlib.sha256()
    for tab in tabs:
        h.update(tab.name.encode())
        h.update(b"\x00")
        h.update(json.dumps([list(r) for r in tab.rows], default=_default,
                            ensure_ascii=False).encode())
        h.update(b"\x01")
    return h.hexdigest()


def _normal(v: object) -> object:
    if v is None:
        return ""
    if isinstance(v, float):
        # openpyxl stores 15 significant digits; a read-back differs from what was written
        # only past that.
        v = float(f"{v:.12g}")
        return int(v) if v.is_integer() else v
    return v


def values_hash(name: str, rows: Sequence[Sequence[object]]) -> str:
    """Hash of an output tab's values as written or as read back: the two differ only in what a
    spreadsheet drops or retypes (trailing blanks, 5.0 read back as 5, the last digits of a
    float), which is normalised."""
    norm: list[list[object]] = []
    for row in rows:
        cells = [_normal(v) for v in row]
        while cells and cells[-1] == "":
            cells.pop()
        norm.append(cells)
    while norm and not norm[-1]:
        norm.pop()
    return content_hash([Tab(name, norm)])


def grid_hash(grid: KpiGrid) -> str:
    return values_hash(grid.title, grid.rows)
