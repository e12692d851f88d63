"""Whole columns of cells parsed at once: the fast path for large tabs (a 500,000-row deal log).

Each distinct raw value of a column is parsed once and the column is mapped through a dict by
C-level built-ins, so a column of repeated channels, statuses or dates costs a few dict lookups
per cell rather than a parser call per cell.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TypeVar, cast

from funnel_kpi.cells import MAX_SERIAL, CellIssue, parse_date, parse_text

T = TypeVar("T")


def parse_column(values: Sequence[object], parse: Callable[[object], T | CellIssue | None],
                 ) -> tuple[list[T | None], list[tuple[int, CellIssue]]]:
    """``parse`` applied to a column: the values (issues become None) and the issues by position.

    Each distinct raw value is parsed once; the column is then mapped through a dict at C speed.
    Columns holding booleans (True == 1 in a dict) or unhashable values take a per-cell path.
    """
    try:
        distinct = set(values)
    except TypeError:  # an unhashable cell somewhere in the column
        distinct = None
    # True == 1 and False == 0 as dict keys: a column that may mix them is read cell by cell.
    if distinct is not None and (
            (True not in distinct and False not in distinct)
            or bool not in set(map(type, values))):
        table = {v: parse(v) for v in distinct}
        bad = {v: r for v, r in table.items() if r.__class__ is CellIssue}
        if not bad:
            return list(map(table.__getitem__, values)), []  # type: ignore[arg-type]
        for v in bad:
            table[v] = None
        issues = [(i, bad[v]) for i, v in enumerate(values) if v in bad]
        return list(map(table.__getitem__, values)), issues  # type: ignore[arg-type]
    out: list[T | None] = []
    issues = []
    for i, v in enumerate(values):
        r = parse(v)
        if isinstance(r, CellIssue):
            issues.append((i, r))
            out.append(None)
        else:
            out.append(r)
    return out, issues


def parse_dates(values: Sequence[object], *, locale: str | None = None,
                ) -> tuple[list[date | None], list[tuple[int, CellIssue]]]:
    """``parse_column`` with ``parse_date``. Serials with a time of day (45322.75) are cut to
    whole days first, so that a column of timestamps has few distinct values to parse."""
    types = set(map(type, values))
    if types == {float}:
        # int() keeps the day (and turns what is out of range into ints that are still out of
        # range); only nan and inf refuse, and send the column down the general path.
        try:
            days = list(map(int, cast(list[float], values)))
        except (ValueError, OverflowError):
            pass
        else:
            return parse_column(days, lambda v: parse_date(v, locale=locale))
    if float in types:
        values = [int(v) if v.__class__ is float and 1 <= v <= MAX_SERIAL else v
                  for v in values]
    return parse_column(values, lambda v: parse_date(v, locale=locale))


def parse_texts(values: Sequence[object]) -> list[str | None]:
    """``parse_text`` over a column (text never has issues)."""
    types = set(map(type, values))
    if types == {int}:  # ids: one C-level pass
        return list(map(str, values))
    return parse_column(values, parse_text)[0]
