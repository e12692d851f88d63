"""A deal log's columns turned into what its figures are counted from.

Per deal: its *code* (status and the furthest stage it reached), the sets it belongs to (created
month, channel, manager), and the durations, reasons and money each measure needs, each kept
with the positions of the deals it applies to. ``funnel_kpi.deals.sets`` counts these per set.

Written for a 500,000-row log: every step is a numpy array operation over the log's columns
(``funnel_kpi.inputs.DealColumns``); Python loops only run over distinct names (channels,
reasons, customers) and, for won deals without a customer id, over those deals' ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from funnel_kpi.inputs import LOST, OPEN, WON, DealLog, Texts, ids_numbered
from funnel_kpi.model import Funnel

__all__ = ["LOST", "NO_SEGMENT", "OPEN", "WON", "Grouping", "Measure", "Tally", "tally",
           "tracked_stages"]

NO_SEGMENT = "—"  # channel/manager of a deal that has none, when others in the log have one
UNIX_ORDINAL = 719163  # date(1970, 1, 1).toordinal(): numpy's datetime64 day 0

Positions = NDArray[np.intp]


@dataclass(frozen=True, slots=True, eq=False)
class Grouping:
    """Sets of one kind: deal i belongs to the set ``keys[index[i]]``."""

    index: Positions
    keys: list[Any]  # month: ordinal of its first day; channel/manager: name


@dataclass(frozen=True, slots=True, eq=False)
class Measure:
    """Whole-number values of some deals: ``values[k]`` is deal ``at[k]``'s."""

    at: Positions
    values: NDArray[np.int64]


@dataclass(frozen=True, slots=True, eq=False)
class Tally:
    stages: tuple[str, ...]  # tracked stages, funnel order; first = lead, last = paid/won
    codes: NDArray[np.int64]  # per deal: status * len(stages) + furthest stage reached
    reach: NDArray[np.int64]  # per deal: furthest stage reached (index into stages)
    months: Grouping
    channels: Grouping | None  # None when no deal has a channel
    managers: Grouping | None
    steps: list[Measure]  # [j - 1]: days from stages[j - 1] to stages[j], >= 0 only
    cycles: Measure  # won deals with a paid date: days created -> paid, >= 0 only
    first_responses: Measure  # days created -> first response, >= 0 only
    reasons: Measure  # lost deals: number of the stripped reason in reason_names
    reason_names: list[str]  # "" for a blank reason
    money_at: Positions  # won deals with money (paid amount, else amount)
    money: NDArray[np.float64]  # their money
    customers: NDArray[np.int64]  # their customers, numbered (customer id, else deal id)
    open_at: Positions  # open deals with an amount
    open_amount: NDArray[np.float64]
    dated_passages: int  # stage dates present beyond the lead stage
    won_undated: int  # won deals without a date for the last stage (reached by status)
    has_money: bool  # some deal has an amount or a paid amount
    latest: int | None  # ordinal of the latest date anywhere in the log; None if no deals


def tracked_stages(log: DealLog, funnel: Funnel) -> tuple[str, ...]:
    """The log's stages in funnel order, ending with the funnel's last (paid/won) stage.

    The last stage is always tracked, even without a paid-date column, because a won status
    says the deal reached it. Stage keys the funnel does not know keep the log's order.
    """
    last = funnel.keys[-1]
    keys = [k for k in dict.fromkeys(log.stage_keys) if k != last] or [funnel.keys[0]]
    if all(k in funnel.keys for k in keys):
        keys.sort(key=funnel.index)
    return (*keys, last)


def _days(end: NDArray[np.int32], begin: NDArray[np.int32], at: Positions) -> Measure:
    """Days from ``begin`` to ``end`` at ``at``; a negative duration (dates out of order, which
    the parser reports) is left out."""
    days = end[at].astype(np.int64) - begin[at]
    keep = days >= 0
    return Measure(at[keep], days[keep])


def _months(created: NDArray[np.int32]) -> Grouping:
    """Created month of each deal, numbered in calendar order; keys are first-day ordinals.

    The month of each distinct day is found once (a log spans a few hundred days) and looked up
    per deal; a log spanning millennia converts every deal's date instead.
    """
    if not len(created):
        return Grouping(np.zeros(0, np.intp), [])
    low = int(created.min())
    span = int(created.max()) - low + 1
    if span <= max(1 << 16, len(created)):
        days = np.flatnonzero(np.bincount(created - low, minlength=span)) + low
        month_of_day = np.zeros(span, np.int64)
        month_of_day[days - low] = _month_numbers(days)
        month = month_of_day[created - low]
    else:
        month = _month_numbers(created)
    first = int(month.min())
    present = np.bincount(month - first) > 0
    number = np.cumsum(present) - 1
    firsts = (np.flatnonzero(present) + first).astype("datetime64[M]").astype("datetime64[D]")
    return Grouping(number[month - first].astype(np.intp),
                    (firsts.astype(np.int64) + UNIX_ORDINAL).tolist())


