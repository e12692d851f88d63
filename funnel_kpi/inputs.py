"""Typed inputs of the computation, and the raw tabs they are read from.

``Tab`` is what any backend hands the core: raw cell values, row-major, ``rows[0]`` is sheet
row 1, as Google's UNFORMATTED_VALUE/SERIAL_NUMBER read or python-calamine/openpyxl give them
(int, float, str, bool, None, datetime/date, Excel error strings such as "#DIV/0!").

``SummaryTable`` and ``DealLog`` are what parsing makes of them; everything the parser could not
read is a ``Problem`` and is left out of the computation. A ``DealLog`` holds its deals as
columns (``DealColumns``: numpy arrays, text as small-int codes); ``Deal`` objects are a view.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal, TypeVar, overload

import numpy as np
from numpy.typing import NDArray

from funnel_kpi.messages import problem_text
from funnel_kpi.model import Funnel
from funnel_kpi.parse.cells import SERIAL_EPOCH_ORDINAL
from funnel_kpi.parse.readout import ColumnReading

Cell = object
SERIAL_EPOCH = datetime.fromordinal(SERIAL_EPOCH_ORDINAL)  # a date cell's serial counts from here
MS_PER_DAY = 86_400_000
DealStatus = Literal["open", "won", "lost"]

# Money, plan and customer fields a summary tab may carry besides stage counts:
#   spend        marketing spend of the month (money)
#   sales_cost   cost of the sales team of the month (money)
#   revenue      money received in the month
#   plan         revenue plan of the month (money); without a revenue column, compared to paid count
#   margin       gross margin: a ratio (0.3 or "30%"), or money when larger than 1
#   customers    active customers at the start of the month
#   churned      customers lost during the month
SUMMARY_FIELDS: tuple[str, ...] = (
    "spend", "sales_cost", "revenue", "plan", "margin", "customers", "churned",
)


@dataclass(frozen=True, slots=True, eq=False)
class CellColumn:
    """One column of a big tab below its header row, as arrays: no Python object per cell
    (a backend reading by column, e.g. an .xlsx through Arrow, hands these over).

    Cell i is a number (``numbers[i]``), a text (``names[codes[i]]``, code 0 meaning none), a
    boolean (``bools[i]``, its number 1.0/0.0), a date (``dates[i]``, its number the serial:
    days since 1899-12-30, the fraction its time of day) or blank (NaN and code 0). A date
    cell is a date wherever it is read, as in a row-major tab: a date to a date column, not a
    number to an amount, its ISO text to a text column.
    """

    numbers: NDArray[np.float64]
    codes: NDArray[np.int32]
    # A tuple, or a sequence that decodes its texts when asked (a column of 500,000 ids)
    names: Sequence[str | None] = (None,)
    bools: NDArray[np.bool_] | None = None
    dates: NDArray[np.bool_] | None = None

    def __len__(self) -> int:
        return len(self.numbers)

    def cell(self, i: int) -> Cell:
        """Cell i as a row-major tab would hold it (for problem messages: a few cells)."""
        code = int(self.codes[i])
        if code:
            return self.names[code]
        x = float(self.numbers[i])
        if math.isnan(x):
            return None
        if self.bools is not None and self.bools[i]:
            return bool(x)
        if self.dates is not None and self.dates[i]:
            return serial_cell(x)
        return int(x) if x.is_integer() else x

    @classmethod
    def of(cls, values: Sequence[Cell]) -> CellColumn:
        """From cells (tests and small callers): numbers, booleans and dates as numbers, the
        rest as text (str() of a foreign object)."""
        numbers = np.full(len(values), math.nan)
        codes = np.zeros(len(values), np.int32)
        bools = np.zeros(len(values), np.bool_)
        dates = np.zeros(len(values), np.bool_)
        names: dict[str | None, int] = {None: 0}
        for i, v in enumerate(values):
            if isinstance(v, bool):
                numbers[i], bools[i] = float(v), True
            elif isinstance(v, int | float):
                numbers[i] = float(v)
            elif isinstance(v, date):
                numbers[i], dates[i] = cell_serial(v), True
            elif v is not None:
                codes[i] = names.setdefault(str(v), len(names))
        return cls(numbers, codes, tuple(names), bools if bools.any() else None,
                   dates if dates.any() else None)


def serial_cell(serial: float) -> date:
    """A date cell's serial number as a spreadsheet reader gives the cell: a ``date`` at
    midnight, else a ``datetime`` (to the millisecond)."""
    at = SERIAL_EPOCH + timedelta(milliseconds=round(serial * MS_PER_DAY))
    return at.date() if at.time() == time(0) else at


def cell_serial(value: date) -> float:
    """``serial_cell`` the other way: a date or datetime as its serial number."""
    at = value if isinstance(value, datetime) else datetime.combine(value, time(0))
    return (at.replace(tzinfo=None) - SERIAL_EPOCH) / timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Tab:
    name: str
    # Raw cells, row-major; for a tab with ``columns``, only its first rows (enough to find the
    # header row: funnel_kpi.parse.headers.HEADER_SCAN_ROWS).
    rows: Sequence[Sequence[Cell]]
    # A big tab read by column: the cells below header row h (0-based), one CellColumn per
    # sheet column, all of one length. None for a tab whose ``rows`` are all its rows.
    columns: Callable[[int], Sequence[CellColumn]] | None = None

    def all_rows(self) -> Sequence[Sequence[Cell]]:
        """Every row (a columnar tab turned row-major: slow, for small tabs read so)."""
        if self.columns is None:
            return self.rows
        cols = self.columns(0)
        height = max((len(c) for c in cols), default=0)
        return [list(self.rows[0]) if self.rows else [],
                *([c.cell(i) for c in cols] for i in range(height))]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing in the input that could not be used. ``cell`` is A1 ("C7"), or "" for a tab."""

    tab: str
    cell: str
    value: str
    code: str  # a key of funnel_kpi.messages.PROBLEMS, e.g. "not_a_number"

    def reason(self, lang: str = "en") -> str:
        return problem_text(self.code, lang)

    def to_dict(self) -> dict[str, str]:
        return {"tab": self.tab, "cell": self.cell, "value": self.value,
                "code": self.code, "reason": self.reason("en"), "reason_ru": self.reason("ru")}


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One period (calendar month) of a summary tab."""

    period: date  # first day of the month
    counts: Mapping[str, float]  # stage key -> count; a stage whose cell was unreadable is absent
    money: Mapping[str, float]  # SUMMARY_FIELDS name -> value; absent when blank or unreadable
    row: int  # sheet row number (1-based), for messages
    segment: str | None = None  # value of the tab's channel/manager column, if it has one


@dataclass(frozen=True, slots=True)
class SummaryTable:
    tab: str
    stage_keys: tuple[str, ...]  # stages that have a column, in funnel order
    # Sorted by (period, segment); one row per month, or per (month, segment) when segmented.
    rows: tuple[SummaryRow, ...]
    segment_field: str | None = None  # "channel" or "manager" when the tab has such a column
    problems: tuple[Problem, ...] = ()
    unknown_columns: tuple[str, ...] = ()
    # What the plan column plans: "revenue" (money) or "paid" (a count of payments); None
    # without a plan column (funnel_kpi.parse.plans).
    plan_of: Literal["revenue", "paid"] | None = None
    readout: tuple[ColumnReading, ...] = ()  # how each column was read


# A deal's status as a small int in DealColumns.status: STATUSES[code].
STATUSES: tuple[DealStatus, ...] = ("open", "won", "lost")
OPEN, WON, LOST = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Deal:
    """One lead/deal of a deal log. ``stage_dates`` holds the stages the row has a date for.

    The log itself keeps its deals as columns (``DealColumns``); a ``Deal`` is the readable view
    of one row, for tests and small callers (``DealLog.deals``, ``DealLog.from_deals``).
    """

    id: str
    created: date
    status: DealStatus
    stage_dates: Mapping[str, date] = field(default_factory=dict)
    channel: str | None = None
    manager: str | None = None
    lost_reason: str | None = None
    amount: float | None = None
    paid_amount: float | None = None
    paid_date: date | None = None
    customer_id: str | None = None
    first_response: date | None = None
    row: int = 0


Days = NDArray[np.int32]  # date ordinals (date.toordinal()), 0 where a deal has no date


@dataclass(frozen=True, slots=True, eq=False)
class Texts:
    """A text column as small ints: deal i's text is ``names[codes[i]]``; code 0 means none."""

    codes: NDArray[np.int32]
    names: tuple[str | None, ...] = (None,)  # names[0] is None; a name may be used by no deal
    # True when every name but names[0] is stripped and not empty (the parser's names): then a
    # code already stands for its stripped name, and nothing has to strip them again.
    stripped: bool = False

    @classmethod
    def of(cls, values: Iterable[str | None]) -> Texts:
        numbers: dict[str | None, int] = {None: 0}
        codes = [numbers.setdefault(v, len(numbers)) for v in values]
        return cls(np.array(codes, dtype=np.int32), tuple(numbers))

    def at(self, i: int) -> str | None:
        return self.names[int(self.codes[i])]

    def used(self) -> NDArray[np.bool_]:
        """Per name: whether some deal has it."""
        return np.bincount(self.codes, minlength=len(self.names)) > 0

    def any(self) -> bool:
        """Some deal has a value (an empty text counts, as ``is not None`` would)."""
        return bool(self.codes.any())

    def any_text(self) -> bool:
        """Some deal has a non-empty text."""
        return any(name for name, used in zip(self.names, self.used().tolist(), strict=True)
                   if used)


