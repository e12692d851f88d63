"""FORMATTED_VALUE: a number rendered by its number format pattern and the spreadsheet's locale.

Covers the patterns people use: `0`, `0.00`, `#,##0.0`, `0.0%`, `"$"#,##0.00`,
`#,##0.00 [$₽-419]`, `0.00E+00`, date/time patterns (`dd.mm.yyyy`, `yyyy-mm-dd`, `M/d/yyyy`,
`h:mm:ss am/pm`), sections `pos;neg;zero`, quoted literals and colour tags. The automatic format
(no pattern) prints up to 10 significant digits, as Google does.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

# decimal separator, grouping separator; Google uses a no-break space for ru_RU grouping
_SEPARATORS = {
    "en": (".", ","),
    "ru": (",", "\u00a0"),
    "uk": (",", "\u00a0"),
    "be": (",", "\u00a0"),
    "kk": (",", "\u00a0"),
    "de": (",", "."),
    "es": (",", "."),
    "it": (",", "."),
    "pt": (",", "."),
    "nl": (",", "."),
    "tr": (",", "."),
    "fr": (",", "\u202f"),
    "pl": (",", "\u00a0"),
    "cs": (",", "\u00a0"),
}

DEFAULT_PATTERNS = {
    "en": {
        "NUMBER": "#,##0.00",
        "PERCENT": "0.00%",
        "CURRENCY": '"$"#,##0.00',
        "DATE": "M/d/yyyy",
        "TIME": "h:mm:ss am/pm",
        "DATE_TIME": "M/d/yyyy H:mm:ss",
        "SCIENTIFIC": "0.00E+00",
    },
    "ru": {
        "NUMBER": "#,##0.00",
        "PERCENT": "0.00%",
        "CURRENCY": '#,##0.00 "₽"',
        "DATE": "dd.MM.yyyy",
        "TIME": "H:mm:ss",
        "DATE_TIME": "dd.MM.yyyy H:mm:ss",
        "SCIENTIFIC": "0.00E+00",
    },
}

_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "ru": "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь",
}
_MONTHS_GEN_RU = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)
_DAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    "ru": "понедельник вторник среда четверг пятница суббота воскресенье",
}
EPOCH = dt.datetime(1899, 12, 30)


@lru_cache(maxsize=64)
def lang(locale: str) -> str:
    return locale.split("_")[0].lower()


@lru_cache(maxsize=64)
def separators(locale: str) -> tuple[str, str]:
    return _SEPARATORS.get(lang(locale), (".", ","))


def bool_text(value: bool, locale: str) -> str:
    if lang(locale) == "ru":
        return "ИСТИНА" if value else "ЛОЖЬ"
    return "TRUE" if value else "FALSE"


def serial_to_datetime(serial: float) -> dt.datetime:
    return EPOCH + dt.timedelta(days=serial)


def datetime_to_serial(value: dt.datetime | dt.date) -> int | float:
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    delta = value - EPOCH
    serial = delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000
    return int(serial) if serial == int(serial) else serial


def general(value: float | int, locale: str) -> str:
    """Google's automatic number format: up to 10 significant digits, no grouping."""
    text = general_en(value)
    dec = separators(locale)[0]
    return text.replace(".", dec) if dec != "." else text


def general_en(value: float | int) -> str:
    """The automatic format with a decimal point (the hot path of FORMATTED_VALUE reads)."""
    cls = value.__class__
    if cls is int:
        if -10**15 < value < 10**15:
            return str(value)
    elif cls is float:
        # %g rounds to 10 significant digits and drops trailing zeros, as Google does; it
        # switches to an exponent (or says nan/inf) only outside 1e-4..1e10: the slow path
        text = format(value, ".10g")
        if "e" not in text and "n" not in text:
            return text
    return _general_slow(float(value))


def _general_slow(x: float) -> str:
    if x != x or x in (float("inf"), float("-inf")):
        return "#NUM!"
    ax = abs(x)
    if ax == 0:
        return "0"
    if ax >= 1e15 or ax < 1e-5:
        mant, exp = f"{x:.9E}".split("E")
        mant = mant.rstrip("0").rstrip(".")
        return f"{mant}E{exp[0]}{exp[1:].lstrip('0').rjust(2, '0')}"
    digits = len(str(int(ax))) if ax >= 1 else 0
    places = max(0, 10 - digits)
    text = f"{round(x, places):.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def is_datetime_format(number_format: dict[str, Any] | None) -> bool:
    if not number_format:
        return False
    return number_format.get("type") in ("DATE", "TIME", "DATE_TIME")


