"""Month arithmetic: the integer fast path of month_after against the date() it replaced."""

from __future__ import annotations

from datetime import date

import pytest

from funnel_kpi.report.months import month_after, months_before


def by_date(period: str, ahead: int) -> str:
    return f"{months_before(date(int(period[:4]), int(period[5:7]), 1), -ahead):%Y-%m}"


@pytest.mark.parametrize("year", [999, 1000, 1999, 2024, 9998, 9999])
def test_month_after_is_the_date_arithmetic(year: int) -> None:
    for month in range(1, 13):
        for ahead in range(-25, 26):
            period = f"{year:04d}-{month:02d}"
            try:
                expected = by_date(period, ahead)
            except (ValueError, OverflowError) as e:
                with pytest.raises(type(e)):
                    month_after(period, ahead)
                continue
            assert month_after(period, ahead) == expected, (period, ahead)


def test_month_after_by_hand() -> None:
    assert month_after("2024-12", 1) == "2025-01"
    assert month_after("2024-01", -1) == "2023-12"
    assert month_after("2024-03", 12) == "2025-03"
    assert month_after("1000-01", -1) == "999-12"  # as strftime writes a year before 1000
    with pytest.raises(ValueError):
        month_after("2024-13", 1)
