"""Whether a tab name can be the output tab of a job's spreadsheet, checked when the job is made.

Excel (an .xlsx or .xlsm workbook, and a CSV/TSV table, whose KPI tab goes to an .xlsx beside
it): at most
31 characters (UTF-16 units, as Excel counts), none of : \\ / ? * [ ], not blank, no apostrophe
first or last, not "History" (Excel keeps that name for itself). Google Sheets: at most 100
characters, not blank. Neither takes control characters (a line break in a tab name is a typo
that no formula can refer to) or lone surrogates.
"""

from __future__ import annotations

import re

from sheets_sync.files import is_xlsx

EXCEL_MAX = 31
GOOGLE_MAX = 100
EXCEL_FORBIDDEN = re.compile(r"[:\\/?*\[\]]")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def is_excel(ref: str) -> bool:
    return is_xlsx(ref.strip())


def tab_name_problem(name: str, ref: str) -> str | None:
    """Why ``name`` cannot be a tab of the spreadsheet ``ref`` (an id, URL or path), or None."""
    return name_problem(name, excel=is_excel(ref))


def name_problem(name: str, *, excel: bool) -> str | None:
    where = "an Excel workbook" if excel else "Google Sheets"
    if not name.strip():
        return f"a tab name in {where} must not be blank"
    try:
        units = len(name.encode("utf-16-le")) // 2
    except UnicodeEncodeError:
        return "a tab name must be text (it holds a lone surrogate, half of a UTF-16 pair)"
    if CONTROL.search(name):
        return "a tab name must not hold control characters such as line breaks or tabs"
    if not excel:
        if len(name) > GOOGLE_MAX:
            return f"a tab name in Google Sheets has at most {GOOGLE_MAX} characters, not " \
                   f"{len(name)}"
        return None
    if units > EXCEL_MAX:
        return f"a tab name in an Excel workbook has at most {EXCEL_MAX} characters, not {units}"
    bad = EXCEL_FORBIDDEN.search(name)
    if bad:
        return (f"a tab name in an Excel workbook must not contain {bad.group()!r} (none of "
                ": \\ / ? * [ ])")
    if name.startswith("'") or name.endswith("'"):
        return "a tab name in an Excel workbook must not begin or end with an apostrophe (')"
    if name.strip().lower() == "history":
        return "Excel keeps the tab name 'History' for itself: choose another"
    return None