def format_number(value: float | int, number_format: dict[str, Any] | None, locale: str) -> str:
    if not number_format:
        return general(value, locale)
    kind = number_format.get("type", "NUMBER")
    pattern = number_format.get("pattern") or ""
    if kind == "TEXT":
        return general(value, locale)
    if not pattern:
        table = DEFAULT_PATTERNS.get(lang(locale), DEFAULT_PATTERNS["en"])
        pattern = table.get(kind, "")
        if not pattern:
            return general(value, locale)
    return render(pattern, value, locale)


def render(pattern: str, value: float | int, locale: str) -> str:
    sections = _sections(pattern)
    x = float(value)
    sign = ""
    section = sections[0]
    if x < 0 and len(sections) >= 2:
        section, x = sections[1], -x
    elif x == 0 and len(sections) >= 3:
        section = sections[2]
    elif x < 0:
        sign, x = "-", -x
    tokens = _tokens(section)
    if any(t[0] == "date" for t in tokens):
        return sign + _render_date(tokens, x, locale)
    text = _render_numeric(tokens, x, locale)
    if sign and any(ch.isdigit() and ch != "0" for ch in text):
        return sign + text
    return text


@lru_cache(maxsize=512)
def _sections(pattern: str) -> list[str]:
    parts, buf, quoted, i = [], [], False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == '"':
            quoted = not quoted
        elif ch == "\\" and i + 1 < len(pattern):
            buf.append(pattern[i : i + 2])
            i += 2
            continue
        elif ch == ";" and not quoted:
            parts.append("".join(buf))
            buf = []
            i += 1
            continue
        buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return parts


_DATE_RE = re.compile(r"(?i)(yyyy|yyy|yy|y|mmmmm|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm|a/p)")


