"""Seeding spreadsheets from .xlsx workbooks (openpyxl): sheet names in order, values, formulas
with their cached values, number formats, merges, hidden sheets.

Spec: `FILE.xlsx[=ID][@LOCALE]`. The id defaults to the file's stem with every character outside
[A-Za-z0-9_-] replaced by `-` (`templates/demo_ru.xlsx` -> `demo_ru`), so the URL is stable:
`https://docs.google.com/spreadsheets/d/demo_ru/edit`. The locale defaults from the stem's suffix:
`_ru`/`-ru` -> ru_RU, `_en`/`-en` -> en_US, otherwise en_US. The title is the stem.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]

from . import defaults, formulas
from .numfmt import datetime_to_serial
from .ranges import grid_range
from .store import Sheet, Spreadsheet, new_spreadsheet

_LOCALE = re.compile(r"[a-z]{2,3}(?:_[A-Z]{2})?")


class SeedError(ValueError):
    """A seed that cannot be loaded, with a message for the user."""


@dataclass(frozen=True)
class SeedSpec:
    path: Path
    spreadsheet_id: str
    locale: str


def parse_spec(spec: str) -> SeedSpec:
    text, locale = spec, None
    if "@" in text:
        head, _, tail = text.rpartition("@")
        if _LOCALE.fullmatch(tail):
            text, locale = head, tail
    sid = None
    if "=" in text:
        head, _, tail = text.rpartition("=")
        if tail and re.fullmatch(r"[A-Za-z0-9_-]+", tail):
            text, sid = head, tail
        elif tail:
            raise SeedError(f"seed {spec!r}: an id may hold only letters, digits, '-' and '_'")
    path = Path(text)
    stem = path.stem
    if sid is None:
        sid = re.sub(r"[^A-Za-z0-9_-]", "-", stem) or "seed"
    if locale is None:
        low = stem.lower()
        locale = "ru_RU" if low.endswith(("_ru", "-ru")) else "en_US"
    return SeedSpec(path, sid, locale)


def _number_format(code: str) -> dict[str, Any] | None:
    if not code or code == "General":
        return None
    bare = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code).lower()
    if code == "@":
        kind = "TEXT"
    elif re.search(r"[dy]", bare) or ("m" in bare and not re.search(r"[0#]", bare)):
        kind = "DATE_TIME" if re.search(r"[hs]", bare) else "DATE"
    elif re.search(r"[hs]", bare):
        kind = "TIME"
    elif "%" in bare:
        kind = "PERCENT"
    elif "e+" in bare or "e-" in bare:
        kind = "SCIENTIFIC"
    elif re.search(r"[$€£₽¥]|р\.|руб", code):
        kind = "CURRENCY"
    else:
        kind = "NUMBER"
    return {"type": kind, "pattern": code}


def _plain(value: Any) -> tuple[Any, dict[str, Any] | None]:
    """A cell value as stored by the emulator, plus a date format when it was a date."""
    if isinstance(value, dt.datetime):
        has_time = value.time() != dt.time(0)
        return datetime_to_serial(value), {
            "type": "DATE_TIME" if has_time else "DATE",
            "pattern": "yyyy-mm-dd hh:mm:ss" if has_time else "yyyy-mm-dd"}
    if isinstance(value, dt.date):
        return datetime_to_serial(value), {"type": "DATE", "pattern": "yyyy-mm-dd"}
    if isinstance(value, dt.time):
        secs = value.hour * 3600 + value.minute * 60 + value.second
        return secs / 86400, {"type": "TIME", "pattern": "hh:mm:ss"}
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value), None
    if value == "":
        return None, None
    return value, None


def load(spec: SeedSpec) -> Spreadsheet:
    try:
        formulas_wb = openpyxl.load_workbook(spec.path, data_only=False)
        values_wb = openpyxl.load_workbook(spec.path, data_only=True)
    except FileNotFoundError:
        raise SeedError(f"seed file not found: {spec.path}") from None
    except Exception as exc:  # openpyxl raises many kinds on a bad file
        raise SeedError(f"cannot read {spec.path} as .xlsx: {exc}") from None
    book = new_spreadsheet(spec.path.stem, spec.locale, spreadsheet_id=spec.spreadsheet_id)
    book.sheets = []
    for index, ws in enumerate(formulas_wb.worksheets):
        vs = values_wb[ws.title]
        sid = 0 if index == 0 else zlib.crc32(f"{spec.spreadsheet_id}:{ws.title}".encode()) \
            & 0x7FFFFFFF
        rows = max(ws.max_row or 1, defaults.DEFAULT_ROWS)
        cols = max(ws.max_column or 1, defaults.DEFAULT_COLS)
        sheet = Sheet(props=defaults.sheet_properties(sid, ws.title, index, rows, cols))
        if ws.sheet_state != "visible":
            sheet.props["hidden"] = True
        _fill(sheet, ws, vs)
        for merged in ws.merged_cells.ranges:
            sheet.merges.append(grid_range(sid, merged.min_row - 1, merged.max_row,
                                           merged.min_col - 1, merged.max_col))
        book.sheets.append(sheet)
    if not book.sheets:
        raise SeedError(f"{spec.path} has no worksheets")
    # fills formulas saved without cached values (openpyxl writes none); functions the emulator
    # does not compute keep the cached value Excel saved
    formulas.recalc(book)
    return book


def _fill(sheet: Sheet, ws: Any, vs: Any) -> None:
    for row_cells, value_cells in zip(ws.iter_rows(), vs.iter_rows(), strict=False):
        for cell, vcell in zip(row_cells, value_cells, strict=False):
            raw = cell.value
            if raw is None and cell.number_format in (None, "General"):
                continue
            r, c = cell.row - 1, cell.column - 1
            extra: dict[str, Any] = {}
            if isinstance(raw, str) and raw.startswith("=") and len(raw) > 1:
                extra["f"] = raw
                value, auto = _plain(vcell.value)
            else:
                value, auto = _plain(raw)
            nf = _number_format(cell.number_format)
            if nf:
                extra["fmt"] = {"numberFormat": nf}
            elif auto:
                extra["auto"] = auto
            if value is not None:
                while len(sheet.rows) <= r:
                    sheet.rows.append([])
                row = sheet.rows[r]
                if len(row) <= c:
                    row.extend([None] * (c + 1 - len(row)))
                row[c] = value
            if extra:
                sheet.extras.setdefault(r, {})[c] = extra
