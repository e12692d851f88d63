"""A1 notation: parsing `'My sheet'!A2:C`, `A:A`, `1:1`, bare sheet names, and printing ranges.

Rows and columns are zero-based and end-exclusive inside the emulator, like Google's GridRange;
`None` means unbounded (to the edge of the grid).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ENDPOINT = re.compile(r"\$?([A-Za-z]{1,3})?\$?([0-9]+)?")
_PLAIN_TITLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CELL_LIKE = re.compile(r"[A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*|[Rr][0-9]+|[Cc][0-9]+")


@dataclass(frozen=True)
class Bounds:
    """A rectangle; any side may be None (unbounded)."""

    r0: int | None
    r1: int | None
    c0: int | None
    c1: int | None
    single: bool = False  # written as one cell (`A1`): a write anchored there may spill over


def col_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def letters_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def cell_name(row: int, col: int) -> str:
    return f"{col_letters(col)}{row + 1}"


def quote_title(title: str) -> str:
    """A sheet title as Google echoes it: bare when it is a plain identifier, else quoted."""
    if _PLAIN_TITLE.fullmatch(title) and not _CELL_LIKE.fullmatch(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def format_range(title: str, r0: int, r1: int, c0: int, c1: int) -> str:
    """`Sheet1!A1:B2`; a one-cell rectangle prints as one cell."""
    start = cell_name(r0, c0)
    if r1 - r0 <= 1 and c1 - c0 <= 1:
        return f"{quote_title(title)}!{start}"
    return f"{quote_title(title)}!{start}:{cell_name(r1 - 1, c1 - 1)}"


def split_sheet(text: str) -> tuple[str | None, str | None]:
    """Split `'It''s'!A1` into ("It's", "A1"); `Sheet1` into (None, "Sheet1") and a quoted name
    without a cell part into ("name", None). Raises ValueError on unbalanced quotes."""
    if text.startswith("'"):
        i = 1
        name = []
        while True:
            j = text.find("'", i)
            if j < 0:
                raise ValueError(text)
            if text[j + 1 : j + 2] == "'":
                name.append(text[i : j + 1])
                i = j + 2
                continue
            name.append(text[i:j])
            rest = text[j + 1 :]
            title = "".join(name)
            if rest == "":
                return title, None
            if not rest.startswith("!"):
                raise ValueError(text)
            return title, rest[1:]
    if "!" in text:
        title, _, ref = text.rpartition("!")
        return title, ref
    return None, text


def parse_ref(ref: str) -> Bounds | None:
    """`A1`, `A1:B2`, `A:B`, `1:2`, `A2:C`; None when `ref` is not A1 notation."""
    parts = ref.split(":")
    if len(parts) == 1:
        col, row = _endpoint(parts[0])
        if col is None or row is None:
            return None
        return Bounds(row, row + 1, col, col + 1, single=True)
    if len(parts) != 2:
        return None
    (ca, ra), (cb, rb) = _endpoint(parts[0]), _endpoint(parts[1])
    if (ca is None and ra is None) or (cb is None and rb is None):
        return None
    # a column-only end beside a row-only end (`A:5`) names nothing
    mixed = (ra is None and cb is None) or (ca is None and rb is None)
    if mixed and not (ra is None and rb is None) and not (ca is None and cb is None):
        return None
    r0, r1 = _span(ra, rb)
    c0, c1 = _span(ca, cb)
    return Bounds(r0, r1, c0, c1)


def _span(a: int | None, b: int | None) -> tuple[int | None, int | None]:
    if a is not None and b is not None:
        lo, hi = min(a, b), max(a, b)
        return lo, hi + 1
    if a is not None:
        return a, None
    if b is not None:
        return None, b + 1
    return None, None


def _endpoint(text: str) -> tuple[int | None, int | None]:
    """(col, row) of one end; (None, None) when it is not a valid end."""
    m = _ENDPOINT.fullmatch(text)
    if not m or not text:
        return None, None
    letters, digits = m.group(1), m.group(2)
    if letters is None and digits is None:
        return None, None
    row = None
    if digits is not None:
        row = int(digits) - 1
        if row < 0:
            return None, None
    col = letters_index(letters) if letters else None
    return col, row
