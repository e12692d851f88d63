"""Number format patterns per format kind and locale, shared by the Sheets and .xlsx writers.

Patterns are Excel/Sheets pattern syntax; the spreadsheet's locale decides separators when it
displays them, so "#,##0.00" shows as "1 234,56" in a ru_RU sheet and "1,234.56" in en_US.
Units the reader needs (currency, days, months, times) are in the pattern, so a value stays a
number. ``display`` gives the text a spreadsheet shows for a value, to size columns by it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sheets_sync.grid import CellValue, FormatKind

CURRENCY_PATTERNS = {  # whole units; money_cents adds two decimals
    "RUB": '#,##0 [$₽-419]',
    "USD": '[$$-409]#,##0',
}
SYMBOLS = {"RUB": "₽", "USD": "$", "EUR": "€", "GBP": "£"}
UNITS = {"days": {"en": "d", "ru": "дн."}, "months": {"en": "mo", "ru": "мес."}}
MONEY_CENTS_BELOW = 1000  # money under this shows kopecks/cents; at or above it, whole units


def lang_of(locale: str) -> str:
    return "ru" if locale.lower().startswith("ru") else "en"


def state_currency(state: Mapping[str, Any] | None) -> str | None:
    """The currency a job's KPI tab writes money in, from the spreadsheet locale its last read
    remembered (``Job.state``); None before the first read. A guess: the view says so."""
    locale = ((state or {}).get("layout") or {}).get("locale")
    return currency_of(str(locale)) if locale else None


def currency_of(locale: str) -> str:
    """The currency the KPI tab's money patterns show for a spreadsheet locale: ₽ in a Russian
    one, $ in any other."""
    return "RUB" if lang_of(locale) == "ru" else "USD"


def money_kind(value: CellValue) -> FormatKind:
    """Large money without kopecks: they are noise next to thousands, and they widen columns."""
    small = isinstance(value, int | float) and abs(value) < MONEY_CENTS_BELOW
    return "money_cents" if small else "money"


def money_pattern(currency: str) -> str:
    """Whole units of ``currency`` (an ISO code): Excel's own currency patterns for roubles and
    dollars, the symbol or code as text after the number for any other."""
    if currency in CURRENCY_PATTERNS:
        return CURRENCY_PATTERNS[currency]
    return f'#,##0 "{SYMBOLS.get(currency, currency)}"'


def pattern(kind: FormatKind, locale: str, currency: str | None = None) -> str:
    """``currency``: the report's (an ISO code); None takes the locale's (currency_of)."""
    lang = lang_of(locale)
    money = money_pattern(currency or currency_of(locale))
    return {
        "percent": "0.0%",
        "money": money,
        "money_cents": money.replace("#,##0", "#,##0.00"),
        "integer": "#,##0",
        "number": "#,##0.00",
        "times": '0.00"×"',
        "days": f'0.0 "{UNITS["days"][lang]}"',
        "months": f'0.0 "{UNITS["months"][lang]}"',
        "date": "dd.mm.yyyy" if lang == "ru" else "yyyy-mm-dd",
        "text": "@",
    }[kind]


# Google's numberFormat.type for each kind (the pattern carries the details).
SHEETS_TYPES: dict[str, str] = {
    "percent": "PERCENT", "money": "CURRENCY", "money_cents": "CURRENCY", "integer": "NUMBER",
    "number": "NUMBER", "times": "NUMBER", "days": "NUMBER", "months": "NUMBER", "date": "DATE",
    "text": "TEXT",
}


def _fixed(x: float, decimals: int, lang: str, *, group: bool = True) -> str:
    """``x`` (thousands grouped), rounded half away from zero as spreadsheets round."""
    q = Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{abs(q):{',' if group else ''}.{decimals}f}"
    if lang == "ru":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return ("-" if q < 0 else "") + text


def display(value: CellValue, kind: FormatKind | None, locale: str,
            currency: str | None = None) -> str:
    """The text a spreadsheet shows for ``value`` in format ``kind`` (None: General)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return value
    lang = lang_of(locale)
    x = float(value)
    if kind == "percent":
        return _fixed(x * 100, 1, lang, group=False) + "%"
    if kind in ("money", "money_cents"):
        text = _fixed(abs(x), 2 if kind == "money_cents" else 0, lang)
        sign = "-" if x < 0 else ""
        code = currency or currency_of(locale)
        if code == "USD":
            return f"{sign}${text}"
        return f"{sign}{text}\u00a0{SYMBOLS.get(code, code)}"
    if kind == "integer":
        return _fixed(x, 0, lang)
    if kind == "times":
        return _fixed(x, 2, lang, group=False) + "×"
    if kind in ("days", "months"):
        return _fixed(x, 1, lang, group=False) + " " + UNITS[kind][lang]
    if kind == "number":
        return _fixed(x, 2, lang)
    # General: up to 10 significant digits, as Sheets and Calc show an unformatted number
    text = f"{x:.10g}"
    return text.replace(".", ",") if lang == "ru" else text
