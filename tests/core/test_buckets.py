"""A bucket of one summary row (the fast path of buckets.from_rows) is the bucket the sums
give: the same row next to an empty one goes through the general path."""

from __future__ import annotations

import math
from datetime import date

from funnel_kpi.inputs import SummaryRow
from funnel_kpi.report.buckets import from_rows

KEYS = ("leads", "deals", "paid")


def test_one_row_is_summed_like_many() -> None:
    odd = SummaryRow(date(2024, 1, 1), {"leads": -0.0, "deals": math.inf, "paid": 7},
                     {"spend": 1500.5, "revenue": math.nan, "customers": 3, "margin": 0.25,
                      "plan": 10.0}, row=2)
    empty = SummaryRow(date(2024, 1, 1), {}, {}, row=3)
    one = from_rows([odd], KEYS, paid_key="paid", fact_is_revenue=False)
    summed = from_rows([odd, empty], KEYS, paid_key="paid", fact_is_revenue=False)
    assert repr(one.counts) == repr(summed.counts) == repr(
        {"leads": 0.0, "deals": None, "paid": 7})  # sum() makes -0.0 a 0.0; inf is no reading
    assert repr(one.money) == repr(summed.money)
    assert one.money["spend"] == 1500.5 and one.money["revenue"] is None
    assert (one.margin, one.plan, one.plan_fact) == (summed.margin, summed.plan,
                                                     summed.plan_fact) == (0.25, 10.0, 7)
