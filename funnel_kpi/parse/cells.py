"""Raw cell values -> typed values. Pure, and no function here raises on any cell value.

Cells come from Google (UNFORMATTED_VALUE: int, float, str, bool; dates as serial numbers) or
from Excel readers (openpyxl: int, float, datetime, str, None, error strings such as "#DIV/0!").
Each parser returns the value, ``None`` for a blank cell, or a ``CellIssue`` whose ``code`` is a
key of ``funnel_kpi.messages.PROBLEMS``; callers turn issues into ``Problem`` records.

Locale only settles what text cannot: "1,234" is 1.234 for "ru*" (and other decimal-comma
languages) and 1234 otherwise; "05/06/2024" is 5 June for day-first locales and 6 May for
"en"/"en_US"/None. Everything unambiguous ("1 234,56", "1,234.56", "31.01.2024") reads the same
in every locale.

python-calamine (0.9) reads an error cell of an .xlsx as "" (python-calamine issue #105), so an
error read that way is a blank here; openpyxl and Google give the error text, which is caught.
"""

from __future__ import annotations

import calendar
import math
import numbers
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class CellIssue:
    """Why a cell could not be read; ``code`` is a key of ``messages.PROBLEMS``."""

    code: str


NOT_A_NUMBER = CellIssue("not_a_number")
NOT_A_DATE = CellIssue("not_a_date")
FORMULA_ERROR = CellIssue("formula_error")

Number = int | float

EXCEL_ERRORS = frozenset({
    "#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#ERROR!", "#SPILL!",
    "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
    "#EXTERNAL!", "#PYTHON!",
})

# Languages that write 1,5 for one and a half. A locale like "ru_RU" or "de-DE" is matched by its
# language part.
_COMMA_DECIMAL = frozenset({
    "ru", "uk", "be", "kk", "uz", "ky", "az", "hy", "ka", "de", "fr", "es", "it", "pt", "pl",
    "cs", "sk", "nl", "sv", "fi", "nb", "no", "nn", "da", "tr", "bg", "sr", "hr", "sl", "bs",
    "ro", "hu", "lt", "lv", "et", "el", "id", "vi",
})


def _lang(locale: str | None) -> tuple[str, str]:
    if not locale:
        return "", ""
    parts = locale.replace("-", "_").split("_")
    return parts[0].lower(), (parts[1].upper() if len(parts) > 1 else "")


def comma_decimal(locale: str | None) -> bool:
    return _lang(locale)[0] in _COMMA_DECIMAL


def month_first(locale: str | None) -> bool:
    """True where "05/06/2024" means May 6: no locale, bare "en", and en_US."""
    lang, region = _lang(locale)
    return lang in ("", "en") and region in ("", "US")


# Typographic spaces become plain spaces, minus-like dashes become "-", invisible marks go.
_TRANS = str.maketrans({
    "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u202f": " ", "\u2002": " ", "\u2003": " ",
    "\u2004": " ", "\u2005": " ", "\u2006": " ", "\u2008": " ", "\u200a": " ", "\t": " ",
    "\u2212": "-", "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2019": "'",
    "\u200b": None, "\ufeff": None, "\u200e": None, "\u200f": None,
})

_CUR = r"[$€£¥₽₴₸]|(?:usd|eur|rub|руб|грн|тг|долл|дол|р)\.?"
_TEXT_NUMBER = re.compile(
    rf"(?P<s1>[-+]?) *(?P<c1>{_CUR})? *(?P<s2>[-+]?) *"
    r"(?P<num>[0-9][0-9.,' ]*|[.,][0-9]+)(?:e(?P<exp>[-+]?[0-9]{1,4}))? *"
    rf"(?P<pct>%)? *(?P<c2>{_CUR})? *(?P<pct2>%)?"
)


def is_blank(value: object) -> bool:
    return value is None or (type(value) is str and not value.strip())


def parse_number(value: object, *, locale: str | None = None) -> Number | CellIssue | None:
    """A number from a cell: int/float as given, text in Russian or English style.

    Percent text gives a ratio ("30%" -> 0.3). Blank -> None. Booleans, dates, nan/inf and
    unreadable text -> NOT_A_NUMBER; Excel/Sheets error strings -> FORMULA_ERROR.
    """
    t = type(value)
    if t is int:
        return value  # type: ignore[return-value]
    if t is float:
        return value if math.isfinite(value) else NOT_A_NUMBER  # type: ignore[arg-type,return-value]
    if value is None:
        return None
    if t is str:
        return _number_from_text(value, comma_decimal(locale))  # type: ignore[arg-type]
    if isinstance(value, bool):
        return NOT_A_NUMBER
    if isinstance(value, numbers.Integral):
        return int(value)
    f = _finite_float(value)
    return NOT_A_NUMBER if f is None else f


