"""Rewriting the cell references inside formulas: relative shifts for copyPaste, and moves when
rows or columns are inserted or deleted (a reference into deleted cells becomes #REF!)."""

from __future__ import annotations

import re
from collections.abc import Callable

from . import a1
from .formulas import _TOKEN

_END = re.compile(r"(\$?)([A-Za-z]{1,3})?(\$?)(\d+)?")


def rewrite(formula: str, fn: Callable[[str | None, str], str]) -> str:
    """Apply fn(sheet title or None, reference part) to every reference token of a formula."""
    if not formula.startswith("="):
        return formula
    body, out, pos = formula[1:], [], 0
    while pos < len(body):
        m = _TOKEN.match(body, pos)
        if not m or m.end() == pos:
            out.append(body[pos:])
            break
        if m.lastgroup == "ref":
            start = m.start("ref")
            out.append(body[pos:start])
            text = m.group("ref")
            prefix, ref = "", text
            if "!" in text:
                prefix, _, ref = text.rpartition("!")
                prefix += "!"
            try:
                title, _ = a1.split_sheet(prefix[:-1]) if prefix else (None, None)
            except ValueError:
                title = None
            if prefix and title is None:
                title = prefix[:-1]
            new = fn(title, ref)
            out.append(new if new.startswith("#") else prefix + new)
        else:
            out.append(body[pos : m.end()])
        pos = m.end()
    return "=" + "".join(out)


def _map_ends(ref: str, fn: Callable[[bool, int | None, bool, int | None], tuple[int | None,
                                                                               int | None]]) -> str:
    parts = []
    for end in ref.split(":"):
        m = _END.fullmatch(end)
        if not m:
            return ref
        col_abs, letters, row_abs, digits = m.group(1), m.group(2), m.group(3), m.group(4)
        col = a1.letters_index(letters) if letters else None
        row = int(digits) - 1 if digits else None
        col, row = fn(bool(col_abs), col, bool(row_abs), row)
        if (letters and col is None) or (digits and row is None):
            return "#REF!"
        text = ""
        if letters and col is not None:
            text += col_abs + a1.col_letters(col)
        if digits and row is not None:
            text += row_abs + str(row + 1)
        parts.append(text)
    return ":".join(parts)


def translate(formula: str, dr: int, dc: int) -> str:
    """Shift relative references by (dr, dc), as pasting a copied formula does."""

    def shift(col_abs: bool, col: int | None, row_abs: bool, row: int | None
              ) -> tuple[int | None, int | None]:
        if col is not None and not col_abs:
            col = col + dc if col + dc >= 0 else None
        if row is not None and not row_abs:
            row = row + dr if row + dr >= 0 else None
        return col, row

    return rewrite(formula, lambda _title, ref: _map_ends(ref, shift))


def move(formula: str, formula_sheet: str, target_sheet: str, rows: bool, start: int,
         count: int) -> str:
    """References to `target_sheet` after `count` rows/columns were inserted at `start`
    (count > 0) or deleted from `start` (count < 0)."""

    def adjust(col_abs: bool, col: int | None, row_abs: bool, row: int | None
               ) -> tuple[int | None, int | None]:
        pos = row if rows else col
        if pos is not None:
            if count > 0 and pos >= start:
                pos += count
            elif count < 0:
                if start <= pos < start - count:
                    pos = None
                elif pos >= start - count:
                    pos += count
        return (col, pos) if rows else (pos, row)

    def fn(title: str | None, ref: str) -> str:
        sheet = title if title is not None else formula_sheet
        if sheet.lower() != target_sheet.lower():
            return ref
        return _map_ends(ref, adjust)

    return rewrite(formula, fn)
