"""Check, before an .xlsx sync replaces the workbook, that it kept everything it did not write.

The KPI sheet is moved into the user's package part by part (``xlsx_package``), so every other
part must come out with the same bytes and compression; ``first_changed_part`` proves it from
the zip directories (size and CRC-32 of every part), without decompressing the workbook again.
``unreadable`` then opens the written file as the next sync will, with calamine.
"""

from __future__ import annotations

import zipfile
from collections.abc import Collection, Sequence
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook


def first_changed_part(before: zipfile.ZipFile, after: zipfile.ZipFile,
                       rewritten: Collection[str]) -> str | None:
    """The first part of ``before`` not in ``rewritten`` that ``after`` lacks or changed."""
    now = {i.filename: i for i in after.infolist()}
    for info in before.infolist():
        if info.filename in rewritten:
            continue
        got = now.get(info.filename)
        if got is None:
            return f"{info.filename} is missing"
        if (got.CRC, got.file_size, got.compress_type) != (info.CRC, info.file_size,
                                                           info.compress_type):
            return f"{info.filename} changed"
    return None


def unreadable(path: Path, sheet_names: Sequence[str], kpi_tab: str) -> str | None:
    """Why calamine cannot read the written workbook as expected, or None when it can."""
    try:
        book = CalamineWorkbook.from_path(str(path))
        if list(book.sheet_names) != list(sheet_names):
            return f"its tabs are {book.sheet_names}, not {list(sheet_names)}"
        book.get_sheet_by_name(kpi_tab).to_python()
    except (CalamineError, OSError, ValueError) as e:
        return str(e)
    return None
