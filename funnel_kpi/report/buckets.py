"""A bucket: the inputs of one month, segment or total, summed from summary rows or deal stats.

Counts and money add up across rows (segment rows of a month, months of a total): a stage or
field missing in some rows is the sum of the rows that have it, absent only when no row has it
(unreadable cells are listed as problems). Customers add up to customer-months, so a total's
churn (churned / customers) is the pooled monthly churn and its ARPU the revenue per
customer-month, which keeps LTV and payback in monthly units for every bucket.

Margin is a ratio (0.3), or money when larger than 1 (then margin / revenue is the ratio).
Ratios of several rows are averaged weighted by revenue when every such row has revenue.
Plan/fact of several rows compares fact and plan over the rows that have both.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from funnel_kpi.deals.types import DealStats
from funnel_kpi.inputs import SummaryRow

MONEY_FIELDS = ("spend", "sales_cost", "revenue", "customers", "churned")


@dataclass(frozen=True, slots=True)
class Bucket:
    counts: Mapping[str, float | None]  # stage key -> count
    money: Mapping[str, float | None]  # MONEY_FIELDS -> sum
    margin: float | None  # ratio; None when not in the data
    margin_given: bool  # False: no margin anywhere in the rows (LTV then uses margin 1)
    plan: float | None  # plan over the rows that have plan and fact
    plan_fact: float | None  # fact over the same rows
    rows: int = 0

    def count(self, key: str) -> float | None:
        return self.counts.get(key)

    def get(self, field: str) -> float | None:
        return self.money.get(field)


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _sum(values: Iterable[float | None]) -> float | None:
    """Sum of the finite values; None when there are none or the sum overflows.

    A non-finite number is no reading at all; plain sum() because fsum raises on overflow.
    """
    present = [v for v in values if v is not None and math.isfinite(v)]
    return _finite(sum(present)) if present else None


def _one(v: float | None) -> float | None:
    """``_sum([v])``: ``0 + v`` is what sum() makes of one number (-0.0 becomes 0.0)."""
    return 0 + v if v is not None and math.isfinite(v) else None


def _row_margin(row: SummaryRow) -> float | None:
    m = row.money.get("margin")
    if m is None or m <= 1:
        return m
    revenue = row.money.get("revenue")
    return m / revenue if revenue else None


def _margin(rows: Sequence[SummaryRow]) -> float | None:
    pairs = [(_row_margin(r), r.money.get("revenue")) for r in rows
             if r.money.get("margin") is not None]
    ratios = [(m, rev) for m, rev in pairs if m is not None]
    if not ratios:
        return None
    with_revenue = [(m, rev) for m, rev in ratios if rev]
    if len(with_revenue) == len(ratios):
        weight = _sum(rev for _, rev in with_revenue)
        profit = _sum(m * rev for m, rev in with_revenue)
        if weight and profit is not None:
            return _finite(profit / weight)
    mean = _sum(m for m, _ in ratios)
    return _finite(mean / len(ratios)) if mean is not None else None


def fact_of(row_counts: Mapping[str, float], row_money: Mapping[str, float],
            paid_key: str, fact_is_revenue: bool) -> float | None:
    return row_money.get("revenue") if fact_is_revenue else row_counts.get(paid_key)


def from_rows(rows: Sequence[SummaryRow], stage_keys: Sequence[str], *, paid_key: str,
              fact_is_revenue: bool) -> Bucket:
    if len(rows) == 1:  # a month of a summary without segments: one row, nothing to add up
        row_counts, row_money = rows[0].counts, rows[0].money
        counts = {k: _one(row_counts.get(k)) for k in stage_keys}
        money = {f: _one(row_money.get(f)) for f in MONEY_FIELDS}
    else:
        counts = {k: _sum(r.counts.get(k) for r in rows) for k in stage_keys}
        money = {f: _sum(r.money.get(f) for r in rows) for f in MONEY_FIELDS}
    plan_rows = [(r.money["plan"], fact_of(r.counts, r.money, paid_key, fact_is_revenue))
                 for r in rows if r.money.get("plan") is not None]
    both = [(p, f) for p, f in plan_rows if f is not None]
    return Bucket(
        counts=counts, money=money, margin=_margin(rows),
        margin_given=any(r.money.get("margin") is not None for r in rows),
        plan=_sum(p for p, _ in both),
        plan_fact=_sum(f for _, f in both),
        rows=len(rows),
    )


def from_stats(stats: DealStats, stage_keys: Sequence[str]) -> Bucket:
    counts: dict[str, float | None] = {
        k: float(stats.counts[k]) if k in stats.counts else None for k in stage_keys}
    money: dict[str, float | None] = {f: stats.money.get(f) for f in MONEY_FIELDS}
    return Bucket(counts=counts, money=money, margin=None, margin_given=False, plan=None,
                  plan_fact=None, rows=stats.won + stats.lost + stats.open)


def group_rows(rows: Iterable[SummaryRow]) -> tuple[dict[date, list[SummaryRow]],
                                                    dict[str, list[SummaryRow]]]:
    """Rows by month and by segment (rows without a segment go to months only)."""
    by_month: dict[date, list[SummaryRow]] = {}
    by_segment: dict[str, list[SummaryRow]] = {}
    for r in rows:
        by_month.setdefault(r.period.replace(day=1), []).append(r)
        if r.segment is not None:
            by_segment.setdefault(r.segment, []).append(r)
    return dict(sorted(by_month.items())), by_segment