def _month_numbers(ordinals: NDArray[Any]) -> NDArray[np.int64]:
    """Months since January 1970 of date ordinals."""
    day = (ordinals.astype(np.int64) - UNIX_ORDINAL).astype("datetime64[D]")
    return day.astype("datetime64[M]").astype(np.int64)


def _segments(texts: Texts) -> Grouping | None:
    """Channels (managers) by stripped name, blank -> NO_SEGMENT; None when no deal has one."""
    used = texts.used()
    names = [(n.strip() if isinstance(n, str) else "") or NO_SEGMENT for n in texts.names]
    if all(name == NO_SEGMENT for name, u in zip(names, used.tolist(), strict=True) if u):
        return None
    number: dict[str, int] = {}
    per_code = np.array([number.setdefault(name, len(number)) if u else -1
                         for name, u in zip(names, used.tolist(), strict=True)], np.intp)
    return Grouping(per_code[texts.codes], list(number))


def _by_stripped(texts: Texts) -> tuple[NDArray[np.int64], list[str]]:
    """Per code: the number of its stripped name in the returned list; a blank name is ""."""
    if texts.stripped:  # each code is its own stripped name already
        return (np.arange(len(texts.names), dtype=np.int64),
                ["", *cast(tuple[str, ...], texts.names[1:])])
    number: dict[str, int] = {}
    per_code = np.array([number.setdefault(n.strip() if isinstance(n, str) else "", len(number))
                         for n in texts.names], np.int64)
    return per_code, list(number)


def _customers(log: DealLog, at: Positions) -> NDArray[np.int64]:
    """A number per customer of the deals at ``at``: its stripped customer id, else the deal's
    id (one deal, one customer); a customer "1001" and a deal "1001" stay apart."""
    per_code, names = _by_stripped(log.columns.customer_id)
    blank = np.array([not name for name in names]) if not log.columns.customer_id.stripped \
        else np.arange(len(names)) == 0
    out = per_code[log.columns.customer_id.codes[at]]
    no_id = np.flatnonzero(blank[out])
    base = len(names)  # deal ids numbered after the customer ids
    out[no_id] = base + ids_numbered(log.columns.ids, at[no_id])
    return out


def tally(log: DealLog, funnel: Funnel) -> Tally:
    """Per-deal codes, sets and measures of a log (see module docstring)."""
    c = log.columns
    n = len(c)
    stages = tracked_stages(log, funnel)
    width, last = len(stages), len(stages) - 1
    none = np.zeros(n, np.int32)
    # dates[j]: date of stages[j + 1]; the last is the paid date, else the last stage's date
    dates = [c.stage_dates.get(key, none) for key in stages[1:last]]
    paid_stage = c.stage_dates.get(stages[last], none)
    paid = np.where(c.paid_date > 0, c.paid_date, paid_stage)
    dates.append(paid)

    reach = np.zeros(n, np.int64)
    for j, when in enumerate(dates[:-1], start=1):
        reach[when > 0] = j
    if c.reached is not None:  # a pipeline-stage column: how far each deal got
        position = np.array([stages.index(k) if k in stages else 0 for k in log.stage_keys],
                            np.int64)
        reach = np.maximum(reach, position[c.reached])
    status = c.status.astype(np.int64)
    won = status == WON
    # Only a won deal reached the last stage: a paid date on a lost or open deal is a problem
    # the parser reported, never a customer.
    paid = np.where(won, paid, 0).astype(np.int32)
    dates[-1] = paid
    reach[won] = last
    codes = status * width + reach

    steps = [_days(dates[0], c.created, np.flatnonzero(dates[0] > 0))]
    steps += [_days(dates[j], dates[j - 1], np.flatnonzero((dates[j] > 0) & (dates[j - 1] > 0)))
              for j in range(1, len(dates))]
    cycles = _days(paid, c.created, np.flatnonzero(won & (paid > 0)))
    first_responses = _days(c.first_response, c.created, np.flatnonzero(c.first_response > 0))
    lost_at = np.flatnonzero(status == LOST)
    per_reason, reason_names = _by_stripped(c.lost_reason)

    amount, paid_amount = c.amount, c.paid_amount
    money = np.where(paid_amount.present, paid_amount.values, amount.values)
    money_at = np.flatnonzero(won & (paid_amount.present | amount.present))
    open_at = np.flatnonzero((status == OPEN) & amount.present)
    latest = max(int(d.max()) for d in (c.created, *dates, c.first_response)) if n else None
    return Tally(
        stages=stages, codes=codes, reach=reach, months=_months(c.created),
        channels=_segments(c.channel), managers=_segments(c.manager),
        steps=steps, cycles=cycles, first_responses=first_responses,
        reasons=Measure(lost_at, per_reason[c.lost_reason.codes[lost_at]]),
        reason_names=reason_names,
        money_at=money_at, money=money[money_at], customers=_customers(log, money_at),
        open_at=open_at, open_amount=amount.values[open_at],
        dated_passages=sum(int(np.count_nonzero(d)) for d in dates),
        won_undated=int(np.count_nonzero(won & (paid == 0))),
        has_money=bool(amount.present.any() or paid_amount.present.any()),
        latest=latest,
    )
