"""The per-cell tallies folded into sets: the whole log, each month, each channel, each manager.

Each (cell, value) pair of a ``Tally`` counter is added to the month, channel and manager its
cell belongs to, so the cost is the number of distinct pairs (tens of thousands for 500,000
deals), not the number of deals; the whole log is then the sum of its months. Durations stay
histograms (days -> deals): means and medians are read off them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from funnel_kpi.deal_tally import HALF, SPAN, Tally

K = TypeVar("K", bound=Hashable)
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


def _fold(counts: Mapping[int, V], owners: Sequence[Sequence[SetData]],
          pick: Callable[[SetData], dict[int, V]], *, least: int | None = None) -> None:
    """Add ``counts`` (tally keys) into the picked histogram of each set that owns the cell;
    values below ``least`` are left out. The hot loop of the fold: kept to plain operations."""
    into = [[pick(s) for s in sets] for sets in owners]
    floor = -HALF if least is None else least
    for key, k in counts.items():
        cell, value = divmod(key, SPAN)
        value -= HALF
        if value >= floor:
            for hist in into[cell]:
                hist[value] = hist.get(value, 0) + k


def _step(j: int) -> Callable[[SetData], dict[int, int]]:
    return lambda s: s.steps[j]


def _add(into: dict[K, V], part: Mapping[K, V]) -> None:
    for key, k in part.items():
        into[key] = into.get(key, 0) + k


def _merge(into: SetData, part: SetData) -> None:
    """Add ``part`` into ``into``: how the whole log is made from its months."""
    _add(into.codes, part.codes)
    _add(into.reasons, part.reasons)
    for mine, theirs in zip(into.steps, part.steps, strict=True):
        _add(mine, theirs)
    _add(into.cycles, part.cycles)
    _add(into.first_responses, part.first_responses)
    into.money.extend(part.money)
    into.customers |= part.customers
    _add(into.open_priced, part.open_priced)
    _add(into.open_priced_n, part.open_priced_n)


def fold(t: Tally) -> Sets:
    """Every set's data from the per-cell tally; the whole log is the sum of its months."""
    steps = len(t.stages) - 1

    def new() -> SetData:
        return SetData(steps=[{} for _ in range(steps)])

    sets = Sets(new(), {}, {}, {})
    owners: list[list[SetData]] = []  # cell -> the sets it belongs to
    with_channel, with_manager = t.has_channel, t.has_manager
    for cell in range(len(t.cells)):
        month, channel, manager = t.cell_parts(cell)
        mine = [sets.months.setdefault(month, new())]
        if with_channel:
            mine.append(sets.channels.setdefault(channel, new()))
        if with_manager:
            mine.append(sets.managers.setdefault(manager, new()))
        owners.append(mine)

    _fold(t.codes, owners, lambda s: s.codes)
    for j, counts in enumerate(t.steps):
        # A negative duration means dates out of order: the parser reported it; left out.
        _fold(counts, owners, _step(j), least=0)
    _fold(t.cycles, owners, lambda s: s.cycles, least=0)
    _fold(t.first_responses, owners, lambda s: s.first_responses, least=0)
    _fold(t.open_priced, owners, lambda s: s.open_priced)
    _fold(t.open_priced_n, owners, lambda s: s.open_priced_n)
    by_reason = [[s.reasons for s in sets_of_cell] for sets_of_cell in owners]
    for key, k in t.reasons.items():
        cell, number = divmod(key, SPAN)
        name = t.reason_names[number - HALF]  # several raw texts may share one (" Price")
        for hist in by_reason[cell]:
            hist[name] = hist.get(name, 0) + k
    for cell, sets_of_cell in enumerate(owners):
        money, customers = t.money.get(cell), t.customers.get(cell)
        for s in sets_of_cell:
            if money:
                s.money.extend(money)
            if customers:
                s.customers.update(customers)
    sets.months = dict(sorted(sets.months.items()))
    for part in sets.months.values():
        _merge(sets.overall, part)
    return sets
