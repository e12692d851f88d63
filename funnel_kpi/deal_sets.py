"""The per-cell tallies folded into sets: the whole log, each month, each channel, each manager.

Each (value, cell) pair of a ``Tally`` counter is added to the four sets its cell belongs to, so
the cost is the number of distinct pairs (tens of thousands for 500,000 deals), not the number
of deals. Durations stay histograms (days -> deals): means and medians are read off them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from funnel_kpi.deal_tally import SPAN, Tally, split_key

V = TypeVar("V", int, float)


@dataclass(slots=True)
class SetData:
    """What one set of deals holds: histograms keyed by value, money, customers."""

    codes: dict[int, int] = field(default_factory=dict)  # status * stages + reach -> deals
    reasons: dict[str, int] = field(default_factory=dict)  # lost reason -> lost deals
    steps: list[dict[int, int]] = field(default_factory=list)  # per stage pair: days -> deals
    cycles: dict[int, int] = field(default_factory=dict)  # days -> won deals
    first_responses: dict[int, int] = field(default_factory=dict)  # days -> deals
    money: list[float] = field(default_factory=list)  # won deals' money
    customers: set[str] = field(default_factory=set)
    open_priced: dict[int, float] = field(default_factory=dict)  # reach -> open amounts
    open_priced_n: dict[int, int] = field(default_factory=dict)  # reach -> open deals priced


@dataclass(slots=True)
class Sets:
    overall: SetData
    months: dict[int, SetData]  # ordinal of the month's first day -> set
    channels: dict[str, SetData]  # empty when the log has no channels
    managers: dict[str, SetData]


def _fold(counts: Mapping[int, V], owners: Mapping[int, list[SetData]],
          pick: Callable[[SetData], dict[int, V]], *, least: int | None = None) -> None:
    """Add ``counts`` (tally keys) into the picked histogram of each set that owns the cell;
    values below ``least`` are left out."""
    into = {cell: [pick(s) for s in sets] for cell, sets in owners.items()}
    for key, k in counts.items():
        cell, value = split_key(key)
        if least is not None and value < least:
            continue
        for hist in into[cell]:
            hist[value] = hist.get(value, 0) + k


def _step(j: int) -> Callable[[SetData], dict[int, int]]:
    return lambda s: s.steps[j]


def fold(t: Tally) -> Sets:
    """Every set's data from the per-cell tally."""
    steps = len(t.stages) - 1

    def new() -> SetData:
        return SetData(steps=[{} for _ in range(steps)])

    sets = Sets(new(), {}, {}, {})
    owners: dict[int, list[SetData]] = {}
    with_channel, with_manager = t.has_channel, t.has_manager
    for key in t.codes:  # every deal has a code, so these are all the cells in use
        cell = key // SPAN
        if cell in owners:
            continue
        month, channel, manager = t.cell_parts(cell)
        mine = [sets.overall, sets.months.setdefault(month, new())]
        if with_channel:
            mine.append(sets.channels.setdefault(channel, new()))
        if with_manager:
            mine.append(sets.managers.setdefault(manager, new()))
        owners[cell] = mine

    _fold(t.codes, owners, lambda s: s.codes)
    for j, counts in enumerate(t.steps):
        # A negative duration means dates out of order: the parser reported it; left out.
        _fold(counts, owners, _step(j), least=0)
    _fold(t.cycles, owners, lambda s: s.cycles, least=0)
    _fold(t.first_responses, owners, lambda s: s.first_responses, least=0)
    _fold(t.open_priced, owners, lambda s: s.open_priced)
    _fold(t.open_priced_n, owners, lambda s: s.open_priced_n)
    by_reason = {cell: [s.reasons for s in sets_of_cell] for cell, sets_of_cell in owners.items()}
    for key, k in t.reasons.items():
        cell, number = split_key(key)
        name = t.reason_names[number]  # several raw texts may share a name (" Price", "Price")
        for hist in by_reason[cell]:
            hist[name] = hist.get(name, 0) + k
    for cell, sets_of_cell in owners.items():
        money, customers = t.money.get(cell), t.customers.get(cell)
        for s in sets_of_cell:
            if money:
                s.money.extend(money)
            if customers:
                s.customers.update(customers)
    sets.months = dict(sorted(sets.months.items()))
    return sets
