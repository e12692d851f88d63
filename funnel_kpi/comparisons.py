"""Month-over-month and year-over-year changes, found by calendar month (not by row order).

The previous month of 2024-03 is 2024-02 and the year before is 2023-03; when that month is not
in the data the change is undefined with ``no_previous_period`` / ``no_year_before``. Each lookup
is a dict access, so comparing every period costs O(periods x KPIs).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from funnel_kpi import formulas as F
from funnel_kpi.report import Change
from funnel_kpi.values import Value, undefined


def months_before(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def change(current: Value, previous: Value | None, missing_reason: str) -> Change:
    """abs = current - previous, rel = abs / |previous|; undefined with a reason otherwise."""
    if previous is None:
        return Change(undefined(missing_reason), undefined(missing_reason))
    a, r = F.growth(current.value, previous.value)
    return Change(a, r)


def changes(current: Mapping[str, Value], previous: Mapping[str, Value] | None,
            missing_reason: str) -> dict[str, Change]:
    return {k: change(v, previous.get(k) if previous is not None else None, missing_reason)
            for k, v in current.items()}
