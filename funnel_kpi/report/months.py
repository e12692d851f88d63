"""Month arithmetic on first-of-month dates and ``YYYY-MM`` periods."""

from __future__ import annotations

from datetime import date


def months_before(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def month_after(period: str, ahead: int = 1) -> str:
    """``YYYY-MM`` ``ahead`` months after ``period``."""
    return f"{months_before(date(int(period[:4]), int(period[5:7]), 1), -ahead):%Y-%m}"
