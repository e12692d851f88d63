"""Typed inputs of the computation, and the raw tabs they are read from.

``Tab`` is what any backend hands the core: raw cell values, row-major, ``rows[0]`` is sheet
row 1, as Google's UNFORMATTED_VALUE/SERIAL_NUMBER read or python-calamine/openpyxl give them
(int, float, str, bool, None, datetime/date, Excel error strings such as "#DIV/0!").

``SummaryTable`` and ``DealLog`` are what parsing makes of them; everything the parser could not
read is a ``Problem`` and is left out of the computation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Cell = object
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


@dataclass(frozen=True, slots=True)
class Tab:
    name: str
    rows: Sequence[Sequence[Cell]]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing in the input that could not be used. ``cell`` is A1 ("C7"), or "" for a tab."""

    tab: str
    cell: str
    value: str
    code: str  # a key of funnel_kpi.messages.PROBLEMS, e.g. "not_a_number"

    def reason(self, lang: str = "en") -> str:
        from funnel_kpi.messages import problem_text

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


@dataclass(frozen=True, slots=True)
class Deal:
    """One lead/deal of a deal log. ``stage_dates`` holds the stages the row has a date for."""

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


@dataclass(frozen=True, slots=True)
class DealLog:
    tab: str
    stage_keys: tuple[str, ...]  # stages the log tracks, in funnel order; first is the lead stage
    deals: tuple[Deal, ...]
    problems: tuple[Problem, ...] = ()
    unknown_columns: tuple[str, ...] = ()
