"""A ``Tally`` counted per set: the whole log, each month, each channel, each manager.

Each measure of each kind of set is one numpy count over (set, value) pairs: ``bincount`` when
the pairs fit a dense table, ``unique`` otherwise; Python then only walks the distinct pairs
(hundreds for 500,000 deals). Durations stay histograms (days -> deals): means and medians are
read off them (funnel_kpi.deals.stats).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from funnel_kpi.deals.tally import Grouping, Positions, Tally

# Largest dense (set, value) table a count may allocate; sparser pairs are sorted instead.
_DENSE = 1 << 21


@dataclass(slots=True)
class SetData:
    """What one set of deals holds: histograms keyed by value, money, customers."""

    codes: dict[int, int] = field(default_factory=dict)  # status * stages + reach -> deals
    reasons: dict[str, int] = field(default_factory=dict)  # lost reason -> lost deals
    steps: list[dict[int, int]] = field(default_factory=list)  # per stage pair: days -> deals
    cycles: dict[int, int] = field(default_factory=dict)  # days -> won deals
    first_responses: dict[int, int] = field(default_factory=dict)  # days -> deals
    money: list[float] = field(default_factory=list)  # won deals' money
    customers: int = 0  # distinct customers among those won deals
    open_priced: dict[int, float] = field(default_factory=dict)  # reach -> open amounts
    open_priced_n: dict[int, int] = field(default_factory=dict)  # reach -> open deals priced


@dataclass(slots=True)
class Sets:
    overall: SetData
    months: dict[int, SetData]  # ordinal of the month's first day -> set, in calendar order
    channels: dict[str, SetData]  # empty when the log has no channels
    managers: dict[str, SetData]


def histograms(group: Positions, sets: int, values: NDArray[np.int64]) -> list[dict[int, int]]:
    """Per set: value -> how many of its entries have it (``group[k]`` is entry k's set)."""
    out: list[dict[int, int]] = [{} for _ in range(sets)]
    if not len(values):
        return out
    low = int(values.min())
    span = int(values.max()) - low + 1
    keys = values - low if sets == 1 else group.astype(np.int64, copy=False) * span + (values - low)
    if sets * span <= max(_DENSE, 2 * len(keys)):
        counts = np.bincount(keys, minlength=sets * span)
        found = np.flatnonzero(counts)
        many = counts[found]
    else:
        found, many = np.unique(keys, return_counts=True)
    owner, value = np.divmod(found, span)
    for s, v, k in zip(owner.tolist(), (value + low).tolist(), many.tolist(), strict=True):
        out[s][v] = k
    return out


def split(group: NDArray[np.int64] | Positions, sets: int, values: NDArray[np.float64],
          ) -> list[list[float]]:
    """Per set: its entries' values."""
    order = np.argsort(group, kind="stable")
    ends: list[int] = np.cumsum(np.bincount(group, minlength=sets)).tolist()
    flat = values[order].tolist()
    return [flat[start:end] for start, end in zip([0, *ends], ends, strict=False)]


def distinct_counts(group: Positions, sets: int, numbers: NDArray[np.int64]) -> list[int]:
    """Per set: how many distinct numbers its entries have."""
    if not len(numbers):
        return [0] * sets
    span = int(numbers.max()) + 1
    pairs = np.sort(group.astype(np.int64, copy=False) * span + numbers)
    first = np.ones(len(pairs), np.bool_)  # each pair's first occurrence, once sorted
    first[1:] = pairs[1:] != pairs[:-1]
    counts: list[int] = np.bincount(pairs[first] // span, minlength=sets).tolist()
    return counts


def exact_sum(values: list[float]) -> float:
    """``math.fsum``, or infinity where two finite amounts near the float limit overflow on
    the way (fsum raises then; the figures built on the sum say "not_finite")."""
    try:
        return math.fsum(values)
    except OverflowError:
        return math.copysign(math.inf, sum(values))


def sums_by_reach(group: Positions, sets: int, reach: NDArray[np.int64],
                  amounts: NDArray[np.float64], width: int,
                  ) -> tuple[list[dict[int, float]], list[dict[int, int]]]:
    """Per set: furthest stage -> sum of amounts (exact, ``math.fsum``: the same whatever the
    rows' order), and -> how many amounts."""
    keys = group.astype(np.int64, copy=False) * width + reach
    sums: list[dict[int, float]] = [{} for _ in range(sets)]
    counts: list[dict[int, int]] = [{} for _ in range(sets)]
    for key, values in enumerate(split(keys, sets * width, amounts)):
        if values:
            s, stage = divmod(key, width)
            sums[s][stage], counts[s][stage] = exact_sum(values), len(values)
    return sums, counts


def _sets(t: Tally, g: Grouping) -> list[SetData]:
    """Every set of one kind."""
    index, sets = g.index, len(g.keys)

    def hist(at: Positions, values: NDArray[np.int64]) -> list[dict[int, int]]:
        return histograms(index[at], sets, values)

    codes = histograms(index, sets, t.codes)
    steps = [hist(m.at, m.values) for m in t.steps]
    cycles = hist(t.cycles.at, t.cycles.values)
    first_responses = hist(t.first_responses.at, t.first_responses.values)
    reasons = hist(t.reasons.at, t.reasons.values)
    won = index[t.money_at]
    money, customers = split(won, sets, t.money), distinct_counts(won, sets, t.customers)
    priced, priced_n = sums_by_reach(index[t.open_at], sets, t.reach[t.open_at],
                                     t.open_amount, len(t.stages))
    names = t.reason_names
    return [SetData(codes=codes[s], reasons={names[r]: k for r, k in reasons[s].items()},
                    steps=[step[s] for step in steps], cycles=cycles[s],
                    first_responses=first_responses[s], money=money[s], customers=customers[s],
                    open_priced=priced[s], open_priced_n=priced_n[s])
            for s in range(sets)]


def fold(t: Tally) -> Sets:
    """Every set's data: the whole log, its months, channels and managers."""
    whole = Grouping(np.zeros(len(t.codes), np.intp), [None])
    return Sets(
        overall=_sets(t, whole)[0],
        months=dict(zip(t.months.keys, _sets(t, t.months), strict=True)),
        channels=dict(zip(t.channels.keys, _sets(t, t.channels), strict=True))
        if t.channels else {},
        managers=dict(zip(t.managers.keys, _sets(t, t.managers), strict=True))
        if t.managers else {},
    )