def _finite_float(value: object) -> float | None:
    """A numeric object other than int/float/bool (Decimal, numpy scalars) as a finite float."""
    if isinstance(value, Decimal) and not value.is_finite():
        return None  # float(Decimal("sNaN")) raises
    if isinstance(value, numbers.Real | Decimal):
        try:
            f = float(value)
        except (ValueError, OverflowError):
            return None
        return f if math.isfinite(f) else None
    return None


def _number_from_text(text: str, comma_dec: bool) -> float | CellIssue | None:
    s = text.translate(_TRANS).strip()
    if not s:
        return None
    if s[0] == "#" and s.upper() in EXCEL_ERRORS:
        return FORMULA_ERROR
    negative = False
    if s[0] == "(" and s[-1] == ")":  # accounting negative: (1 200)
        negative = True
        s = s[1:-1].strip()
    m = _TEXT_NUMBER.fullmatch(s.lower())
    if m is None:
        return NOT_A_NUMBER
    sign = m["s1"] + m["s2"]
    if len(sign) > 1 or (negative and sign) or (m["c1"] and m["c2"]) or (m["pct"] and m["pct2"]):
        return NOT_A_NUMBER
    percent = bool(m["pct"] or m["pct2"])
    if percent and (m["c1"] or m["c2"]):
        return NOT_A_NUMBER
    canon = _canonical_digits(m["num"].strip(), comma_dec)
    if canon is None:
        return NOT_A_NUMBER
    exp = int(m["exp"] or 0) - (2 if percent else 0)
    result = float(f"{canon}e{exp}")
    if not math.isfinite(result):
        return NOT_A_NUMBER
    return -result if negative or sign == "-" else result


def _digits(s: str) -> bool:
    return s.isascii() and s.isdigit()


def _canonical_digits(num: str, comma_dec: bool) -> str | None:
    """ "1 234,5" -> "1234.5"; None when the separators do not make a number."""
    dots, commas = num.count("."), num.count(",")
    dec: str | None
    if dots and commas:
        dec = "." if num.rfind(".") > num.rfind(",") else ","
    elif commas == 1:
        head, tail = num.split(",")
        # "1,234" alone: thousands in English, a decimal comma in Russian.
        ambiguous = len(tail) == 3 and _digits(head) and len(head) <= 3 and head[0] != "0"
        dec = "," if comma_dec or not ambiguous else None
    elif dots == 1:
        dec = "."
    else:
        dec = None  # no separator, or one repeated separator: "1.234.567", "1,234,567"
    if dec is not None:
        whole, frac = num.rsplit(dec, 1)
        if frac and not _digits(frac):
            return None
    else:
        whole, frac = num, ""
    seps = {ch for ch in whole if not ("0" <= ch <= "9")}
    if len(seps) > 1:
        return None
    if seps:
        groups = whole.split(seps.pop())
        if not (1 <= len(groups[0]) <= 3 and _digits(groups[0])):
            return None
        if not all(len(g) == 3 and _digits(g) for g in groups[1:]):
            return None
        whole = "".join(groups)
    elif whole and not _digits(whole):
        return None
    if not whole and not frac:
        return None
    return f"{whole or '0'}.{frac or '0'}"


# ---------------------------------------------------------------- dates

SERIAL_EPOCH_ORDINAL = date(1899, 12, 30).toordinal()  # Google and Excel day 0
MAX_SERIAL = 2958465  # 9999-12-31

_MONTHS: dict[str, int] = {}
for _i, _names in enumerate((
    "january jan январь января янв",
    "february feb февраль февраля фев февр",
    "march mar март марта мар",
    "april apr апрель апреля апр",
    "may май мая",
    "june jun июнь июня июн",
    "july jul июль июля июл",
    "august aug август августа авг",
    "september sep sept сентябрь сентября сен сент",
    "october oct октябрь октября окт",
    "november nov ноябрь ноября ноя нояб",
    "december dec декабрь декабря дек",
), start=1):
    for _name in _names.split():
        _MONTHS[_name] = _i
# Words around a date that carry nothing: "Январь 2024 г.", "31 января 2024 года", "Wed, 31 Jan".
_DATE_FILLER = frozenset({
    "г", "года", "год", "гг", "of", "the", "mon", "tue", "wed", "thu", "fri", "sat", "sun",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
})

_TIME = r"(?:[ t]+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)? *(?:am|pm|z|[-+][0-9:]{2,5})?)?"
_ISO = re.compile(rf"([0-9]{{4}})[-./]([0-9]{{1,2}})[-./]([0-9]{{1,2}}){_TIME}")
_NUMERIC = re.compile(rf"([0-9]{{1,2}})([./-])([0-9]{{1,2}})\2([0-9]{{4}}|[0-9]{{2}}){_TIME}")
_YEAR_MONTH = re.compile(r"([0-9]{4})[-./]([0-9]{1,2})")
_MONTH_YEAR = re.compile(r"([0-9]{1,2})[./-]([0-9]{4})")
_TOKENS = re.compile(r"[^\W\d_]+|[0-9]+")


