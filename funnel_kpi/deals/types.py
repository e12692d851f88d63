"""What the deal-log analysis (funnel_kpi.deals.analysis) hands the report
(funnel_kpi.report.build).

A deal log is read as cohorts: the deals created in a month form that month's cohort, and each
stage count is the number of the cohort's deals that reached the stage (a deal that reached a
later stage counts as having passed every earlier one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from funnel_kpi.values import Value


@dataclass(frozen=True, slots=True)
class StageTime:
    """Days from reaching ``stage`` to reaching the next tracked stage, over deals that did both."""

    stage: str
    next_stage: str
    mean_days: Value
    median_days: Value


@dataclass(frozen=True, slots=True)
class PipelineStage:
    """One part of ``forecast_revenue``: the open deals whose furthest stage is ``stage``.

    ``expected`` = (amount + unpriced x unpriced_price) x win_probability: an open deal without an
    amount is counted at ``unpriced_price``, the whole log's average won deal (None when no won
    deal has money: then the part, and the forecast, are not defined).
    """

    stage: str
    open_deals: int
    amount: float  # the open deals' amounts, of those that have one
    unpriced: int  # open deals without an amount
    unpriced_price: float | None
    win_probability: float | None  # p(stage), from the whole log's closed deals
    expected: float | None


@dataclass(frozen=True, slots=True)
class DealStats:
    """Figures for one set of deals: a month's cohort, a channel, a manager, or the whole log."""

    counts: Mapping[str, int]  # stage key -> deals that reached it (implied passage included)
    won: int
    lost: int
    open: int
    # KPI id -> value, for the deal-log KPIs: win_rate, lost_deals, sales_cycle_days,
    # first_response_days, proposal_prep_days, contract_prep_days, revenue, average_deal,
    # forecast_revenue, pipeline_velocity, ltv_historical.
    kpis: Mapping[str, Value]
    stage_times: tuple[StageTime, ...] = ()
    lost_by_stage: Mapping[str, int] = field(default_factory=dict)  # last stage reached -> lost
    lost_by_reason: Mapping[str, int] = field(default_factory=dict)
    pending: bool = False  # cohort younger than the median sales cycle: open deals not yet lost
    money: Mapping[str, float] = field(default_factory=dict)  # "revenue" of the set, if any
    pipeline: tuple[PipelineStage, ...] = ()  # the parts of forecast_revenue, by stage


@dataclass(frozen=True, slots=True)
class DealAnalysis:
    overall: DealStats
    by_month: Mapping[date, DealStats]  # cohort by created month (first day), sorted
    by_channel: Mapping[str, DealStats]
    by_manager: Mapping[str, DealStats]
    median_cycle_days: float | None  # of won deals, created -> paid
    implied_passages: int  # stage passages counted because a later stage was reached
