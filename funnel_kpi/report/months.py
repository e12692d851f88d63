"""Month arithmetic on first-of-month dates and ``YYYY-MM`` periods."""

from __future__ import annotations

from datetime import date


def months_before(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def month_after(period: str, ahead: int = 1) -> str:
    """``YYYY-MM`` ``ahead`` months after ``period``."""
    year, month = int(period[:4]), int(period[5:7])
    index = year * 12 + month - 1 + ahead
    if 1 <= month <= 12 and 12000 <= index < 120000:  # years 1000-9999: no date needed
        return f"{index // 12}-{index % 12 + 1:02d}"
    # strftime's %Y does not pad years before 1000; date() raises for a month or year it has not
    return f"{months_before(date(year, month, 1), -ahead):%Y-%m}"
