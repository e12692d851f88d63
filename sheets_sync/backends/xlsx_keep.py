"""Keep an .xlsx workbook's input tabs exactly as they were when openpyxl rewrites the file.

openpyxl writes every formula without its cached value (``<f>B2/10</f><v />``): Excel recomputes
on open, but any reader that does not calculate (calamine, the next sync, a viewer) then sees an
empty cell, so a synced workbook's formulas would silently turn into blanks for the next sync.
``restore_cached_values`` puts back, into the saved file's XML, the values the sync read from
those cells before the write. ``first_change`` then compares the saved input tabs with what was
read, so that a value that cannot be kept (say a number beyond Excel's range) stops the write
instead of changing an input cell.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any

from defusedxml import ElementTree  # a workbook is user input: no entity expansion
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, to_excel

from funnel_kpi import Tab

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                    "#GETTING_DATA", "#SPILL!", "#CALC!"})
# A formula cell as openpyxl writes it: attributes, the formula (or a shared one's reference),
# then an empty value element.
FORMULA_CELL = re.compile(
    r'<c r="([A-Z]{1,3})([0-9]+)"([^>]*)>(<f(?:\s[^>]*)?(?:/>|>.*?</f>))<v\s*/>(?:</v>)?</c>',
    re.DOTALL)
TYPE_ATTR = re.compile(r'\st="[^"]*"')


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the path of its XML part inside the package."""
    book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{PKG}Relationship")}
    out = {}
    for sheet in book.iter(f"{MAIN}sheet"):
        target = targets.get(sheet.get(f"{REL}id"), "")
        out[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") \
            else f"xl/{target}"
    return out


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def typed(value: Any, epoch: datetime) -> tuple[str | None, str] | None:
    """(t attribute, <v> text) for a cached value, or None to leave the cell as it is."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if isinstance(value, int | float):
        return None, repr(float(value)) if isinstance(value, float) else str(value)
    if isinstance(value, datetime | date | time):
        return None, repr(float(to_excel(value, epoch)))
    if isinstance(value, timedelta):
        return None, repr(value.total_seconds() / 86400)
    text = str(value)
    return ("e" if text in ERRORS else "str"), escape(text, quote=False)


def _patch(xml: str, rows: Sequence[Sequence[Any]], epoch: datetime) -> str:
    def fill(m: re.Match[str]) -> str:
        r, c = int(m.group(2)) - 1, col_index(m.group(1))
        value = rows[r][c] if r < len(rows) and c < len(rows[r]) else None
        cached = typed(value, epoch)
        if cached is None:
            return m.group(0)
        t, text = cached
        attrs = TYPE_ATTR.sub("", m.group(3)) + (f' t="{t}"' if t else "")
        return f'<c r="{m.group(1)}{m.group(2)}"{attrs}>{m.group(4)}<v>{text}</v></c>'

    return FORMULA_CELL.sub(fill, xml)


def restore_cached_values(path: str | os.PathLike[str], tabs: Sequence[Tab],
                          epoch_1904: bool = False) -> None:
    """Rewrite ``path`` (just saved by openpyxl) with the cached values of the formula cells
    of ``tabs`` (as read before the write). Parts other than those tabs are copied as is."""
    epoch = CALENDAR_MAC_1904 if epoch_1904 else CALENDAR_WINDOWS_1900
    with zipfile.ZipFile(path) as zf:
        parts = sheet_parts(zf)
        wanted = {parts[t.name]: t for t in tabs if t.name in parts}
        fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=os.path.dirname(os.fspath(path)) or ".")
        os.close(fd)
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
                for info in zf.infolist():
                    data = zf.read(info)
                    tab = wanted.get(info.filename)
                    if tab is not None and b"<f" in data:
                        data = _patch(data.decode("utf-8"), tab.rows, epoch).encode("utf-8")
                    out.writestr(info, data)
            shutil.move(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def first_change(before: Sequence[Tab], after: Sequence[Tab]) -> str | None:
    """Where the first of ``before``'s tabs differs in ``after`` ("Tab!C7: 1e308 -> ''"), or
    None when every value is the same (a date read back as a midnight datetime is the same)."""
    from openpyxl.utils import get_column_letter

    def norm(v: Any) -> Any:
        if isinstance(v, datetime) and v.time() == time(0):
            return v.date()
        if isinstance(v, int) and not isinstance(v, bool):
            return float(v)  # 5 and 5.0 are one value in a spreadsheet
        return None if v == "" else v

    now = {t.name: t.rows for t in after}
    for tab in before:
        rows = now.get(tab.name, [])
        for r in range(max(len(tab.rows), len(rows))):
            a = tab.rows[r] if r < len(tab.rows) else []
            b = rows[r] if r < len(rows) else []
            for c in range(max(len(a), len(b))):
                x = norm(a[c] if c < len(a) else None)
                y = norm(b[c] if c < len(b) else None)
                if x != y or type(x) is not type(y):
                    return f"{tab.name}!{get_column_letter(c + 1)}{r + 1}: {x!r} -> {y!r}"
    return None
