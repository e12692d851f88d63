"""Numbers and months written for people, in English or Russian.

en: "1,234.56", "66.7%", "$1,234.56"; ru: "1 234,56", "66,7 %", "1 234,56 ₽" (the Russian group
separator and the space before % and ₽ are non-breaking, as Russian typography has them, so a
number never wraps across lines). Money without a known currency is a plain grouped number.
"""

from __future__ import annotations

import math
from datetime import date

NBSP = "\u00a0"
CURRENCY_SYMBOLS = {"RUB": "₽", "USD": "$", "EUR": "€", "GBP": "£"}
_PREFIX_IN_EN = {"$", "€", "£"}

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")
MONTHS_RU = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
             "сентябрь", "октябрь", "ноябрь", "декабрь")


def number(x: float, lang: str = "en", decimals: int = 0) -> str:
    """A grouped number with ``decimals`` places; "−" is not used so the text stays copyable."""
    if not math.isfinite(x):
        return "—"
    text = f"{x:,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # no "-0.0"
    return in_lang(text, lang)


def in_lang(text: str, lang: str = "en") -> str:
    """A number Python wrote ("1,234.5") as ``lang`` writes it ("1 234,5" in Russian)."""
    return text.replace(",", NBSP).replace(".", ",") if lang == "ru" else text


def count(x: float, lang: str = "en") -> str:
    """A count: whole numbers without decimals, fractional ones (summary averages) with one."""
    return number(x, lang, 0 if float(x).is_integer() else 1)


def percent(ratio: float, lang: str = "en", decimals: int = 1, *, signed: bool = False) -> str:
    """0.667 -> "66.7%" / "66,7 %"."""
    text = number(ratio * 100, lang, decimals)
    if signed and ratio * 100 >= 0.5 * 10 ** -decimals:
        text = "+" + text
    return f"{text}{NBSP}%" if lang == "ru" else f"{text}%"


def points(diff: float, lang: str = "en", decimals: int = 1) -> str:
    """A difference of two ratios in percentage points: +0.05 -> "+5.0 pp" / "+5,0 п. п."."""
    text = number(diff * 100, lang, decimals)
    if not text.startswith("-") and diff > 0:
        text = "+" + text
    return f"{text}{NBSP}п.{NBSP}п." if lang == "ru" else f"{text} pp"


def money(x: float, lang: str = "en", currency: str | None = None) -> str:
    """Money with kopecks/cents when it has them (below 100,000, where they still matter); a
    symbol only when the currency is known."""
    decimals = 0 if abs(x) >= 100_000 or float(round(x, 2)).is_integer() else 2
    text = number(x, lang, decimals)
    symbol = CURRENCY_SYMBOLS.get(currency or "", currency or "")
    if not symbol:
        return text
    if lang != "ru" and symbol in _PREFIX_IN_EN:
        return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"
    return f"{text}{NBSP}{symbol}"


def month(period: date, lang: str = "en") -> str:
    """date(2024, 3, 1) -> "March 2024" / "март 2024"."""
    names = MONTHS_RU if lang == "ru" else MONTHS_EN
    return f"{names[period.month - 1]} {period.year}"


UNIT_SUFFIX = {"days": (" d", " дн."), "months": (" mo", " мес.")}


def figure(x: float | None, unit: str, lang: str = "en", currency: str | None = None) -> str:
    """A KPI's value as the reports show it, by its registry unit: "—" when undefined."""
    if x is None or not math.isfinite(x):
        return "—"
    if unit == "ratio":
        return percent(x, lang)
    if unit == "money":
        return money(x, lang, currency)
    if unit == "count":
        return count(x, lang)
    if unit in UNIT_SUFFIX:
        return number(x, lang, 1) + UNIT_SUFFIX[unit][lang == "ru"]
    return number(x, lang, 2)  # "times" and anything else: two places
