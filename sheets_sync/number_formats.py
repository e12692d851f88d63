"""Number format patterns per format kind and locale, shared by the Sheets and .xlsx writers.

Patterns are Excel/Sheets pattern syntax; the spreadsheet's locale decides separators when it
displays them, so "#,##0.00" shows as "1 234,56" in a ru_RU sheet and "1,234.56" in en_US.
"""

from __future__ import annotations

from sheets_sync.grid import FormatKind

CURRENCY_PATTERNS = {
    "ru": '#,##0.00 [$₽-419]',
    "en": '[$$-409]#,##0.00',
}


def lang_of(locale: str) -> str:
    return "ru" if locale.lower().startswith("ru") else "en"


def pattern(kind: FormatKind, locale: str) -> str:
    lang = lang_of(locale)
    return {
        "percent": "0.0%",
        "money": CURRENCY_PATTERNS[lang],
        "integer": "#,##0",
        "number": "#,##0.00",
        "days": "0.0",
        "months": "0.0",
        "date": "dd.mm.yyyy" if lang == "ru" else "yyyy-mm-dd",
        "text": "@",
    }[kind]


# Google's numberFormat.type for each kind (the pattern carries the details).
SHEETS_TYPES: dict[str, str] = {
    "percent": "PERCENT", "money": "CURRENCY", "integer": "NUMBER", "number": "NUMBER",
    "days": "NUMBER", "months": "NUMBER", "date": "DATE", "text": "TEXT",
}
