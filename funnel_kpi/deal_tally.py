"""A deal log counted once, per *cell*: the deals sharing a (created month, channel, manager).

This is the only code that touches every deal, and it is written for a 500,000-row log:

- one plain loop reads each ``Deal`` once (attribute access on objects scattered in memory is
  the costly part, so it is done in one sweep) and notes how far the deal got;
- the rest runs in C-level built-ins over plain lists: ``map``, ``itertools.compress``,
  ``operator.itemgetter``, ``collections.Counter``; days are ``date.toordinal`` differences;
- every measure is a ``Counter`` keyed ``cell * SPAN + HALF + value``: days of a duration,
  status-and-stage codes, lost reasons. ``funnel_kpi.deal_sets`` folds those (cell, value) pairs
  into the whole log, months, channels and managers, so no set re-scans the deals.

A measure is tallied only over the deals it applies to (both dates present, won deals, ...),
found with ``compress`` and gathered with ``itemgetter``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import compress, repeat
from operator import add, attrgetter, eq, ge, itemgetter, lt, sub
from typing import Any, TypeVar, cast

from funnel_kpi.inputs import Deal, DealLog
from funnel_kpi.model import Funnel

OPEN, WON, LOST = 0, 1, 2
STATUS_CODES = {"open": OPEN, "won": WON, "lost": LOST}
NO_SEGMENT = "—"  # channel/manager of a deal that has none, when others in the log have one
# Tally keys hold a cell and a value in one int: values lie in [-HALF, HALF), which any count or
# day difference does (dates span at most 3,652,059 days).
SPAN = 1 << 23
HALF = 1 << 22

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


class _Ids(dict[K, int]):
    """Value -> small int, numbered in order of first sight (``map(ids.__getitem__, xs)``)."""

    def __missing__(self, key: K) -> int:
        self[key] = number = len(self)
        return number


class _CellBases(dict[tuple[int, int, int], int]):
    """(month, channel, manager) numbers -> cell * SPAN + HALF, cells numbered as first seen."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[tuple[int, int, int]] = []  # cell -> (month, channel, manager)

    def __missing__(self, key: tuple[int, int, int]) -> int:
        self[key] = base = len(self.parts) * SPAN + HALF
        self.parts.append(key)
        return base


class _MonthIds(dict[int, int]):
    """Ordinal of a day -> number of its calendar month, in order of first sight."""

    def __init__(self) -> None:
        super().__init__()
        self.months: _Ids[int] = _Ids()  # ordinal of the month's first day -> month number

    def __missing__(self, day: int) -> int:
        d = date.fromordinal(day)
        self[day] = number = self.months[date(d.year, d.month, 1).toordinal()]
        return number


def gather(values: Sequence[T], positions: Sequence[int]) -> Sequence[T]:
    """``[values[i] for i in positions]`` at C speed (itemgetter returns a bare item for one)."""
    if not positions:
        return ()
    if len(positions) == 1:
        return (values[positions[0]],)
    get: Callable[[Sequence[Any]], Sequence[Any]] = itemgetter(*positions)
    return get(values)


def _ordinals_at(dates: Sequence[date | None], positions: Sequence[int]) -> list[int]:
    """Ordinals of ``dates`` at ``positions``, which the caller chose among the present ones."""
    return list(map(date.toordinal, cast(Sequence[date], gather(dates, positions))))


def _positions(flags: Sequence[object]) -> list[int]:
    """Positions whose flag is truthy (a date, True)."""
    return list(compress(range(len(flags)), flags))


def _tally(values: Sequence[int], bases: Sequence[int]) -> Counter[int]:
    """Counter of ``base + value``: per cell (base = cell * SPAN + HALF), how many had a value."""
    return Counter(map(add, values, bases))


@dataclass(frozen=True, slots=True)
class Tally:
    """Per-cell counts of everything the figures need; Counter keys ``cell * SPAN + HALF + value``.

    Cells are numbered as first seen; ``cells[cell]`` holds its (month, channel, manager) numbers.
    """

    stages: tuple[str, ...]  # tracked stages, funnel order; first = lead, last = paid/won
    months: list[int]  # month number -> ordinal of its first day
    channels: list[str]  # channel number -> name; [""] when no deal has one
    managers: list[str]
    cells: list[tuple[int, int, int]]
    codes: Counter[int]  # value = status * len(stages) + furthest stage reached
    steps: list[Counter[int]]  # [j - 1]: days from stages[j - 1] to stages[j] (any sign)
    cycles: Counter[int]  # won deals: days created -> paid
    first_responses: Counter[int]  # days created -> first response
    reasons: Counter[int]  # lost deals: value = number in reason_names
    reason_names: list[str]
    money: dict[int, list[float]]  # cell -> money of its won deals (paid amount, else amount)
    customers: dict[int, set[str]]  # cell -> identities of those won deals' customers
    open_priced: dict[int, float]  # value = furthest stage: sum of open deals' amounts
    open_priced_n: Counter[int]  # value = furthest stage: open deals with an amount
    dated_passages: int  # stage dates present beyond the lead stage
    won_undated: int  # won deals without a date for the last stage (reached by status)
    has_money: bool  # some deal has an amount or a paid amount
    latest: int | None  # ordinal of the latest date anywhere in the log; None if no deals

    @property
    def has_channel(self) -> bool:
        return self.channels != [""]

    @property
    def has_manager(self) -> bool:
        return self.managers != [""]

    def cell_parts(self, cell: int) -> tuple[int, str, str]:
        """(month's first day ordinal, channel, manager) of a cell number."""
        month, channel, manager = self.cells[cell]
        return self.months[month], self.channels[channel], self.managers[manager]


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


