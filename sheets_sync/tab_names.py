"""Whether a tab name can be the output tab of a job's spreadsheet, checked when the job is made.

Excel (an .xlsx or .xlsm workbook, and a CSV/TSV table, whose KPI tab goes to an .xlsx beside
it): at most
31 characters (UTF-16 units, as Excel counts), none of : \\ / ? * [ ], not blank, no apostrophe
first or last, not "History" (Excel keeps that name for itself). Google Sheets: at most 100
characters, not blank. Neither takes control characters (a line break in a tab name is a typo
that no formula can refer to) or lone surrogates.

A problem is a phrase of the catalogue (``funnel_kpi.errors.phrase``: its key and parameters), so
the sentence that names it is said in the reader's language.
"""

from __future__ import annotations

import re
from typing import Any

from funnel_kpi.errors import phrase
from sheets_sync.files import is_xlsx

EXCEL_MAX = 31
GOOGLE_MAX = 100
EXCEL_FORBIDDEN = re.compile(r"[:\\/?*\[\]]")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def is_excel(ref: str) -> bool:
    return is_xlsx(ref.strip())


def tab_name_problem(name: str, ref: str) -> dict[str, Any] | None:
    """Why ``name`` cannot be a tab of the spreadsheet ``ref`` (an id, URL or path), or None."""
    return name_problem(name, excel=is_excel(ref))


def name_problem(name: str, *, excel: bool) -> dict[str, Any] | None:
    where = "error.tab_in_excel" if excel else "error.tab_in_google"
    if not name.strip():
        return phrase("error.tab_blank", where=phrase(where))
    try:
        units = len(name.encode("utf-16-le")) // 2
    except UnicodeEncodeError:
        return phrase("error.tab_surrogate")
    if CONTROL.search(name):
        return phrase("error.tab_control")
    if not excel:
        if len(name) > GOOGLE_MAX:
            return phrase("error.tab_too_long", where=phrase(where), most=GOOGLE_MAX,
                          length=len(name))
        return None
    if units > EXCEL_MAX:
        return phrase("error.tab_too_long", where=phrase(where), most=EXCEL_MAX, length=units)
    bad = EXCEL_FORBIDDEN.search(name)
    if bad:
        return phrase("error.tab_forbidden", char=repr(bad.group()))
    if name.startswith("'") or name.endswith("'"):
        return phrase("error.tab_apostrophe")
    if name.strip().lower() == "history":
        return phrase("error.tab_history")
    return None