@dataclass(frozen=True, slots=True, eq=False)
class Amounts:
    """A money column: ``values[i]`` counts only where ``present[i]`` (NaN elsewhere)."""

    values: NDArray[np.float64]
    present: NDArray[np.bool_]

    @classmethod
    def of(cls, values: Sequence[float | None]) -> Amounts:
        present = np.array([v is not None for v in values], dtype=np.bool_)
        return cls(np.array([math.nan if v is None else v for v in values], dtype=np.float64),
                   present)

    @classmethod
    def from_floats(cls, values: NDArray[np.float64]) -> Amounts:
        """From floats where NaN means none (what the parser makes: a NaN cell is a problem)."""
        return cls(values, ~np.isnan(values))

    def at(self, i: int) -> float | None:
        return float(self.values[i]) if self.present[i] else None


T = TypeVar("T")


class LazySequence(Sequence[T]):
    """A sequence whose items are made when asked (``item``, given an index in range): the
    indexing rules of a list (negative indexes, slices, IndexError) in one place."""

    def item(self, i: int) -> T:
        raise NotImplementedError

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> list[T]: ...

    def __getitem__(self, i: int | slice) -> T | list[T]:
        if isinstance(i, slice):
            return [self.item(j) for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self.item(i)


class Ids(LazySequence[str]):
    """Deal ids that can be numbered many at once (``numbered``) faster than one by one."""

    def numbered(self, positions: NDArray[np.intp]) -> NDArray[np.int64]:
        return number_in_order([self[i] for i in positions.tolist()])


def number_in_order(texts: Sequence[str]) -> NDArray[np.int64]:
    """A number per text: equal texts equal numbers, 0, 1, 2... in order of first appearance."""
    number: dict[str, int] = {}
    return np.fromiter((number.setdefault(t, len(number)) for t in texts), np.int64, len(texts))


def first_seen_order(numbers: NDArray[np.int64]) -> NDArray[np.int64]:
    """``numbers`` renumbered 0, 1, 2... in order of first appearance (equal stay equal)."""
    if not len(numbers):
        return numbers
    _, first, inverse = np.unique(numbers, return_index=True, return_inverse=True)
    rank = np.empty(len(first), np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    out: NDArray[np.int64] = rank[inverse]
    return out


def ids_numbered(ids: Sequence[str], positions: NDArray[np.intp]) -> NDArray[np.int64]:
    """A number per deal id at ``positions``: equal ids equal numbers, in order of first
    appearance (``Ids.numbered``)."""
    if isinstance(ids, Ids):
        return ids.numbered(positions)
    return number_in_order([ids[i] for i in positions.tolist()])


@dataclass(frozen=True, slots=True, eq=False)
class DealColumns:
    """The deals of a log as columns: position i of every column is the i-th deal.

    Built for 500,000-row logs: one numpy array per field instead of one object per deal, so the
    analysis counts with array operations (funnel_kpi.deals.tally).
    """

    ids: Sequence[str]  # never blank: a row without an id is "row 12"
    rows: NDArray[np.int32]  # sheet row number (1-based)
    created: Days  # every deal has one (no 0 here)
    status: NDArray[np.int8]  # OPEN, WON or LOST
    stage_dates: Mapping[str, Days]  # stage key -> dates (the lead stage's is ``created``)
    paid_date: Days
    first_response: Days
    amount: Amounts
    paid_amount: Amounts
    channel: Texts
    manager: Texts
    lost_reason: Texts
    customer_id: Texts
    # How far each deal got by its pipeline stage (index into the log's stage keys), where the
    # log has a stage column rather than a date per stage; None otherwise.
    reached: NDArray[np.int16] | None = None

    def __len__(self) -> int:
        return len(self.rows)

    @classmethod
    def of(cls, deals: Sequence[Deal]) -> DealColumns:
        def days(values: Iterable[date | None]) -> Days:
            return np.array([0 if v is None else v.toordinal() for v in values], dtype=np.int32)

        keys = dict.fromkeys(k for d in deals for k in d.stage_dates)
        status = {name: code for code, name in enumerate(STATUSES)}
        return cls(
            ids=tuple(d.id for d in deals),
            rows=np.array([d.row for d in deals], dtype=np.int32),
            created=days(d.created for d in deals),
            status=np.array([status.get(d.status, OPEN) for d in deals], dtype=np.int8),
            stage_dates={k: days(d.stage_dates.get(k) for d in deals) for k in keys},
            paid_date=days(d.paid_date for d in deals),
            first_response=days(d.first_response for d in deals),
            amount=Amounts.of([d.amount for d in deals]),
            paid_amount=Amounts.of([d.paid_amount for d in deals]),
            channel=Texts.of(d.channel for d in deals),
            manager=Texts.of(d.manager for d in deals),
            lost_reason=Texts.of(d.lost_reason for d in deals),
            customer_id=Texts.of(d.customer_id for d in deals),
        )

    def has(self, name: str) -> bool:
        """Whether some deal has a value for the Deal field ``name`` (``is not None``)."""
        column = getattr(self, name)
        if isinstance(column, Texts):
            return column.any()
        if isinstance(column, Amounts):
            return bool(column.present.any())
        return bool(np.asarray(column).any())

    def deals(self) -> tuple[Deal, ...]:
        """Every deal as a ``Deal`` object (a view for tests and small logs: 500,000 objects
        take seconds and hundreds of MB)."""
        day_of: dict[int, date] = {}

        def day(ordinal: int) -> date | None:
            if not ordinal:
                return None
            found = day_of.get(ordinal)
            if found is None:
                found = day_of[ordinal] = date.fromordinal(ordinal)
            return found

        stages = [(k, v.tolist()) for k, v in self.stage_dates.items()]
        created, paid, first = (self.created.tolist(), self.paid_date.tolist(),
                                self.first_response.tolist())
        status, rows = self.status.tolist(), self.rows.tolist()
        out = []
        for i in range(len(rows)):
            made = day(created[i])
            assert made is not None  # every deal has a created date
            dated = {k: when for k, days in stages if (when := day(days[i])) is not None}
            out.append(Deal(self.ids[i], made, STATUSES[status[i]], dated, self.channel.at(i),
                            self.manager.at(i), self.lost_reason.at(i), self.amount.at(i),
                            self.paid_amount.at(i), day(paid[i]), self.customer_id.at(i),
                            day(first[i]), rows[i]))
        return tuple(out)


@dataclass(frozen=True, slots=True, eq=False)
class DealLog:
    """A parsed deal log: its deals as columns, and what could not be read."""

    tab: str
    stage_keys: tuple[str, ...]  # stages the log tracks, in funnel order; first is the lead stage
    columns: DealColumns
    problems: tuple[Problem, ...] = ()
    unknown_columns: tuple[str, ...] = ()
    _deals: list[tuple[Deal, ...]] = field(default_factory=list, repr=False)  # built once
    # The funnel the log's pipeline-stage column defines, when it defines one.
    funnel: Funnel | None = None
    readout: tuple[ColumnReading, ...] = ()

    @classmethod
    def from_deals(cls, tab: str, stage_keys: Sequence[str], deals: Iterable[Deal],
                   problems: Sequence[Problem] = (),
                   unknown_columns: Sequence[str] = ()) -> DealLog:
        """A log of hand-made deals (tests, small callers); ``deals`` are kept as given."""
        given = tuple(deals)
        return cls(tab, tuple(stage_keys), DealColumns.of(given), tuple(problems),
                   tuple(unknown_columns), [given])

    @property
    def deals(self) -> tuple[Deal, ...]:
        """The deals as ``Deal`` objects, built on first use (see ``DealColumns.deals``)."""
        if not self._deals:
            self._deals.append(self.columns.deals())
        return self._deals[0]

    @property
    def size(self) -> int:
        """How many deals (no ``__len__``: an empty log is still a log, and truthy)."""
        return len(self.columns)
