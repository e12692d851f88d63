"""The emulator's state: spreadsheets in memory, optionally saved to a folder on every write.

Values are kept compactly because reads of 3 million cells must be cheap: per sheet a list of
row lists of plain Python values (None = empty cell, str, int, float, bool, CellError), with
everything rarer (formulas, formats, notes) in a sparse row -> column -> dict map (`extras`).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import secrets
import string
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import defaults
from .errors import ApiError, not_found, permission_denied

_ID_CHARS = string.ascii_letters + string.digits + "-_"


@dataclass(frozen=True)
class CellError:
    """A formula error value such as #DIV/0! (Google's ErrorValue)."""

    code: str  # "#DIV/0!"
    kind: str  # "DIVIDE_BY_ZERO"
    message: str

    def __str__(self) -> str:
        return self.code


def now_rfc3339() -> str:
    t = dt.datetime.now(dt.UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def new_spreadsheet_id() -> str:
    return "1" + "".join(secrets.choice(_ID_CHARS) for _ in range(43))


def new_id() -> int:
    """A random positive int32, as Google's sheet, protected range, chart and named range ids."""
    return secrets.randbelow(2**31 - 1) + 1


def new_sheet_id(taken: set[int]) -> int:
    while True:
        sid = new_id()
        if sid not in taken:
            return sid


@dataclass
class Sheet:
    props: dict[str, Any]
    rows: list[list[Any]] = field(default_factory=list)
    # row -> col -> {"f": formula, "fmt": userEnteredFormat, "auto": numberFormat, "note": str}
    extras: dict[int, dict[int, dict[str, Any]]] = field(default_factory=dict)
    row_meta: dict[int, dict[str, Any]] = field(default_factory=dict)
    col_meta: dict[int, dict[str, Any]] = field(default_factory=dict)
    merges: list[dict[str, Any]] = field(default_factory=list)
    basic_filter: dict[str, Any] | None = None
    protected: list[dict[str, Any]] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)
    # row/column groups: dimension -> index -> how many groups hold it (see groups.py)
    groups: dict[str, dict[int, int]] = field(default_factory=dict)
    # collapsed groups: dimension -> {(start, end, depth)}
    collapsed: dict[str, set[tuple[int, int, int]]] = field(default_factory=dict)
    # encoded values.get answers of this sheet (see values_api); emptied by every change
    cache: dict[tuple[Any, ...], bytes] = field(default_factory=dict, compare=False, repr=False)
    # FORMATTED_VALUE of rows without formats or formulas, made when written (Google, too, keeps
    # formatted values): a big formatted read is then slices. Valid for display_locale only.
    display: dict[int, list[Any]] = field(default_factory=dict, compare=False, repr=False)
    display_locale: str = field(default="", compare=False, repr=False)
    # the same rows (and the unformatted ones) already JSON-encoded: render -> row -> bytes
    encoded: dict[str, dict[int, bytes]] = field(default_factory=dict, compare=False, repr=False)
    # rows are another book's too until unshare(): see clone(share_rows=)
    rows_shared: bool = field(default=False, compare=False, repr=False)

    @property
    def id(self) -> int:
        return int(self.props["sheetId"])

    @property
    def title(self) -> str:
        return str(self.props["title"])

    @property
    def row_count(self) -> int:
        return int(self.props["gridProperties"].get("rowCount", 0))

    @property
    def col_count(self) -> int:
        return int(self.props["gridProperties"].get("columnCount", 0))

    def changed(self, row: int | None = None) -> None:
        """Forget derived answers: of one row, or (None) of the whole sheet. Every change of
        the cells starts here or at ``unshare``."""
        self.unshare()
        self.cache.clear()
        if row is None:
            self.display.clear()
            self.encoded.clear()
        else:
            self.display.pop(row, None)
            for rows in self.encoded.values():
                rows.pop(row, None)

    def unshare(self) -> None:
        """Take a private copy of rows shared with another book's sheet (``clone``) before
        they are changed."""
        if self.rows_shared:
            self.rows = [r[:] for r in self.rows]
            self.rows_shared = False

    def set_size(self, rows: int, cols: int) -> None:
        self.cache.clear()
        self.props["gridProperties"]["rowCount"] = rows
        self.props["gridProperties"]["columnCount"] = cols

    def clone(self, *, share_rows: bool = False) -> Sheet:
        """A deep copy; with ``share_rows`` the cell rows (the bulk of a big sheet) stay shared
        until this copy changes them (``unshare``). Derived answers are not copied (see
        routes.dispatch, which carries them over when the content ended up the same)."""
        twin = Sheet(
            props=copy.deepcopy(self.props),
            rows=self.rows if share_rows else [r[:] for r in self.rows],
            extras={r: {c: dict(x) for c, x in cols.items()} for r, cols in self.extras.items()},
            row_meta=copy.deepcopy(self.row_meta),
            col_meta=copy.deepcopy(self.col_meta),
            merges=copy.deepcopy(self.merges),
            basic_filter=copy.deepcopy(self.basic_filter),
            protected=copy.deepcopy(self.protected),
            charts=copy.deepcopy(self.charts),
            groups={dim: dict(depth) for dim, depth in self.groups.items()},
            collapsed={dim: set(keys) for dim, keys in self.collapsed.items()},
        )
        twin.rows_shared = share_rows
        return twin

    def same_content(self, other: Sheet) -> bool:
        """Whether values, cell extras and properties are equal (C-speed list compares)."""
        return self.props == other.props and self.rows == other.rows and (
            self.extras == other.extras)

    def has_formulas(self) -> bool:
        return any("f" in x for cols in self.extras.values() for x in cols.values())


