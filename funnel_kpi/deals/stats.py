"""One set's figures (``DealStats``) from its ``SetData`` (funnel_kpi.deals.sets).

The arithmetic of each KPI comes from ``funnel_kpi.formulas`` where a function fits; the two
exceptions are said where they are (day statistics over histograms, and historical LTV).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from funnel_kpi import formulas
from funnel_kpi.deals.sets import SetData, exact_sum
from funnel_kpi.deals.tally import LOST, OPEN, WON
from funnel_kpi.deals.types import DealStats, PipelineStage, StageTime
from funnel_kpi.values import Value, ratio, undefined

# Stages whose arrival times are the proposal and contract preparation times.
PROPOSAL_STAGE = "proposals"
CONTRACT_STAGE = "contracts"


@dataclass(frozen=True, slots=True)
class History:
    """Whole-log figures that every set's forecast uses: the log's history, not the set's own."""

    win_probability: Mapping[str, float | None]  # stage -> p(s); None when no closed deal got there
    average_deal: float | None  # price of an open deal that has no amount


def total_money(amounts: Sequence[float]) -> Value:
    """Exact sum of money amounts; undefined ``not_finite`` when it overflows or is NaN."""
    total = exact_sum(list(amounts))
    return Value(total) if math.isfinite(total) else undefined("not_finite")


def status_by_reach(codes: Mapping[int, int], width: int) -> list[list[int]]:
    """``[status][reach] -> deals`` from a histogram of deal codes (status * width + reach)."""
    table = [[0] * width for _ in range(3)]
    for code, deals in codes.items():
        status, reach = divmod(code, width)
        table[status][reach] += deals
    return table


def reached_counts(table: Sequence[Sequence[int]], stages: Sequence[str]) -> dict[str, int]:
    """Deals that reached each stage: those whose furthest stage is this one or a later one."""
    counts: dict[str, int] = {}
    running = 0
    for j in reversed(range(len(stages))):
        running += sum(row[j] for row in table)
        counts[stages[j]] = running
    return {key: counts[key] for key in stages}


def win_probabilities(codes: Mapping[int, int], stages: Sequence[str]) -> dict[str, float | None]:
    """p(s) = won deals that reached s / closed (won + lost) deals that reached s.

    A won deal reached every stage, so the numerator is all won deals; the denominator shrinks
    along the funnel as deals lost early drop out, and p(s) grows towards the last stage.
    """
    table = status_by_reach(codes, len(stages))
    won = sum(table[WON])
    out: dict[str, float | None] = {}
    lost_later = 0
    for j in reversed(range(len(stages))):
        lost_later += table[LOST][j]
        closed = won + lost_later
        out[stages[j]] = won / closed if closed else None
    return {key: out[key] for key in stages}


def _prep_days(stage_times: Sequence[StageTime], stage: str) -> Value:
    """Mean days to reach ``stage`` from the tracked stage before it."""
    for t in stage_times:
        if t.next_stage == stage:
            return t.mean_days
    return undefined("missing_input")


def _velocity(open_deals: int, win: Value, average: Value, cycles: Mapping[int, int]) -> Value:
    """formulas.pipeline_velocity over the set's median cycle, keeping why an input is missing."""
    for v in (win, average):
        if v.value is None:
            return undefined(v.reason or "missing_input")
    median = formulas.median_of_counts(cycles)
    if median is None:
        return undefined("no_durations")
    return formulas.pipeline_velocity(open_deals, win.value, average.value, median)


def _forecast(b: SetData, open_by_reach: Sequence[int], stages: Sequence[str],
              history: History) -> tuple[Value, tuple[PipelineStage, ...]]:
    """Open money by furthest stage (unpriced deals at the historical average deal) x p(s),
    and its parts: one per stage with open deals."""
    amounts: dict[str, float | None] = {}
    parts = []
    for reach, deals in enumerate(open_by_reach):
        if not deals:
            continue
        stage = stages[reach]
        unpriced = deals - b.open_priced_n.get(reach, 0)
        priced = b.open_priced.get(reach, 0.0)
        if unpriced and history.average_deal is None:
            amounts[stage] = None
        else:
            amounts[stage] = priced + unpriced * (history.average_deal or 0.0)
        money, p = amounts[stage], history.win_probability.get(stage)
        expected = formulas.stage_expected(money, p)
        parts.append(PipelineStage(stage, deals, priced, unpriced,
                                   history.average_deal if unpriced else None, p, expected))
    return formulas.forecast_revenue(amounts, history.win_probability), tuple(parts)


def deal_stats(b: SetData, stages: Sequence[str], history: History, *, has_money: bool,
               pending: bool = False) -> DealStats:
    """Every figure of one set of deals; see funnel_kpi.deals.analysis for what each one means."""
    table = status_by_reach(b.codes, len(stages))
    won, lost, open_deals = sum(table[WON]), sum(table[LOST]), sum(table[OPEN])
    times = tuple(
        StageTime(stages[j - 1], stages[j], *formulas.day_stats(days))
        for j, days in enumerate(b.steps, start=1)
    )
    cycle_mean, _ = formulas.day_stats(b.cycles)
    first_mean, _ = formulas.day_stats(b.first_responses)

    if not has_money:
        revenue = average = ltv = undefined("missing_input")
    elif not b.money:
        revenue, average = Value(0.0), undefined("no_won_deals")
        ltv = average
    else:
        revenue = total_money(b.money)
        average = formulas.average_deal(revenue.value, len(b.money))
        # Historical LTV: what the log's customers paid, per customer (ratio: no formula yet).
        ltv = ratio(revenue.value, b.customers) if revenue.defined else revenue
    win = formulas.win_rate(won, lost)
    forecast, pipeline = _forecast(b, table[OPEN], stages, history)
    kpis = {
        "win_rate": win,
        "lost_deals": Value(float(lost)),
        "sales_cycle_days": cycle_mean,
        "first_response_days": first_mean,
        "proposal_prep_days": _prep_days(times, PROPOSAL_STAGE),
        "contract_prep_days": _prep_days(times, CONTRACT_STAGE),
        "revenue": revenue,
        "average_deal": average,
        "forecast_revenue": forecast,
        "pipeline_velocity": _velocity(open_deals, win, average, b.cycles),
        "ltv_historical": ltv,
    }
    return DealStats(
        counts=reached_counts(table, stages),
        won=won,
        lost=lost,
        open=open_deals,
        kpis=kpis,
        stage_times=times,
        lost_by_stage={stages[j]: k for j, k in enumerate(table[LOST]) if k},
        lost_by_reason=dict(sorted(b.reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        pending=pending,
        money={"revenue": revenue.value} if revenue.value is not None else {},
        pipeline=pipeline,
    )
