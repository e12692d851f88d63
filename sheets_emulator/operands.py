"""Operands of formulas: a range of evaluated values, and the coercions that functions and
operators share (number for arithmetic, text for concatenation)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .store import CellError


class Range:
    """A rectangle of evaluated values (list of rows)."""

    def __init__(self, rows: list[list[Any]]) -> None:
        self.rows = rows

    def values(self) -> Iterator[Any]:
        for row in self.rows:
            yield from row


def number(v: Any) -> Any:
    """Coerce for arithmetic: empty -> 0, TRUE -> 1, numeric text -> number."""
    if isinstance(v, Range):
        v = next(v.values(), None)
    if v is None:
        return 0
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float, CellError)):
        return v
    try:
        return float(str(v).strip())
    except ValueError:
        return CellError(
            "#VALUE!", "VALUE",
            f"Function parameter expects number values. But '{v}' is a text and cannot be "
            "coerced to a number.",
        )


def text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