@dataclass
class Spreadsheet:
    id: str
    props: dict[str, Any]
    sheets: list[Sheet]
    named_ranges: list[dict[str, Any]] = field(default_factory=list)
    created: str = field(default_factory=now_rfc3339)
    modified: str = field(default_factory=now_rfc3339)
    version: int = 1  # Drive's file version: one more for every write (touch)
    shared: bool = True
    parents: list[str] = field(default_factory=list)
    permissions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(self.props["title"])

    @property
    def locale(self) -> str:
        return str(self.props.get("locale", "en_US"))

    def url(self) -> str:
        return f"{defaults.URL_PREFIX}{self.id}/edit"

    def sheet_by_title(self, title: str) -> Sheet | None:
        for s in self.sheets:
            if s.title == title:
                return s
        # Google matches sheet names case-insensitively in ranges
        low = title.lower()
        for s in self.sheets:
            if s.title.lower() == low:
                return s
        return None

    def sheet_by_id(self, sheet_id: int) -> Sheet | None:
        for s in self.sheets:
            if s.id == sheet_id:
                return s
        return None

    def reindex(self) -> None:
        for i, s in enumerate(self.sheets):
            s.props["index"] = i

    def cell_total(self) -> int:
        return sum(s.row_count * s.col_count for s in self.sheets)

    def clone(self, *, share_rows: bool = False) -> Spreadsheet:
        """A deep copy; with ``share_rows``, copy-on-write cell rows (see Sheet.clone)."""
        return Spreadsheet(
            id=self.id,
            props=copy.deepcopy(self.props),
            sheets=[s.clone(share_rows=share_rows) for s in self.sheets],
            named_ranges=copy.deepcopy(self.named_ranges),
            created=self.created,
            modified=self.modified,
            version=self.version,
            shared=self.shared,
            parents=list(self.parents),
            permissions=copy.deepcopy(self.permissions),
        )

    def touch(self) -> None:
        self.modified = now_rfc3339()
        self.version += 1


def new_spreadsheet(
    title: str,
    locale: str = "en_US",
    time_zone: str | None = None,
    sheet_titles: tuple[str, ...] = ("Sheet1",),
    spreadsheet_id: str | None = None,
) -> Spreadsheet:
    sheets = []
    taken: set[int] = set()
    for i, name in enumerate(sheet_titles):
        sid = 0 if i == 0 else new_sheet_id(taken)
        taken.add(sid)
        sheets.append(Sheet(props=defaults.sheet_properties(sid, name, i)))
    return Spreadsheet(
        id=spreadsheet_id or new_spreadsheet_id(),
        props=defaults.spreadsheet_properties(title, locale, time_zone),
        sheets=sheets,
        permissions=[_owner_permission()],
    )


def _owner_permission() -> dict[str, Any]:
    return {
        "kind": "drive#permission",
        "id": "emulator-owner",
        "type": "user",
        "emailAddress": "emulator@sheets-emulator.iam.gserviceaccount.com",
        "role": "owner",
        "displayName": "sheets-emulator",
        "deleted": False,
        "pendingOwner": False,
    }


