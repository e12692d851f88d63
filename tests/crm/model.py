"""What a CRM fixture is: the truth of each deal, the rows the CRM exports for it, and the
figures worked out by hand from that truth.

The rules the figures follow (the product's rules for a log with a pipeline-stage column):
- the funnel is "leads" (every deal), then the pipeline's open stages in its order, then "paid";
- the CRM's inbox stage (amoCRM "Неразобранное", Kommo "Incoming leads") is "leads" itself;
- a deal reached every stage up to its current one, a won deal reached them all, a lost deal
  whose stage value is a lost marker reached only "leads", a lost deal with a separate status
  column reached up to its stage, a deal whose stage nobody knows reached only "leads" and is open;
- won, lost and open come from the status column when there is one, else from the stage;
- revenue = sum of won amounts; average deal = revenue / won deals with an amount;
  win rate = won / (won + lost); cycle = close date - created date of won deals (days).

``reference`` recomputes every figure from the deals' truth by those rules, so a slip in the
hand arithmetic of ``exports`` shows up in test_fixture_arithmetic, not as a product bug.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Status = Literal["won", "lost", "open"]
Cell = str | int | float | date | None


@dataclass(frozen=True)
class Deal:
    """One deal as it really is; ``exports`` turns it into the CRM's row."""

    stage: str  # the stage value the CRM writes (a name, or an id such as "C1:WON")
    status: Status
    amount: float | None
    created: date
    closed: date | None  # won/lost date; for an open deal the planned date the CRM shows, or None
    manager: str
    channel: str
    reason: str = ""  # lost reason


@dataclass(frozen=True)
class Figures:
    """The figures of a set of deals (the whole log, one manager or one channel)."""

    won: int
    lost: int
    open: int
    revenue: float
    win_rate: float | None
    average_deal: float | None
    cycle_mean: float | None  # KPI sales_cycle_days
    counts: tuple[int, ...]  # "leads", each open stage in pipeline order, "paid"


@dataclass(frozen=True)
class Expected:
    status: Literal["ok", "check"]
    # Labels of the open stages between "leads" and "paid", in pipeline order; None where the
    # label is the product's choice (stage ids such as "C1:NEW" may be shown by name).
    stages: tuple[str | None, ...]
    total: Figures
    steps: tuple[float | None, ...]  # step conversion of each funnel stage, "leads" first
    cycle_median: float | None  # deal_log.median_cycle_days
    by_manager: dict[str, Figures]
    by_channel: dict[str, Figures]
    problems: tuple[tuple[str, str], ...] = ()  # (cell, code)


@dataclass(frozen=True)
class CsvFormat:
    encoding: str
    delimiter: str
    quote_all: bool = False


@dataclass(frozen=True)
class Fixture:
    name: str
    tab: str
    rows: list[list[Cell]]  # header row, then one row per deal, as the export gives them
    deals: tuple[Deal, ...]  # the truth, in row order
    open_stages: tuple[str, ...]  # the pipeline's open stage values, in pipeline order
    expected: Expected
    today: date
    csv: CsvFormat | None = None
    notes: tuple[str, ...] = field(default=())

    def csv_bytes(self) -> bytes:
        """The rows as the CRM's CSV export: its delimiter, quoting and encoding."""
        assert self.csv is not None
        out = io.StringIO(newline="")
        writer = csv.writer(out, delimiter=self.csv.delimiter, lineterminator="\r\n",
                            quoting=csv.QUOTE_ALL if self.csv.quote_all else csv.QUOTE_MINIMAL)
        for row in self.rows:
            writer.writerow(["" if v is None else _csv_text(v) for v in row])
        return out.getvalue().encode(self.csv.encoding)


def _csv_text(v: Cell) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def reached(deal: Deal, open_stages: Sequence[str]) -> int:
    """How many funnel stages after "leads" the deal reached (won: all, "paid" included)."""
    if deal.status == "won":
        return len(open_stages) + 1
    if deal.stage in open_stages:
        return open_stages.index(deal.stage) + 1
    return 0  # a lost marker, an inbox stage, or a stage nobody knows


def figures(deals: Sequence[Deal], open_stages: Sequence[str]) -> Figures:
    won = [d for d in deals if d.status == "won"]
    lost = sum(d.status == "lost" for d in deals)
    amounts = [d.amount for d in won if d.amount is not None]
    revenue = sum(amounts, 0.0)
    cycles = [(d.closed - d.created).days for d in won if d.closed is not None]
    levels = [reached(d, open_stages) for d in deals]
    counts = (len(deals), *(sum(r >= k for r in levels) for k in range(1, len(open_stages) + 1)),
              len(won))
    return Figures(
        won=len(won), lost=lost, open=len(deals) - len(won) - lost, revenue=revenue,
        win_rate=len(won) / (len(won) + lost) if won or lost else None,
        average_deal=revenue / len(amounts) if amounts else None,
        cycle_mean=statistics.fmean(cycles) if cycles else None, counts=counts)


def reference(fx: Fixture) -> Expected:
    """Every figure of ``fx`` recomputed from its deals (not the hand-worked ones)."""
    total = figures(fx.deals, fx.open_stages)
    won_cycles = [(d.closed - d.created).days for d in fx.deals
                  if d.status == "won" and d.closed is not None]

    def split(key: Callable[[Deal], str]) -> dict[str, Figures]:
        names = sorted({key(d) for d in fx.deals})
        return {n: figures([d for d in fx.deals if key(d) == n], fx.open_stages) for n in names}

    c = total.counts
    return Expected(
        status=fx.expected.status, stages=fx.expected.stages, total=total,
        steps=(None, *(c[i] / c[i - 1] if c[i - 1] else None for i in range(1, len(c)))),
        cycle_median=statistics.median(won_cycles) if won_cycles else None,
        by_manager=split(lambda d: d.manager), by_channel=split(lambda d: d.channel),
        problems=fx.expected.problems)
