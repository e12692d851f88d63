"""A deal log (one row per lead/deal) -> ``DealLog``.

The created date is the date of the lead stage (``leads`` when the funnel has it, else its first
stage); the paid date is the date of the ``paid`` stage (else the funnel's last stage); every
other recognised date column is the date the deal reached that stage.

Built for 500,000-row logs: the rows are transposed CHUNK rows at a time, each column is parsed
into a numpy array (funnel_kpi.cell_columns: each distinct raw value parsed once, each chunk
mapped in C), and the checks that involve several columns (dates out of order, a missing
created date, a blank status with a paid date) are array operations. No per-deal Python object
is made; deal ids are parsed only when asked for.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from itertools import islice, zip_longest
from typing import overload

import numpy as np
from numpy.typing import NDArray

from funnel_kpi.cell_columns import (
    CodeCells,
    FloatCells,
    TextCells,
    date_cells,
    dates_of,
    number_cells,
    numbers_of,
)
from funnel_kpi.cells import CellIssue, a1, is_blank, parse_text, raw_text
from funnel_kpi.errors import LayoutError
from funnel_kpi.headers import HeaderMap, find_header_row, lookup_for, normalize, stems
from funnel_kpi.inputs import (
    LOST,
    OPEN,
    WON,
    Amounts,
    Days,
    DealColumns,
    DealLog,
    DealStatus,
    Problem,
    Tab,
    Texts,
)
from funnel_kpi.model import Funnel

_STATUS_TEXT: dict[DealStatus, tuple[str, ...]] = {
    "open": ("в работе", "открыта", "открыт", "открыто", "новая", "новый", "новое", "новая заявка",
             "в процессе", "активна", "активная", "активный", "переговоры", "первичный контакт",
             "принимают решение", "ожидание", "на паузе", "отложена", "квалификация",
             "open", "opened", "in progress", "new", "active", "pending", "negotiation",
             "qualification", "contacted", "on hold", "working"),
    "won": ("выиграна", "выигран", "выиграно", "успешно", "успешно реализовано", "успешная",
            "успех", "оплачено", "оплачена", "оплачен", "закрыта успешно", "закрыто успешно",
            "сделка заключена", "реализовано", "won", "closed won", "win", "paid", "success",
            "successful"),
    "lost": ("проиграна", "проигран", "проиграно", "отказ", "отказался", "отказались",
             "закрыто и не реализовано", "не реализовано", "закрыта неуспешно", "неуспешно",
             "отклонена", "отменена", "потеряна", "потерян", "слив", "нецелевой", "нецелевая",
             "lost", "closed lost", "loss", "rejected", "cancelled", "canceled", "disqualified",
             "junk", "spam", "спам"),
}
STATUS_WORDS: dict[str, DealStatus] = {
    normalize(text): status for status, texts in _STATUS_TEXT.items() for text in texts
}
# A word that makes any status text a loss ("Отказ после встречи", "Lost - no budget").
_LOST_STEMS = frozenset(stems(["отказ", "отказался", "проиграна", "потеряна", "отменена",
                               "нецелевой", "lost", "rejected", "cancelled", "canceled"]))
UNKNOWN_STATUS = CellIssue("unknown_status")


def status_parser(funnel: Funnel) -> Callable[[object], DealStatus | CellIssue | None]:
    """Status text (ru/en) -> open/won/lost; a funnel stage's name ("Встреча") means open."""
    lookup = lookup_for(funnel)
    paid = lead_and_paid_stages(funnel)[1]

    def parse(value: object) -> DealStatus | CellIssue | None:
        text = parse_text(value) if not isinstance(value, bool) else "?"
        if text is None:
            return None
        norm = normalize(text)
        status = STATUS_WORDS.get(norm)
        if status is not None:
            return status
        words = stems(norm.split())
        if any(w in _LOST_STEMS for w in words):
            return "lost"
        # the name of a stage the deal is at ("Встреча назначена", "Proposal sent"): open.
        # Not the paid stage: "Оплата получена" and "Ожидает оплаты" mean opposite things.
        named = {lookup.stage(norm), *(lookup.stage(w) for w in norm.split())}
        if named - {None, paid}:
            return "open"
        return UNKNOWN_STATUS

    return parse


