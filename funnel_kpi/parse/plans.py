"""What a summary's plan column plans, and plan cells in other units.

A plan is compared with what it plans: a plan of payments ("План оплат", "Deals target", "План
продаж, шт") with the paid count, a plan of money ("План выручки", "Revenue target", "План, ₽")
with revenue. Where the header does not say ("План", "Target"), the plan's median is compared
with both candidates' medians and the nearer (in ratio) wins; the report says it guessed. A month
whose fact/plan is outside 1 %-1,000 % has a plan in other units (money against a count, or
thousands against units): that cell is a problem and left out of plan/fact.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from funnel_kpi.inputs import SummaryRow

PlanOf = Literal["revenue", "paid"]
PLAN_FACT_RANGE = (0.01, 10.0)
PLAUSIBLE = math.log(100)  # medians this close could be the same kind of number

_COUNT_WORDS = ("шт", "pcs", "оплат", "сделок", "сделки", "клиент", "deals", "payments",
                "customers", "count", "units", "qty", "кол-во", "количество", "contracts",
                "договор", "won")
_MONEY_WORDS = ("₽", "руб", "$", "€", "£", "выручк", "revenue", "сумм", "доход", "income",
                "money", "тыс", "млн", "usd", "eur", "rub", "оборот", "gmv", "turnover")


def plan_of_header(header: str) -> PlanOf | None:
    """What the header says the plan plans, or None when it does not say."""
    text = header.casefold()
    count = any(w in text for w in _COUNT_WORDS)
    money = any(w in text for w in _MONEY_WORDS)
    if count != money:
        return "paid" if count else "revenue"
    return None


@dataclass(frozen=True, slots=True)
class PlanReading:
    plan_of: PlanOf | None
    guessed: bool  # decided by size, though both candidates were plausible
    sized: bool  # decided by size (the header did not say)
    mismatched: tuple[SummaryRow, ...]  # rows whose plan is in other units (as read)
    rows: tuple[SummaryRow, ...]  # the rows, plans in other units left out


def read_plan(header: str, rows: Sequence[SummaryRow], paid_key: str | None,
              pinned: PlanOf | None) -> PlanReading:
    plans = [r.money["plan"] for r in rows if r.money.get("plan") is not None]
    if not plans:
        return PlanReading(None, False, False, (), tuple(rows))
    revenue = [r.money["revenue"] for r in rows if r.money.get("revenue")]
    paid = [r.counts[paid_key] for r in rows if paid_key and r.counts.get(paid_key)]
    plan_of, guessed, sized = pinned or plan_of_header(header), False, False
    if plan_of is None:
        if revenue and paid:
            to_revenue, to_paid = _distance(plans, revenue), _distance(plans, paid)
            plan_of = "revenue" if to_revenue <= to_paid else "paid"
            # a doubt only when both are plausible: a plan of 1,000,000 beside revenue of
            # 1,200,000 and 5 payments plans revenue, whatever its name
            guessed = max(to_revenue, to_paid) < PLAUSIBLE
            sized = True
        else:
            plan_of = "revenue" if revenue else "paid"
    kept, mismatched = [], []
    for r in rows:
        plan = r.money.get("plan")
        fact = r.money.get("revenue") if plan_of == "revenue" else (
            r.counts.get(paid_key) if paid_key else None)
        if plan and fact and not (  # a month with no sales is a fact, not other units
                PLAN_FACT_RANGE[0] <= fact / plan <= PLAN_FACT_RANGE[1]):
            mismatched.append(r)
            r = replace(r, money={k: v for k, v in r.money.items() if k != "plan"})
        kept.append(r)
    return PlanReading(plan_of, guessed, sized, tuple(mismatched), tuple(kept))


def _distance(a: Sequence[float], b: Sequence[float]) -> float:
    ma, mb = statistics.median(a), statistics.median(b)
    if ma <= 0 or mb <= 0:
        return math.inf
    return abs(math.log(ma) - math.log(mb))  # not log(ma / mb): the ratio may underflow to 0