def _make_date(y: int, m: int, d: int) -> date | CellIssue:
    if 1 <= y <= 9999 and 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1]:
        return date(y, m, d)
    return NOT_A_DATE


def _year(text: str) -> int:
    y = int(text)
    if len(text) == 2:  # as strptime's %y: 00-68 -> 2000s, 69-99 -> 1900s
        return y + (2000 if y < 69 else 1900)
    return y


def serial_to_date(serial: float) -> date | CellIssue:
    """A Google/Excel serial (days since 1899-12-30; the fraction is the time of day)."""
    if 1 <= serial <= MAX_SERIAL:  # False for nan
        return date.fromordinal(SERIAL_EPOCH_ORDINAL + int(serial))
    return NOT_A_DATE


def parse_date(value: object, *, locale: str | None = None) -> date | CellIssue | None:
    """A date from a cell: date/datetime, serial number, or text in Russian or English.

    Text with only a month and a year ("Jan 2024", "январь 2024", "2024-01") gives the 1st.
    """
    t = type(value)
    if t is float or t is int:
        return serial_to_date(value)  # type: ignore[arg-type]
    if t is str:
        return _date_from_text(value, locale)  # type: ignore[arg-type]
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return NOT_A_DATE
    f = _finite_float(value)
    return NOT_A_DATE if f is None else serial_to_date(f)


def parse_month(value: object, *, locale: str | None = None) -> date | CellIssue | None:
    """The first day of the month of a cell's date."""
    d = parse_date(value, locale=locale)
    if isinstance(d, date) and d.day != 1:
        return d.replace(day=1)
    return d


def _date_from_text(text: str, locale: str | None) -> date | CellIssue | None:
    s = text.translate(_TRANS).strip().lower().replace("ё", "е")
    if not s:
        return None
    if s[0] == "#" and s.upper() in EXCEL_ERRORS:
        return FORMULA_ERROR
    if m := _ISO.fullmatch(s):
        return _make_date(int(m[1]), int(m[2]), int(m[3]))
    if m := _NUMERIC.fullmatch(s):
        a, b, y = int(m[1]), int(m[3]), _year(m[4])
        # Dots are always day-first; slashes and dashes follow the locale unless a part > 12.
        if m[2] != "." and b <= 12 < a:
            return _make_date(y, b, a)
        if m[2] != "." and (a <= 12 < b or month_first(locale)):
            return _make_date(y, a, b)
        return _make_date(y, b, a)
    if m := _YEAR_MONTH.fullmatch(s):
        return _make_date(int(m[1]), int(m[2]), 1)
    if m := _MONTH_YEAR.fullmatch(s):
        return _make_date(int(m[2]), int(m[1]), 1)
    return _date_from_words(s)


def _date_from_words(s: str) -> date | CellIssue:
    """ "31 января 2024", "Jan 31, 2024", "январь 2024 г.", "янв 24"."""
    month = 0
    before: list[str] = []
    after: list[str] = []
    for tok in _TOKENS.findall(s):
        if tok[0].isdigit():
            (after if month else before).append(tok)
        elif tok in _MONTHS and not month:
            month = _MONTHS[tok]
        elif tok not in _DATE_FILLER:
            return NOT_A_DATE
    if not month:
        return NOT_A_DATE
    nums = before + after
    if len(nums) == 1:
        if not (len(nums[0]) == 4 or (len(nums[0]) == 2 and not before)):
            return NOT_A_DATE
        return _make_date(_year(nums[0]), month, 1)
    if len(nums) != 2:
        return NOT_A_DATE
    if len(before) == 1 and len(before[0]) == 4:  # "2024 янв 31"
        year, day = before[0], after[0]
    else:  # "31 янв 2024", "Jan 31 2024"
        day, year = nums
    if len(day) > 2 or len(year) not in (2, 4):
        return NOT_A_DATE
    return _make_date(_year(year), month, int(day))


# ---------------------------------------------------------------- text and addresses


def parse_text(value: object) -> str | None:
    """Text of a cell, stripped; blank -> None. Id-like numbers drop ".0": 1001.0 -> "1001"."""
    t = type(value)
    if t is str:
        return value.strip() or None  # type: ignore[attr-defined]
    if value is None:
        return None
    if t is int:
        return str(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, date):
        return value.isoformat()
    try:
        return str(value).strip() or None
    except Exception:  # a foreign object whose __str__ fails is still only a bad cell
        return None


def raw_text(value: object, limit: int = 100) -> str:
    """How a cell is shown in a problem record: its text, cut to ``limit`` characters."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        text = value
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        text = str(int(value))  # 150000.0 is shown as the sheet shows it: 150000
    else:
        try:
            text = repr(value)
        except Exception:  # see parse_text
            text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def col_letter(index0: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA"."""
    if index0 < 0:
        raise ValueError(f"column index must be >= 0, not {index0}")
    letters = ""
    n = index0 + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(row1: int, col0: int) -> str:
    """Sheet row (1-based) and column (0-based) -> "C7"."""
    return f"{col_letter(col0)}{row1}"
