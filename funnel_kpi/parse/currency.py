"""The currency the input's money is in, from what the input says: a currency column of a deal
log ("USD", "RUB": HubSpot, Pipedrive and Salesforce exports carry one), a symbol or word in the
money cells ("1 234,56 ₽", "$1,200.50", "100 руб.") or in a money column's header ("Бюджет, ₽",
"Spend ($)"). parse/cells.py drops the symbol when it reads the number; this looks again.

One currency found: its ISO code. None found: unknown (None). More than one: None too, and a
``mixed_currency`` problem on the first column that shows the second one, since the figures add
the amounts up as they are (roubles to dollars), which the report must not do silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from funnel_kpi.inputs import Problem, Tab
from funnel_kpi.parse.cells import a1
from funnel_kpi.parse.readout import ColumnReading

# Column roles whose cells are money (parse/readout.py ROLE_TEXT).
MONEY_ROLES = frozenset(("amount", "paid_amount", "spend", "sales_cost", "revenue", "margin"))
CODES = {"₽": "RUB", "руб": "RUB", "рублей": "RUB", "rub": "RUB", "rur": "RUB", "р": "RUB",
         "$": "USD", "usd": "USD", "долл": "USD", "дол": "USD", "€": "EUR", "eur": "EUR",
         "евро": "EUR", "£": "GBP", "gbp": "GBP", "₴": "UAH", "грн": "UAH", "uah": "UAH",
         "₸": "KZT", "тг": "KZT", "kzt": "KZT"}
_WORD = r"руб|рублей|rub|rur|usd|долл|дол|eur|евро|gbp|грн|uah|тг|kzt|р"
# A symbol or word next to a number, before or after it: "$1,200.50", "1 234,56 ₽", "100 руб."
_IN_CELL = re.compile(
    rf"^[-+(]?\s*(?P<a>[$€£₽₴₸]|(?:{_WORD})\.?)?\s*[-+]?\s*[0-9][0-9.,'\s]*"
    rf"\s*(?P<b>[$€£₽₴₸]|(?:{_WORD})\.?)?\s*\)?$", re.I)
# In a header: a symbol anywhere, or a word after a comma or in brackets ("Бюджет, руб.").
_IN_HEADER = re.compile(rf"[$€£₽₴₸]|(?:,|\(|\[)\s*(?:{_WORD})\.?\s*[)\]]?\s*$", re.I)
_ISO = re.compile(r"[A-Za-z]{3}")
CELLS_LOOKED_AT = 2_000  # per column: a currency shows in the first rows if it shows at all


@dataclass(frozen=True, slots=True)
class Currency:
    code: str | None  # the one currency found; None when none or several
    problems: tuple[Problem, ...] = ()


def _code(token: str | None) -> str | None:
    if not token:
        return None
    t = token.strip().rstrip(".").lower()
    return CODES.get(t) or CODES.get(token.strip())


def cell_currency(value: object) -> str | None:
    """The ISO code a money cell's text names: "$1,200.50" -> USD; a number cell: None."""
    if not isinstance(value, str):
        return None
    m = _IN_CELL.match(value.replace("\u00a0", " ").replace("\u202f", " ").strip())
    if m is None:
        return None
    return _code(m.group("a")) or _code(m.group("b"))


def header_currency(header: str) -> str | None:
    m = _IN_HEADER.search(header)
    if m is None:
        return None
    token = re.sub(r"^[,(\[\s]+|[)\]\s.]+$", "", m.group(0))
    return _code(token)


def column_code(value: object) -> str | None:
    """A currency column's cell: "USD", "rub", "₽", "руб." -> its ISO code."""
    if not isinstance(value, str) or not value.strip():
        return None
    v = value.strip()
    return _code(v) or (v.upper() if _ISO.fullmatch(v) else None)


def _column(letter: str) -> int:
    n = 0
    for ch in letter:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _cells(tab: Tab, col: int) -> Iterable[tuple[int, object]]:
    """(row index, cell) of a column's first rows. A tab read by column has only its first
    rows here (enough: a currency shows in the first rows if it shows at all; a currency column
    that changes further down is the deal reader's mixed_currency already)."""
    for r, row in enumerate(tab.rows[:CELLS_LOOKED_AT]):
        if col < len(row):
            yield r, row[col]


def input_currency(tabs: Sequence[Tab], readout: Sequence[ColumnReading]) -> Currency:
    """The currency of the money in the read columns of ``tabs`` (``readout`` says which column
    of which tab is money or the currency)."""
    by_name = {t.name: t for t in tabs}
    found: list[str] = []
    mixed: list[Problem] = []
    for c in readout:
        tab = by_name.get(c.tab)
        if tab is None or (c.role not in MONEY_ROLES and c.role != "currency"):
            continue
        read = column_code if c.role == "currency" else cell_currency
        col = _column(c.column)
        seen: list[tuple[str, str, str]] = []  # code, cell, its text
        if c.role in MONEY_ROLES and (h := header_currency(c.header)):
            seen.append((h, "", c.header))
        seen += [(code, a1(r + 1, col), str(v)) for r, v in _cells(tab, col)
                 if (code := read(v))]
        for code, cell, shown in seen:
            if code in found:
                continue
            if found and not mixed:
                mixed.append(Problem(c.tab, cell, shown, "mixed_currency"))
            found.append(code)
    if len(found) == 1:
        return Currency(found[0])
    return Currency(None, tuple(mixed))
