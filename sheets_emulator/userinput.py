"""USER_ENTERED: a string parsed as if typed into a cell of a spreadsheet in a given locale.

Returns (value, formula, number_format): numbers (with grouping and the locale's decimal
separator), percentages, currency amounts, dates and times (ISO everywhere; M/d/yyyy in en_*,
dd.MM.yyyy in ru_* and other comma-decimal locales), booleans, formulas (kept as text and
computed by formulas.py) and a leading apostrophe forcing text.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .numfmt import datetime_to_serial, lang, separators

Parsed = tuple[Any, str | None, dict[str, Any] | None]

_CURRENCY = {"$": "$", "€": "€", "£": "£", "₽": "₽", "р.": "₽", "руб.": "₽", "¥": "¥"}
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_SLASH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2,4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_DOT_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})(?:\.(\d{2,4}))?(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp][Mm]))?")
_TRUE = {"true", "истина"}
_FALSE = {"false", "ложь"}


def parse(text: str, locale: str) -> Parsed:
    if text == "":
        return None, None, None
    if text.startswith("'"):
        return text[1:], None, None
    if text.startswith("=") and len(text) > 1:
        return None, text, None
    stripped = text.strip()
    low = stripped.lower()
    if low in _TRUE:
        return True, None, None
    if low in _FALSE:
        return False, None, None
    number = parse_number(stripped, locale)
    if number is not None:
        return number
    when = parse_datetime(stripped, locale)
    if when is not None:
        return when
    return text, None, None


def _num(text: str, locale: str) -> int | float | None:
    """A plain number in the locale's notation (grouping allowed), or None."""
    dec, group = separators(locale)
    t = text.replace("\u00a0", " ").replace("\u202f", " ")
    if dec == ",":
        if re.fullmatch(r"[+-]?\d{1,3}( \d{3})+(,\d+)?|[+-]?\d+(,\d+)?([eE][+-]?\d+)?", t):
            t = t.replace(" ", "").replace(",", ".")
        elif re.fullmatch(r"[+-]?\d*\.\d+([eE][+-]?\d+)?", t) and group != ".":
            # "1.5" in a comma-decimal locale is a date (handled later), but ".5" is a number
            if not t.lstrip("+-").startswith("."):
                return None
        else:
            return None
    else:
        if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", t):
            t = t.replace(",", "")
        elif not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", t):
            return None
    try:
        x = float(t)
    except ValueError:
        return None
    if x.is_integer() and abs(x) < 2**53 and "e" not in t.lower():
        return int(x)
    return x


def parse_number(text: str, locale: str) -> Parsed | None:
    t = text
    negative = False
    if t.startswith("(") and t.endswith(")"):
        t, negative = t[1:-1].strip(), True
    if t.endswith("%"):
        x = _num(t[:-1].strip(), locale)
        if x is None:
            return None
        has_decimals = any(sep in t for sep in ".,") and not re.fullmatch(r"[+-]?\d+%", t)
        pattern = "0.00%" if has_decimals else "0%"
        share = _clean(-x / 100 if negative else x / 100)
        return share, None, {"type": "PERCENT", "pattern": pattern}
    symbol = None
    for sym in sorted(_CURRENCY, key=len, reverse=True):
        if t.startswith(sym) or t.startswith("-" + sym):
            symbol = _CURRENCY[sym]
            t = ("-" if t.startswith("-") else "") + t.lstrip("-")[len(sym) :].strip()
            break
        if t.endswith(sym):
            symbol = _CURRENCY[sym]
            t = t[: -len(sym)].strip()
            break
    x = _num(t, locale)
    if x is None:
        return None
    if negative:
        x = -x
    if symbol:
        if lang(locale) == "en" or symbol == "$":
            pattern = f'"{symbol}"#,##0.00'
        else:
            pattern = f'#,##0.00 "{symbol}"'
        return x, None, {"type": "CURRENCY", "pattern": pattern}
    dec, _ = separators(locale)
    grouped = (" " in t.replace("\u00a0", " ")) if dec == "," else ("," in t)
    if grouped:
        pattern = "#,##0.00" if isinstance(x, float) else "#,##0"
        return x, None, {"type": "NUMBER", "pattern": pattern}
    if "e" in t.lower():
        return x, None, {"type": "SCIENTIFIC", "pattern": "0.00E+00"}
    return x, None, None


def _clean(x: float) -> int | float:
    x = round(x, 15)
    return int(x) if x.is_integer() and abs(x) < 2**53 else x


def parse_datetime(text: str, locale: str) -> Parsed | None:
    language = lang(locale)
    dec, _ = separators(locale)
    m = _ISO_DATE.fullmatch(text)
    if m:
        return _date_result(m, (1, 2, 3), "yyyy-mm-dd", "yyyy-mm-dd h:mm:ss")
    m = _SLASH_DATE.fullmatch(text)
    if m and language == "en":
        return _date_result(m, (3, 1, 2), "m/d/yyyy", "m/d/yyyy h:mm:ss")
    if m and dec == ",":
        return _date_result(m, (3, 2, 1), "dd/mm/yyyy", "dd/mm/yyyy h:mm:ss")
    m = _DOT_DATE.fullmatch(text)
    if m and dec == ",":
        return _date_result(m, (3, 2, 1), "dd.mm.yyyy", "dd.mm.yyyy h:mm:ss")
    m = _TIME.fullmatch(text)
    if m:
        hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        ampm = (m.group(4) or "").lower()
        if ampm == "pm" and hour < 12:
            hour += 12
        if ampm == "am" and hour == 12:
            hour = 0
        if hour > 23 or minute > 59 or second > 59:
            return None
        serial = (hour * 3600 + minute * 60 + second) / 86400
        pattern = "h:mm:ss am/pm" if ampm else "h:mm:ss"
        return _clean(serial), None, {"type": "TIME", "pattern": pattern}
    return None


def _date_result(m: re.Match[str], order: tuple[int, int, int], date_pat: str,
                 dt_pat: str) -> Parsed | None:
    y_txt = m.group(order[0])
    year = dt.date.today().year if y_txt is None else int(y_txt)
    if y_txt is not None and len(y_txt) == 2:
        year += 2000 if year < 30 else 1900
    try:
        day = dt.datetime(year, int(m.group(order[1])), int(m.group(order[2])))
        if m.group(4) is not None:
            day = day.replace(hour=int(m.group(4)), minute=int(m.group(5)),
                              second=int(m.group(6) or 0))
    except ValueError:
        return None
    if m.group(4) is not None:
        return datetime_to_serial(day), None, {"type": "DATE_TIME", "pattern": dt_pat}
    return datetime_to_serial(day), None, {"type": "DATE", "pattern": date_pat}