def deal_header(tab: Tab, funnel: Funnel) -> HeaderMap | None:
    found = find_header_row(tab.rows, funnel, "deals")
    return found[1] if found is not None else None


def lead_and_paid_stages(funnel: Funnel) -> tuple[str, str | None]:
    lead = "leads" if "leads" in funnel.keys else funnel.keys[0]
    paid = "paid" if "paid" in funnel.keys else funnel.keys[-1]
    return lead, (paid if funnel.index(paid) > funnel.index(lead) else None)


def read_deal_log(tab: Tab, funnel: Funnel, *, locale: str | None = None,
                  today: date | None = None) -> DealLog:
    """Read a deal log; raises LayoutError when it has no created-date column."""
    hm = deal_header(tab, funnel)
    if hm is None or "created" not in hm.fields:
        raise LayoutError(
            f"Tab '{tab.name}' has no creation date column: a deal log needs a column such as "
            "'Created'/'Дата создания' with the date each lead came in.", tab=tab.name)
    with gc_paused():
        return _DealReader(tab, hm, funnel, locale, today).read()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large log is read.

    Transposing builds a container per row and chunk (zip_longest's iterators), none in a
    reference cycle; each collection they would trigger could also walk every decoded row of
    the input. Nothing here can leak a cycle, so collecting later loses nothing.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _RowIds(Sequence[str]):
    """Deal ids parsed on demand: a 500,000-row log needs few of them (won deals without a
    customer id, and ``Deal`` objects), and parsing each distinct id of a column of distinct ids
    would cost as much as all the other columns. Holds the id cells only (``chunks``: the id
    column CHUNK rows at a time), not the rows."""

    def __init__(self, chunks: Sequence[Sequence[object]], size: int,
                 at: NDArray[np.intp] | None, rows: NDArray[np.int32]) -> None:
        self.chunks, self.size, self.at, self.rows = chunks, size, at, rows

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        text = None
        if self.chunks:
            row = i if self.at is None else int(self.at[i])
            text = parse_text(self.chunks[row // self.size][row % self.size])
        return text or f"row {self.rows[i]}"


_STATUS_CODE = {None: -1, "open": OPEN, "won": WON, "lost": LOST}
# Rows transposed at a time: a few hundred rows' cells stay in the CPU cache while each column
# is converted, where whole 500,000-row columns are swept from memory once per pass (about 2x
# the time, measured on bench/compute.py).
CHUNK = 1024
_BAD_STATUS = 3


class _DealReader:
    def __init__(self, tab: Tab, hm: HeaderMap, funnel: Funnel, locale: str | None,
                 today: date | None) -> None:
        self.tab, self.hm, self.funnel, self.locale = tab, hm, funnel, locale
        self.today = today.toordinal() if today is not None else None
        self.first_row = hm.row + 2  # sheet row of the first data row
        self.problems = [Problem(tab.name, a1(hm.row + 1, c), hm.headers[c], "duplicate_column")
                         for c in hm.duplicates]
        self.unknown = list(hm.unknown)
        self.lead, self.paid = lead_and_paid_stages(funnel)
        fields = dict(hm.fields)
        stage_cols: dict[str, int] = {}
        for key, col in hm.stages.items():
            if key == self.lead or (key == self.paid and "paid_date" in fields):
                # "Лиды" beside "Дата создания": the created column already dates that stage
                self.problems.append(Problem(tab.name, a1(hm.row + 1, col), hm.headers[col],
                                             "duplicate_column"))
            elif funnel.index(key) < funnel.index(self.lead):
                self.unknown.append(col)  # a stage before the lead cannot be dated per lead
            elif key == self.paid:
                fields["paid_date"] = col
            else:
                stage_cols[key] = col
        self.fields = fields
        self.stage_cols = {k: stage_cols[k] for k in funnel.keys if k in stage_cols}
        self.data = tab.rows[hm.row + 1:]
        self.n = len(self.data)
        self.id_chunks: list[Sequence[object]] = []
        self.chunk = CHUNK
        self.cells = self._read_cells()

    def _read_cells(self) -> dict[int, FloatCells | CodeCells]:
        """Every used column through its reader, CHUNK rows at a time (see CHUNK)."""
        locale = self.locale
        readers: dict[int, FloatCells | CodeCells] = {}
        for field in ("created", "paid_date", "first_response"):
            if field in self.fields:
                readers[self.fields[field]] = date_cells(locale)
        for col in self.stage_cols.values():
            readers[col] = date_cells(locale)
        for field in ("amount", "paid_amount"):
            if field in self.fields:
                readers[self.fields[field]] = number_cells(locale)
        for field in ("channel", "manager", "lost_reason", "customer_id"):
            if field in self.fields:
                readers[self.fields[field]] = TextCells()
        if "status" in self.fields:
            parse = status_parser(self.funnel)

            def code(value: object) -> int:
                status = parse(value)
                return _BAD_STATUS if isinstance(status, CellIssue) else _STATUS_CODE[status]

            readers[self.fields["status"]] = CodeCells(code, np.int8)
        id_col = self.fields.get("id", -1)
        width = max(*readers, id_col) + 1
        data = self.data
        for start in range(0, self.n, self.chunk):
            chunk = data[start:start + self.chunk]
            cols = list(islice(zip_longest(*chunk), width))
            blank = (None,) * len(chunk)
            for col, reader in readers.items():
                reader.feed(cols[col] if col < len(cols) else blank)
            if id_col >= 0:
                self.id_chunks.append(cols[id_col] if id_col < len(cols) else blank)
        return readers

    def cell(self, i: int, col: int) -> object:
        row = self.data[i]
        return row[col] if col < len(row) else None

    def column(self, field: str | int) -> int | None:
        return self.fields.get(field) if isinstance(field, str) else field

    def report(self, col: int, issues: Sequence[tuple[int, CellIssue]]) -> None:
        self.problems += [self.problem(i, col, self.cell(i, col), issue.code)
                          for i, issue in issues]

    def problem(self, i: int, col: int, raw: object, code: str) -> Problem:
        return Problem(self.tab.name, a1(self.first_row + i, col), raw_text(raw), code)

    def dates(self, field: str | int) -> Days:
        """Ordinals (0: none); a future date (after ``today``) is a problem and left out."""
        col = self.column(field)
        if col is None:
            return np.zeros(self.n, np.int32)
        values, issues = dates_of(self.cells[col].result(), lambda i: self.cell(i, col),
                                  locale=self.locale)
        self.report(col, issues)
        if self.today is not None:
            future = np.flatnonzero(values > self.today)
            self.problems += [self.problem(i, col, date.fromordinal(int(values[i])),
                                           "future_date") for i in future.tolist()]
            values[future] = 0
        return values

    def amounts(self, field: str) -> NDArray[np.float64]:
        col = self.column(field)
        if col is None:
            return np.full(self.n, math.nan)
        values, issues = numbers_of(self.cells[col].result(), lambda i: self.cell(i, col),
                                    locale=self.locale)
        self.report(col, issues)
        return values

    def texts(self, field: str) -> Texts:
        col = self.column(field)
        if col is None:
            return Texts(np.zeros(self.n, np.int32))
        cells = self.cells[col]
        assert isinstance(cells, TextCells)
        return Texts(cells.result(), cells.names, stripped=True)  # parse_text strips

    def statuses(self, paid: Days) -> NDArray[np.int8]:
        """OPEN/WON/LOST; a blank status is won when the deal has a paid date, else open."""
        col = self.column("status")
        if col is None:
            return np.where(paid > 0, WON, OPEN).astype(np.int8)
        codes = self.cells[col].result().astype(np.int8, copy=False)
        bad = np.flatnonzero(codes == _BAD_STATUS)
        # an unknown status is a problem, and the deal stays open
        self.report(col, [(i, UNKNOWN_STATUS) for i in bad.tolist()])
        codes[bad] = OPEN
        blank = codes < 0
        codes[blank] = np.where(paid[blank] > 0, WON, OPEN)
        return codes

    def out_of_order(self, col: int, dates: Days, latest: Days, keep: NDArray[np.bool_]) -> None:
        """A stage dated before an earlier one is a problem on its cell; the date is kept."""
        bad = np.flatnonzero(keep & (dates > 0) & (dates < latest))
        self.problems += [self.problem(i, col, date.fromordinal(int(dates[i])),
                                       "dates_out_of_order") for i in bad.tolist()]

    def read(self) -> DealLog:
        created_col = self.fields["created"]
        created = self.dates("created")
        keep = created > 0
        for i in np.flatnonzero(~keep).tolist():
            # an unreadable or future date is already a problem; a blank row is no problem
            if is_blank(self.cell(i, created_col)) and not all(map(is_blank, self.data[i])):
                self.problems.append(Problem(self.tab.name, a1(self.first_row + i, created_col),
                                             "", "missing_created"))
        latest = created
        stage_dates: dict[str, Days] = {self.lead: created}
        for key, col in self.stage_cols.items():
            stage_dates[key] = dates = self.dates(col)
            self.out_of_order(col, dates, latest, keep)
            latest = np.maximum(latest, dates)
        paid = self.dates("paid_date")
        if "paid_date" in self.fields:
            self.out_of_order(self.fields["paid_date"], paid, latest, keep)
            if self.paid is not None:
                stage_dates[self.paid] = paid
        first_response = self.dates("first_response")
        status = self.statuses(paid)
        amount, paid_amount = self.amounts("amount"), self.amounts("paid_amount")
        texts = {f: self.texts(f) for f in ("channel", "manager", "lost_reason", "customer_id")}

        at: NDArray[np.intp] | None = None
        if not keep.all():  # rows without a created date are no deals
            at = np.flatnonzero(keep)
            stage_dates = {k: v[at] for k, v in stage_dates.items()}
            created, paid, first_response, status = (created[at], paid[at], first_response[at],
                                                     status[at])
            amount, paid_amount = amount[at], paid_amount[at]
            texts = {f: Texts(t.codes[at], t.names, t.stripped) for f, t in texts.items()}
            rows = (at + self.first_row).astype(np.int32)
        else:
            rows = np.arange(self.first_row, self.first_row + self.n, dtype=np.int32)
        stage_dates[self.lead] = created
        if self.paid in stage_dates:
            stage_dates[self.paid] = paid
        columns = DealColumns(
            ids=_RowIds(self.id_chunks, self.chunk, at, rows), rows=rows, created=created,
            status=status,
            stage_dates=stage_dates, paid_date=paid, first_response=first_response,
            amount=Amounts.from_floats(amount), paid_amount=Amounts.from_floats(paid_amount),
            channel=texts["channel"], manager=texts["manager"],
            lost_reason=texts["lost_reason"], customer_id=texts["customer_id"])
        stage_keys = tuple(k for k in self.funnel.keys
                           if k == self.lead or k in self.stage_cols
                           or (k == self.paid and "paid_date" in self.fields))
        problems = sorted(self.problems, key=_cell_order)
        return DealLog(self.tab.name, stage_keys, columns, tuple(problems),
                       tuple(self.hm.headers[c] for c in sorted(self.unknown)))


def _cell_order(problem: Problem) -> tuple[int, int, str]:
    """Sort key putting "B7" before "AA7" before "A8"."""
    digits = problem.cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return (int(digits) if digits.isdigit() else 0, len(problem.cell), problem.cell)


def deal_columns_found(hm: HeaderMap, funnel: Funnel) -> Sequence[str]:
    """Which of the fields that make a tab a deal log (besides created) the header has."""
    lead, _ = lead_and_paid_stages(funnel)
    found = [f for f in ("status", "paid_date", "amount") if f in hm.fields]
    found += [f"stage:{k}" for k in hm.stages if k != lead]
    return found