class Store:
    """All spreadsheets, one lock for all of them (requests are short; correctness first)."""

    def __init__(self, data_dir: str | os.PathLike[str] | None = None) -> None:
        self.lock = threading.RLock()
        self.books: dict[str, Spreadsheet] = {}
        self.data_dir = Path(data_dir) if data_dir else None
        if self.data_dir:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self._load_all()

    def get(self, spreadsheet_id: str, *, check_shared: bool = True) -> Spreadsheet:
        book = self.books.get(spreadsheet_id)
        if book is None:
            raise not_found()
        if check_shared and not book.shared:
            raise permission_denied()
        return book

    def put(self, book: Spreadsheet) -> None:
        self.books[book.id] = book
        self.save(book)

    def delete(self, spreadsheet_id: str) -> None:
        self.books.pop(spreadsheet_id, None)
        if self.data_dir:
            path = self.data_dir / f"{spreadsheet_id}.json"
            path.unlink(missing_ok=True)

    def clear(self) -> None:
        for book_id in list(self.books):
            self.delete(book_id)

    # --- persistence -------------------------------------------------------------------------

    def save(self, book: Spreadsheet) -> None:
        if not self.data_dir:
            return
        path = self.data_dir / f"{book.id}.json"
        tmp = path.with_suffix(".json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(dump_book(book), f, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, path)

    def _load_all(self) -> None:
        assert self.data_dir is not None
        for path in sorted(self.data_dir.glob("*.json")):
            try:
                with open(path, encoding="utf-8") as f:
                    book = load_book(json.load(f))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ApiError(500, f"cannot load {path}: {exc}") from exc
            self.books[book.id] = book


def _dump_value(v: Any) -> Any:
    if isinstance(v, CellError):
        return {"__error__": [v.code, v.kind, v.message]}
    return v


def _load_value(v: Any) -> Any:
    if isinstance(v, dict) and "__error__" in v:
        return CellError(*v["__error__"])
    return v


def dump_book(book: Spreadsheet) -> dict[str, Any]:
    sheets = []
    for s in book.sheets:
        sheets.append(
            {
                "props": s.props,
                "rows": [[_dump_value(v) for v in r] for r in s.rows],
                "extras": [[r, c, x] for r, cols in s.extras.items() for c, x in cols.items()],
                "row_meta": [[k, v] for k, v in s.row_meta.items()],
                "col_meta": [[k, v] for k, v in s.col_meta.items()],
                "merges": s.merges,
                "basic_filter": s.basic_filter,
                "protected": s.protected,
                "charts": s.charts,
                "groups": {dim: [[i, d] for i, d in depth.items()]
                           for dim, depth in s.groups.items()},
                "collapsed": {dim: sorted(keys) for dim, keys in s.collapsed.items()},
            }
        )
    return {
        "id": book.id,
        "props": book.props,
        "sheets": sheets,
        "named_ranges": book.named_ranges,
        "created": book.created,
        "modified": book.modified,
        "version": book.version,
        "shared": book.shared,
        "parents": book.parents,
        "permissions": book.permissions,
    }


def load_book(data: dict[str, Any]) -> Spreadsheet:
    sheets = []
    for d in data["sheets"]:
        extras: dict[int, dict[int, dict[str, Any]]] = {}
        for r, c, x in d.get("extras", []):
            extras.setdefault(int(r), {})[int(c)] = x
        sheets.append(
            Sheet(
                props=d["props"],
                rows=[[_load_value(v) for v in r] for r in d.get("rows", [])],
                extras=extras,
                row_meta={int(k): v for k, v in d.get("row_meta", [])},
                col_meta={int(k): v for k, v in d.get("col_meta", [])},
                merges=d.get("merges", []),
                basic_filter=d.get("basic_filter"),
                protected=d.get("protected", []),
                charts=d.get("charts", []),
                groups={dim: {int(i): int(n) for i, n in pairs}
                        for dim, pairs in d.get("groups", {}).items()},
                collapsed={dim: {(int(a), int(b), int(n)) for a, b, n in keys}
                           for dim, keys in d.get("collapsed", {}).items()},
            )
        )
    return Spreadsheet(
        id=data["id"],
        props=data["props"],
        sheets=sheets,
        named_ranges=data.get("named_ranges", []),
        created=data.get("created", now_rfc3339()),
        modified=data.get("modified", now_rfc3339()),
        version=int(data.get("version", 1)),
        shared=data.get("shared", True),
        parents=data.get("parents", []),
        permissions=data.get("permissions", [_owner_permission()]),
    )