@dataclass(slots=True)
class _Read:
    code: list[int]  # status * len(stages) + reach (see Tally.codes)
    created: list[date]
    channel: list[str | None]
    manager: list[str | None]
    first_response: list[date | None]
    lost_reason: list[str | None]
    dates: list[list[date | None]]  # [j]: date of stages[j + 1] (the last: paid date)


class _StatusBase(dict[str, int]):
    """Status -> status * width, the part of a deal's code its status gives; an unknown status
    counts as open (the parser reported it)."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.width = width

    def __missing__(self, key: str) -> int:
        self[key] = base = STATUS_CODES.get(key, OPEN) * self.width
        return base


def _read(deals: Sequence[Deal], stages: Sequence[str]) -> _Read:
    """The one loop over Deal objects: attribute reads appended to columns.

    The furthest stage reached (reach) is the last dated tracked stage; the last stage for a
    won deal or a deal with a paid date. It goes into the deal's code with its status.
    """
    last = len(stages) - 1
    out = _Read([], [], [], [], [], [], [[] for _ in stages[1:]])
    middle = [(j, key, out.dates[j - 1].append) for j, key in enumerate(stages[1:last], start=1)]
    paid_key, put_paid = stages[last], out.dates[last - 1].append
    status_base = _StatusBase(len(stages))
    won = status_base["won"]
    put_code, put_created = out.code.append, out.created.append
    put_channel, put_manager = out.channel.append, out.manager.append
    put_first, put_reason = out.first_response.append, out.lost_reason.append
    for d in deals:
        put_created(d.created)
        put_channel(d.channel)
        put_manager(d.manager)
        put_first(d.first_response)
        put_reason(d.lost_reason)
        get = d.stage_dates.get
        reach = 0
        for j, key, put in middle:
            when = get(key)
            put(when)
            if when is not None:
                reach = j
        paid = d.paid_date
        if paid is None:
            paid = get(paid_key)
        put_paid(paid)
        base = status_base[d.status]
        put_code(base + (last if paid is not None or base == won else reach))
    return out


def _segment_ids(values: list[str | None]) -> tuple[list[int], list[str]]:
    """Number each channel (manager) by name: stripped, blank -> NO_SEGMENT; none -> [""]."""
    raw: _Ids[str | None] = _Ids()
    numbers = list(map(raw.__getitem__, values))
    names = [(v.strip() if isinstance(v, str) else "") or NO_SEGMENT for v in raw]
    if all(name == NO_SEGMENT for name in names):
        return [0] * len(values), [""]
    by_name: _Ids[str] = _Ids()
    renumber = [by_name[name] for name in names]
    if len(by_name) < len(names):  # " SEO" and "SEO" are one channel
        numbers = list(map(renumber.__getitem__, numbers))
    return numbers, list(by_name)


@dataclass(slots=True)
class _Cells:
    bases: list[int]  # per deal: cell * SPAN + HALF, the base of every tally key of the deal
    parts: list[tuple[int, int, int]]  # cell -> (month, channel, manager) numbers
    months: list[int]  # month number -> ordinal of its first day
    channels: list[str]
    managers: list[str]


def _cells(r: _Read, created: Sequence[int]) -> _Cells:
    manager_no, managers = _segment_ids(r.manager)
    channel_no, channels = _segment_ids(r.channel)
    month_ids = _MonthIds()
    month_no = list(map(month_ids.__getitem__, created))
    bases = _CellBases()
    per_deal = list(map(bases.__getitem__, zip(month_no, channel_no, manager_no, strict=True)))
    return _Cells(per_deal, bases.parts, list(month_ids.months), channels, managers)


def _steps(r: _Read, created: Sequence[int], bases: Sequence[int]
           ) -> tuple[list[Counter[int]], int | None]:
    """Days between consecutive stage dates, tallied per step; and the latest stage date."""
    latest: int | None = None
    steps: list[Counter[int]] = []
    for j, dates in enumerate(r.dates):
        at = _positions(dates)
        end = _ordinals_at(dates, at)
        if end:
            latest = max(latest or 0, max(end))
        if j == 0:  # from the lead stage, whose date (created) every deal has
            begin: Sequence[int] = gather(created, at)
        else:  # only deals that have the previous stage's date too
            had_previous = gather(r.dates[j - 1], at)
            at = list(compress(at, had_previous))
            end = list(compress(end, had_previous))
            begin = _ordinals_at(r.dates[j - 1], at)
        steps.append(_tally(list(map(sub, end, begin)), gather(bases, at)))
    return steps, latest


def tally(log: DealLog, funnel: Funnel) -> Tally:
    """Count the log per cell (see module docstring)."""
    deals = log.deals
    stages = tracked_stages(log, funnel)
    width = len(stages)
    r = _read(deals, stages)
    created = list(map(date.toordinal, r.created))
    c = _cells(r, created)
    bases = c.bases
    steps, latest = _steps(r, created, bases)

    at = _positions(r.first_response)
    responded = _ordinals_at(r.first_response, at)
    first_responses = _tally(list(map(sub, responded, gather(created, at))), gather(bases, at))

    won_at = _positions(list(map(eq, r.code, repeat(WON * width + width - 1))))
    paid_at = list(compress(won_at, gather(r.dates[-1], won_at)))
    cycle_days = list(map(sub, _ordinals_at(r.dates[-1], paid_at), gather(created, paid_at)))

    lost_at = _positions(list(map(ge, r.code, repeat(LOST * width))))
    reason_ids: _Ids[str | None] = _Ids()
    reason_no = list(map(reason_ids.__getitem__, gather(r.lost_reason, lost_at)))

    money, customers = _won_money(deals, won_at, bases)
    open_at = _positions(list(map(lt, r.code, repeat(width))))  # an open deal's code is its reach
    open_priced, open_priced_n = _open_amounts(deals, open_at, bases, r.code)
    tops = [x for x in (latest, max(created, default=None), max(responded, default=None))
            if x is not None]
    return Tally(
        stages=stages, months=c.months, channels=c.channels, managers=c.managers,
        cells=c.parts, codes=_tally(r.code, bases), steps=steps,
        cycles=_tally(cycle_days, gather(bases, paid_at)), first_responses=first_responses,
        reasons=_tally(reason_no, gather(bases, lost_at)),
        reason_names=[(v.strip() if isinstance(v, str) else "") for v in reason_ids],
        money=money, customers=customers, open_priced=open_priced, open_priced_n=open_priced_n,
        dated_passages=sum(len(col) - col.count(None) for col in r.dates),
        won_undated=len(won_at) - len(paid_at),
        has_money=bool(money) or any(d.amount is not None or d.paid_amount is not None
                                     for d in deals),
        latest=max(tops) if tops else None,
    )


def _won_money(deals: Sequence[Deal], won_at: Sequence[int], bases: Sequence[int]
               ) -> tuple[dict[int, list[float]], dict[int, set[str]]]:
    """Per cell: money of won deals (paid amount, else amount) and their customers' identities.

    A customer is its customer id, else the deal's id (one deal, one customer); the prefixes
    keep a customer "1001" apart from a deal "1001".
    """
    won = gather(deals, won_at)
    paid_amounts = map(attrgetter("paid_amount"), won)
    amounts = map(attrgetter("amount"), won)
    money_of = [p if p is not None else a for p, a in zip(paid_amounts, amounts, strict=True)]
    customer_ids = map(attrgetter("customer_id"), won)
    ids = [("c:" + c.strip() if c and c.strip() else "d:" + i)
           for c, i in zip(customer_ids, map(attrgetter("id"), won), strict=True)]
    money: dict[int, list[float]] = {}
    customers: dict[int, set[str]] = {}
    for base, amount, who in zip(gather(bases, won_at), money_of, ids, strict=True):
        if amount is not None:
            cell = base // SPAN
            found = money.get(cell)
            if found is None:
                money[cell], customers[cell] = [amount], {who}
            else:
                found.append(amount)
                customers[cell].add(who)
    return money, customers


def _open_amounts(deals: Sequence[Deal], open_at: Sequence[int], bases: Sequence[int],
                  reach: Sequence[int]) -> tuple[dict[int, float], Counter[int]]:
    """Sum and count of open deals' amounts, keyed like a tally with the furthest stage.

    ``reach`` may be the deals' codes: an open deal's code is its reach.
    """
    sums: dict[int, float] = {}
    counts: Counter[int] = Counter()
    amounts = map(attrgetter("amount"), gather(deals, open_at))
    for amount, base, stage in zip(amounts, gather(bases, open_at), gather(reach, open_at),
                                   strict=True):
        if amount is not None:
            key = base + stage
            sums[key] = sums.get(key, 0.0) + amount
            counts[key] += 1
    return sums, counts
