"""The defaults a new Google spreadsheet carries, as the real API returns them."""

from __future__ import annotations

import copy
from typing import Any

DEFAULT_ROWS = 1000
DEFAULT_COLS = 26
ROW_PIXELS = 21
COL_PIXELS = 100
SHEETS_MIME = "application/vnd.google-apps.spreadsheet"
URL_PREFIX = "https://docs.google.com/spreadsheets/d/"

_WHITE = {"red": 1, "green": 1, "blue": 1}

DEFAULT_FORMAT: dict[str, Any] = {
    "backgroundColor": _WHITE,
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": _WHITE},
}


def _theme_color(kind: str, rgb: dict[str, Any]) -> dict[str, Any]:
    return {"colorType": kind, "color": {"rgbColor": rgb}}


SPREADSHEET_THEME: dict[str, Any] = {
    "primaryFontFamily": "Arial",
    "themeColors": [
        _theme_color("TEXT", {}),
        _theme_color("BACKGROUND", _WHITE),
        _theme_color("ACCENT1", {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}),
        _theme_color("ACCENT2", {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}),
        _theme_color("ACCENT3", {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}),
        _theme_color("ACCENT4", {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}),
        _theme_color("ACCENT5", {"red": 1, "green": 0.42745098, "blue": 0.003921569}),
        _theme_color("ACCENT6", {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}),
        _theme_color("LINK", {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}),
    ],
}

# The time zone Google gives a spreadsheet a service account creates, and the demo's for ru_RU.
DEFAULT_TIME_ZONE = "Etc/GMT"
TIME_ZONE_BY_LOCALE = {"ru_RU": "Europe/Moscow"}


def spreadsheet_properties(
    title: str, locale: str = "en_US", time_zone: str | None = None
) -> dict[str, Any]:
    return {
        "title": title,
        "locale": locale,
        "autoRecalc": "ON_CHANGE",
        "timeZone": time_zone or TIME_ZONE_BY_LOCALE.get(locale, DEFAULT_TIME_ZONE),
        "defaultFormat": copy.deepcopy(DEFAULT_FORMAT),
        "spreadsheetTheme": copy.deepcopy(SPREADSHEET_THEME),
    }


_SHEET_KEYS = ("sheetId", "title", "index", "sheetType", "gridProperties", "hidden", "tabColor",
               "tabColorStyle", "rightToLeft", "dataSourceSheetProperties")
_GRID_KEYS = ("rowCount", "columnCount", "frozenRowCount", "frozenColumnCount", "hideGridlines",
              "rowGroupControlAfter", "columnGroupControlAfter")


def _ordered(d: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    out = {k: d[k] for k in keys if k in d}
    out.update((k, v) for k, v in d.items() if k not in out)
    return out


def ordered_sheet_properties(props: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of SheetProperties in Google's key order."""
    out = _ordered(copy.deepcopy(props), _SHEET_KEYS)
    if isinstance(out.get("gridProperties"), dict):
        out["gridProperties"] = _ordered(out["gridProperties"], _GRID_KEYS)
    return out


def sheet_properties(
    sheet_id: int, title: str, index: int, rows: int = DEFAULT_ROWS, cols: int = DEFAULT_COLS
) -> dict[str, Any]:
    return {
        "sheetId": sheet_id,
        "title": title,
        "index": index,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": rows, "columnCount": cols},
    }