@lru_cache(maxsize=512)
def _tokens(section: str) -> list[tuple[str, str]]:
    """(kind, text): kind is lit, digit, dot, comma, pct, exp, at, date, frac."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(section)
    while i < n:
        ch = section[i]
        if ch == '"':
            j = section.find('"', i + 1)
            j = n if j < 0 else j
            out.append(("lit", section[i + 1 : j]))
            i = j + 1
        elif ch == "\\" and i + 1 < n:
            out.append(("lit", section[i + 1]))
            i += 2
        elif ch == "[":
            j = section.find("]", i)
            j = n if j < 0 else j
            inner = section[i + 1 : j]
            if inner.startswith("$"):
                out.append(("lit", inner[1:].split("-")[0]))
            i = j + 1
        elif ch == "_":
            out.append(("lit", " "))
            i += 2
        elif ch == "*":
            i += 2
        elif ch in "0#?":
            out.append(("digit", ch))
            i += 1
        elif ch == ".":
            if out and out[-1][0] == "date" and out[-1][1].lower().startswith("s"):
                j = i + 1
                while j < n and section[j] == "0":
                    j += 1
                out.append(("frac", section[i + 1 : j]))
                i = j
            else:
                out.append(("dot", ch))
                i += 1
        elif ch == ",":
            out.append(("comma", ch))
            i += 1
        elif ch == "%":
            out.append(("pct", ch))
            i += 1
        elif ch in "Ee" and i + 1 < n and section[i + 1] in "+-":
            j = i + 2
            while j < n and section[j] == "0":
                j += 1
            out.append(("exp", section[i:j]))
            i = j
        elif ch == "@":
            out.append(("at", ch))
            i += 1
        else:
            m = _DATE_RE.match(section, i)
            if m:
                out.append(("date", m.group(0)))
                i = m.end()
            else:
                out.append(("lit", ch))
                i += 1
    return out


def _render_numeric(tokens: list[tuple[str, str]], x: float, locale: str) -> str:
    dec_sep, group_sep = separators(locale)
    kinds = [k for k, _ in tokens]
    if "digit" not in kinds:
        return "".join(t for k, t in tokens if k == "lit") or general(x, locale)
    first = kinds.index("digit")
    last = max(i for i, k in enumerate(kinds) if k == "digit")
    block = tokens[first : last + 1]
    int_part: list[str] = []
    frac_part: list[str] = []
    seen_dot, exp_text, grouping = False, "", False
    for k, t in block:
        if k == "dot":
            seen_dot = True
        elif k == "digit":
            (frac_part if seen_dot else int_part).append(t)
        elif k == "comma" and not seen_dot:
            grouping = True
        elif k == "exp":
            exp_text = t
    # trailing commas right after the digits scale by 1000 each
    j = last + 1
    while j < len(tokens) and tokens[j][0] == "comma":
        x /= 1000
        j += 1
    exp_pos = next((i for i, k in enumerate(kinds) if k == "exp"), None)
    x *= 100 ** kinds.count("pct")
    places = len(frac_part)
    min_places = frac_part.count("0")
    exponent = None
    if exp_pos is not None:
        exp_text = tokens[exp_pos][1]
        exponent = 0
        if x != 0:
            int_digits = max(1, len(int_part))
            while x >= 10**int_digits:
                x /= 10
                exponent += 1
            while x < 10 ** (int_digits - 1):
                x *= 10
                exponent -= 1
    q = Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    digits = f"{q:f}"
    whole, _, frac = digits.partition(".")
    if whole == "0" and "0" not in int_part:
        whole = ""
    whole = whole.rjust(int_part.count("0"), "0")
    if grouping and whole:
        whole = _group(whole, group_sep)
    frac = frac.ljust(places, "0")
    while len(frac) > min_places and frac.endswith("0"):
        frac = frac[:-1]
    number = whole + (dec_sep + frac if frac else (dec_sep if "0" in frac_part else ""))
    if exponent is not None:
        width = max(len(exp_text) - 2, 1)
        esign = "-" if exponent < 0 else ("+" if exp_text[1] == "+" else "")
        number += exp_text[0] + esign + str(abs(exponent)).rjust(width, "0")
    out = []
    for i, (k, t) in enumerate(tokens):
        if i == first:
            out.append(number)
        elif first < i <= last or k in ("comma", "exp", "dot") or (k == "digit"):
            continue
        elif k == "pct":
            out.append("%")
        elif k in ("lit", "at"):
            out.append(t)
    return "".join(out)


def _group(whole: str, sep: str) -> str:
    head = len(whole) % 3 or 3
    parts = [whole[:head]] + [whole[i : i + 3] for i in range(head, len(whole), 3)]
    return sep.join(parts)


def _render_date(tokens: list[tuple[str, str]], serial: float, locale: str) -> str:
    moment = serial_to_datetime(serial)
    # round to the millisecond so 0.1-day fractions print as whole seconds
    moment = (moment + dt.timedelta(microseconds=500)).replace(
        microsecond=(moment.microsecond + 500) // 1000 * 1000 % 1_000_000
    )
    language = "ru" if lang(locale) == "ru" else "en"
    has_ampm = any(k == "date" and t.lower() in ("am/pm", "a/p") for k, t in tokens)
    has_day = any(k == "date" and t.lower().startswith("d") for k, t in tokens)
    out: list[str] = []
    prev_hour = False
    for i, (k, t) in enumerate(tokens):
        if k == "lit":
            out.append(t)
            continue
        if k == "frac":
            out.append(f"{moment.microsecond / 1e6:.{len(t)}f}"[1:] if t else "")
            continue
        if k != "date":
            out.append(t)
            continue
        low = t.lower()
        if low.startswith("y"):
            out.append(str(moment.year)[-2:] if len(low) <= 2 else str(moment.year))
        elif low.startswith("m"):
            nxt = next((tt.lower() for kk, tt in tokens[i + 1 :] if kk == "date"), "")
            if len(low) <= 2 and (prev_hour or nxt.startswith("s")):
                out.append(f"{moment.minute:0{len(low)}d}")
            else:
                out.append(_month(moment.month, len(low), language, has_day))
        elif low.startswith("d"):
            if len(low) <= 2:
                out.append(f"{moment.day:0{len(low)}d}")
            else:
                name = _DAYS[language].split()[moment.weekday()]
                out.append(name if len(low) >= 4 else name[:3])
        elif low.startswith("h"):
            hour = moment.hour
            if has_ampm:
                hour = hour % 12 or 12
            out.append(f"{hour:0{len(low)}d}")
        elif low.startswith("s"):
            out.append(f"{moment.second:0{len(low)}d}")
        elif low in ("am/pm", "a/p"):
            text = "AM" if moment.hour < 12 else "PM"
            text = text if t[0].isupper() else text.lower()
            out.append(text if low == "am/pm" else text[0])
        prev_hour = low.startswith("h") or (prev_hour and not low.startswith(("s", "m")))
    return "".join(out)


def _month(month: int, width: int, language: str, has_day: bool) -> str:
    if width <= 2:
        return f"{month:0{width}d}"
    if language == "ru" and has_day and width == 4:
        return _MONTHS_GEN_RU[month - 1]
    name = _MONTHS[language].split()[month - 1]
    if width == 3:
        return name[:3] if language == "en" else name[:3] + "."
    if width >= 5:
        return name[0]
    return name
