"""A deal log (one row per lead/deal) -> ``DealLog``.

The created date is the date of the lead stage (``leads`` when the funnel has it, else its first
stage); the paid date is the date of the ``paid`` stage (else the funnel's last stage); every
other recognised date column is the date the deal reached that stage.

Built for 500,000-row logs: the rows are transposed CHUNK rows at a time, each column is parsed
into a numpy array (funnel_kpi.parse.columns: each distinct raw value parsed once, each chunk
mapped in C), and the checks that involve several columns (dates out of order, a missing
created date, a blank status with a paid date) are array operations. No per-deal Python object
is made; deal ids are parsed only when asked for.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date
from itertools import islice, zip_longest

import numpy as np
from numpy.typing import NDArray

from funnel_kpi.errors import LayoutError
from funnel_kpi.inputs import (
    LOST,
    OPEN,
    WON,
    Amounts,
    CellColumn,
    Days,
    DealColumns,
    DealLog,
    Ids,
    Problem,
    Tab,
    Texts,
    first_seen_order,
)
from funnel_kpi.model import Funnel
from funnel_kpi.parse.cells import CellIssue, a1, is_blank, parse_text, raw_text
from funnel_kpi.parse.columns import (
    CodeCells,
    ColumnFloats,
    ColumnTexts,
    FloatCells,
    TextCells,
    date_cells,
    dates_of,
    number_cells,
    numbers_of,
)
from funnel_kpi.parse.headers import HeaderMap, find_header_row
from funnel_kpi.parse.outcomes import (
    BAD,
    BLANK,
    StageReading,
    flag_codes,
    lead_and_paid_stages,
    pipeline_funnel,
    read_stage_column,
    status_codes,
)
from funnel_kpi.parse.pins import NO_PINS, Pins
from funnel_kpi.parse.readout_deals import created_by_content, deal_readout


def deal_header(tab: Tab, funnel: Funnel, pins: Pins = NO_PINS) -> HeaderMap | None:
    found = find_header_row(tab.rows, funnel, "deals", pins.headers)
    return found[1] if found is not None else None


def read_deal_log(tab: Tab, funnel: Funnel, *, locale: str | None = None,
                  today: date | None = None, pins: Pins = NO_PINS,
                  own_funnel: bool = True) -> DealLog:
    """Read a deal log; raises LayoutError when it has no created-date column.

    ``own_funnel``: a pipeline-stage column may define the funnel (not when a summary tab has
    set it)."""
    hm = deal_header(tab, funnel, pins)
    if hm is not None and "created" not in hm.fields:
        hm = created_by_content(tab, hm, funnel, locale)
    if hm is None or "created" not in hm.fields:
        raise LayoutError.say("error.no_created_column", tab=tab.name)
    # No garbage-collector pause: gc.disable() stops collection in every thread of the
    # process (a service's web threads too); the reader makes few containers instead.
    return _DealReader(tab, hm, funnel, locale, today, pins, own_funnel).read()


class _RowIds(Ids):
    """Deal ids parsed on demand: a 500,000-row log needs few of them (won deals without a
    customer id, and ``Deal`` objects), and parsing each distinct id of a column of distinct ids
    would cost as much as all the other columns. Holds the id cells only (``chunks``: the id
    column CHUNK rows at a time), not the rows; or, for a tab read by column, its ``column``,
    whose texts ``many`` parses once per distinct text."""

    def __init__(self, cell_at: Callable[[int], object] | None,
                 at: NDArray[np.intp] | None, rows: NDArray[np.int32],
                 column: CellColumn | None = None) -> None:
        self.cell_at, self.at, self.rows, self.column = cell_at, at, rows, column

    def __len__(self) -> int:
        return len(self.rows)

    def item(self, i: int) -> str:
        text = None
        if self.cell_at is not None:
            text = parse_text(self.cell_at(i if self.at is None else int(self.at[i])))
        return text or f"row {self.rows[i]}"

    def numbered(self, positions: NDArray[np.intp]) -> NDArray[np.int64]:
        if self.column is None:
            return super().numbered(positions)
        cells = positions if self.at is None else self.at[positions]
        codes = self.column.codes[cells]
        # A text cell's id is its stripped text (parse_text), found once per distinct code;
        # any other cell (a number, a date, a blank: "row 12") one by one.
        distinct, at_code = np.unique(codes, return_inverse=True)
        names, number = self.column.names, dict[str, int]()
        texts = [parse_text(names[c]) if c else None for c in distinct.tolist()]
        per_code = np.array([number.setdefault(t, len(number)) if t else -1 for t in texts],
                            np.int64)
        out = per_code[at_code]
        for k in np.flatnonzero(out < 0).tolist():
            out[k] = number.setdefault(self[int(positions[k])], len(number))
        return first_seen_order(out)


# Rows transposed at a time: a few hundred rows' cells stay in the CPU cache while each column
# is converted, where whole 500,000-row columns are swept from memory once per pass (about 2x
# the time, measured on bench/compute.py).
CHUNK = 1024
Reader = FloatCells | CodeCells | ColumnFloats | ColumnTexts
_DATE_FIELDS = ("created", "paid_date", "first_response", "closed", "lost_date")
_TEXT_FIELDS = ("channel", "manager", "lost_reason", "customer_id", "status", "stage",
                "currency", "pipeline", "won_flag", "closed_flag")


class _DealReader:
    def __init__(self, tab: Tab, hm: HeaderMap, funnel: Funnel, locale: str | None,
                 today: date | None, pins: Pins, own_funnel: bool) -> None:
        self.tab, self.hm, self.funnel, self.locale = tab, hm, funnel, locale
        self.pins = pins
        self.today = today.toordinal() if today is not None else None
        self.first_row = hm.row + 2  # sheet row of the first data row
        self.problems = [Problem(tab.name, a1(hm.row + 1, c), hm.headers[c], "duplicate_column")
                         for c in hm.duplicates]
        self.unknown = list(hm.unknown)
        self.lead, self.paid = lead_and_paid_stages(funnel)
        fields = dict(hm.fields)
        stage_cols: dict[str, int] = {}
        self.dropped: list[int] = []  # stage columns the created/paid date already dates
        for key, col in hm.stages.items():
            if key == self.lead or (key == self.paid and "paid_date" in fields):
                # "Лиды" beside "Дата создания": the created column already dates that stage
                self.problems.append(Problem(tab.name, a1(hm.row + 1, col), hm.headers[col],
                                             "duplicate_column"))
                self.dropped.append(col)
            elif funnel.index(key) < funnel.index(self.lead):
                self.unknown.append(col)  # a stage before the lead cannot be dated per lead
            elif key == self.paid:
                fields["paid_date"] = col
            else:
                stage_cols[key] = col
        self.fields = fields
        self.stage_cols = {k: stage_cols[k] for k in funnel.keys if k in stage_cols}
        # A pipeline-stage column defines the funnel only where no date columns do, and where
        # no summary tab has set the funnel already.
        self.own_funnel = own_funnel and not self.stage_cols
        # A tab read by column (funnel_kpi.inputs.CellColumn) is used as arrays; a row-major
        # one is transposed CHUNK rows at a time.
        self.arrays = tab.columns(hm.row) if tab.columns is not None else None
        self.data = tab.rows[hm.row + 1:] if self.arrays is None else ()
        self.n = len(self.data) if self.arrays is None else max(map(len, self.arrays),
                                                                default=0)
        self.id_chunks: list[Sequence[object]] = []
        self.chunk = CHUNK
        self.cells = self._read_cells()
        self.notes: dict[int, tuple[str, str]] = {}  # column -> (en, ru) for the read-out
        self.stage_reading: StageReading | None = None
        self.stage_field = ""

    def _read_cells(self) -> dict[int, Reader]:
        """Every used column through its reader, CHUNK rows at a time (see CHUNK); a tab read
        by column gives each reader its result at once."""
        if self.arrays is not None:
            return self._column_cells(self.arrays)
        locale = self.locale
        readers: dict[int, Reader] = {}
        for field in _DATE_FIELDS:
            if field in self.fields:
                readers[self.fields[field]] = date_cells(locale)
        for col in self.stage_cols.values():
            readers[col] = date_cells(locale)
        for field in ("amount", "paid_amount"):
            if field in self.fields:
                readers[self.fields[field]] = number_cells(locale)
        for field in _TEXT_FIELDS:
            if field in self.fields:
                readers[self.fields[field]] = TextCells()
        id_col = self.fields.get("id", -1)
        width = max(*readers, id_col) + 1
        data = self.data
        for start in range(0, self.n, self.chunk):
            chunk = data[start:start + self.chunk]
            cols = list(islice(zip_longest(*chunk), width))
            blank = (None,) * len(chunk)
            for col, reader in readers.items():
                assert isinstance(reader, FloatCells | CodeCells)
                reader.feed(cols[col] if col < len(cols) else blank)
            if id_col >= 0:
                self.id_chunks.append(cols[id_col] if id_col < len(cols) else blank)
        return readers

    def _column_cells(self, arrays: Sequence[CellColumn]) -> dict[int, Reader]:
        blank = CellColumn(np.full(self.n, math.nan), np.zeros(self.n, np.int32))

        def at(col: int) -> CellColumn:
            return arrays[col] if col < len(arrays) else blank

        readers: dict[int, Reader] = {}
        for col in [*(self.fields[f] for f in _DATE_FIELDS if f in self.fields),
                    *self.stage_cols.values()]:
            readers[col] = ColumnFloats(at(col), date_cells(self.locale).convert, dates=True)
        for field in ("amount", "paid_amount"):
            if field in self.fields:
                col = self.fields[field]
                readers[col] = ColumnFloats(at(col), number_cells(self.locale).convert)
        for field in _TEXT_FIELDS:
            if field in self.fields:
                readers[self.fields[field]] = ColumnTexts(at(self.fields[field]))
        return readers

    def floats(self, col: int) -> NDArray[np.float64]:
        reader = self.cells[col]
        assert isinstance(reader, FloatCells | ColumnFloats)
        return reader.result()

    def cell(self, i: int, col: int) -> object:
        if self.arrays is not None:
            return self.arrays[col].cell(i) if col < len(self.arrays) else None
        row = self.data[i]
        return row[col] if col < len(row) else None

    def blank_row(self, i: int) -> bool:
        if self.arrays is not None:
            return all(is_blank(c.cell(i)) for c in self.arrays)
        return all(map(is_blank, self.data[i]))

    def id_cell(self) -> Callable[[int], object] | None:
        col = self.fields.get("id")
        if col is None:
            return None
        if self.arrays is not None:
            return self.arrays[col].cell if col < len(self.arrays) else None
        chunks, size = self.id_chunks, self.chunk
        return lambda row: chunks[row // size][row % size]

    def id_column(self) -> CellColumn | None:
        """The id column of a tab read by column."""
        col = self.fields.get("id")
        if self.arrays is None or col is None or col >= len(self.arrays):
            return None
        return self.arrays[col]

    def column(self, field: str | int) -> int | None:
        return self.fields.get(field) if isinstance(field, str) else field

    def report(self, col: int, issues: Sequence[tuple[int, CellIssue]]) -> None:
        self.problems += [self.problem(i, col, self.cell(i, col), issue.code)
                          for i, issue in issues]

    def problem(self, i: int, col: int, raw: object, code: str) -> Problem:
        return Problem(self.tab.name, a1(self.first_row + i, col), raw_text(raw), code)

    def header_problem(self, col: int, code: str) -> None:
        self.problems.append(Problem(self.tab.name, a1(self.hm.row + 1, col),
                                     self.hm.headers[col], code))

    def dates(self, field: str | int, *, future: bool = True) -> Days:
        """Ordinals (0: none); with ``future``, a date after ``today`` is a problem and left
        out (see ``drop_future`` for columns where only some deals' dates must be past)."""
        col = self.column(field)
        if col is None:
            return np.zeros(self.n, np.int32)
        values, issues = dates_of(self.floats(col), lambda i: self.cell(i, col),
                                  locale=self.locale)
        self.report(col, issues)
        if future:
            self.drop_future(col, values, np.ones(self.n, np.bool_))
        return values

    def drop_future(self, col: int, values: Days, where: NDArray[np.bool_]) -> None:
        if self.today is None:
            return
        future = np.flatnonzero((values > self.today) & where)
        self.problems += [self.problem(i, col, date.fromordinal(int(values[i])),
                                       "future_date") for i in future.tolist()]
        values[future] = 0

    def amounts(self, field: str) -> NDArray[np.float64]:
        col = self.column(field)
        if col is None:
            return np.full(self.n, math.nan)
        values, issues = numbers_of(self.floats(col), lambda i: self.cell(i, col),
                                    locale=self.locale)
        self.report(col, issues)
        negative = np.flatnonzero(values < 0)  # a deal's money: a problem, left out
        self.problems += [self.problem(i, col, self.cell(i, col), "negative_money")
                          for i in negative.tolist()]
        values[negative] = math.nan
        return values

    def text_cells(self, field: str) -> TextCells | ColumnTexts | None:
        col = self.fields.get(field)
        if col is None:
            return None
        cells = self.cells[col]
        assert isinstance(cells, TextCells | ColumnTexts)
        return cells

    def texts(self, field: str) -> Texts:
        cells = self.text_cells(field)
        if cells is None:
            return Texts(np.zeros(self.n, np.int32))
        return Texts(cells.result(), cells.names, stripped=True)  # parse_text strips

    def flags(self, field: str) -> NDArray[np.int8] | None:
        """1/0/BLANK per deal from a yes/no column; a column of other texts (dates under
        "Won") is read by its content instead: as the paid date."""
        cells = self.text_cells(field)
        if cells is None:
            return None
        per_name = flag_codes(cells.names)
        col = self.fields[field]
        if per_name is None:
            del self.fields[field]
            if field == "won_flag" and "paid_date" not in self.fields:
                self.fields["paid_date"] = col
                dates = date_cells(self.locale)
                if self.arrays is not None:
                    self.cells[col] = ColumnFloats(self.arrays[col], dates.convert, dates=True)
                else:
                    for start in range(0, self.n, self.chunk):
                        dates.feed([self.cell(i, col) for i in
                                    range(start, min(start + self.chunk, self.n))])
                    self.cells[col] = dates
                self.notes[col] = ("holds dates, not yes/no: read as the won date",
                                   "даты, а не да/нет: прочитан как дата выигрыша")
            else:
                self.unknown.append(col)
            return None
        flags: NDArray[np.int8] = per_name[cells.result()]
        return flags

    def outcomes(self, created: Days, paid: Days, won_flag: NDArray[np.int8] | None,
                 closed_flag: NDArray[np.int8] | None,
                 ) -> tuple[NDArray[np.int8], NDArray[np.int16] | None]:
        """Per deal OPEN/WON/LOST (flags, then the status column, then the stage column, then
        a paid date) and, for a pipeline-stage log, how far each deal got."""
        status = np.full(self.n, BLANK, np.int8)
        if won_flag is not None:
            status[won_flag == 1] = WON
            if closed_flag is not None:
                status[(won_flag == 0) & (closed_flag == 1)] = LOST
                status[(won_flag == 0) & (closed_flag == 0)] = OPEN
        elif closed_flag is not None:
            status[closed_flag == 0] = OPEN

        reached: NDArray[np.int16] | None = None
        stage_field = "stage" if "stage" in self.fields else None
        reading: StageReading | None = None
        if self.own_funnel and stage_field is None and "status" in self.fields:
            # amoCRM calls its stages statuses: a status column holding a known pipeline's
            # stages is the stage column
            reading = self.read_stages("status", created)
            if reading.values.source not in ("data", ""):
                stage_field = "status"
        for field in ("status", "stage"):
            if field not in self.fields:
                continue
            cells = self.text_cells(field)
            assert cells is not None
            codes = cells.result()
            col = self.fields[field]
            if field == stage_field and self.own_funnel:
                self.stage_field = field
                if reading is None or field != "status":
                    reading = self.read_stages(field, created)
                self.stage_reading = reading
                per_deal = reading.status[codes]
                reached = reading.index[codes]
                unknown = reading.unknown[codes]
                code = "unknown_stage"
            else:
                per_name = status_codes(cells.names, self.funnel)
                per_deal = per_name[codes]
                unknown = per_deal == BAD
                per_deal = np.where(unknown, BLANK, per_deal).astype(np.int8)
                code = "unknown_status"
            fill = status == BLANK
            # a value nobody knows is a problem on its cell; the deal stays open
            self.problems += [self.problem(i, col, self.cell(i, col), code)
                              for i in np.flatnonzero(unknown & fill).tolist()]
            status[fill & unknown] = OPEN
            status[fill & ~unknown] = per_deal[fill & ~unknown]
        blank = status == BLANK
        status[blank] = np.where(paid[blank] > 0, WON, OPEN)
        return status, reached

    def read_stages(self, field: str, created: Days) -> StageReading:
        cells = self.text_cells(field)
        assert cells is not None
        pins = self.pins
        return read_stage_column(cells.names, cells.result(), created, order=pins.stage_order,
                                 won=pins.won, lost=pins.lost)

    def out_of_order(self, col: int, dates: Days, latest: Days, keep: NDArray[np.bool_]) -> None:
        """A stage dated before an earlier one is a problem on its cell; the date is kept."""
        bad = np.flatnonzero(keep & (dates > 0) & (dates < latest))
        self.problems += [self.problem(i, col, date.fromordinal(int(dates[i])),
                                       "dates_out_of_order") for i in bad.tolist()]

    def paid_dates(self, status: NDArray[np.int8], paid: Days, closed: Days,
                   keep: NDArray[np.bool_]) -> Days:
        """The status decides: a won deal's payment is its paid date, else its close date; a
        paid date on a deal that is not won is a problem on its cell and counts for nothing;
        a close date on a lost deal is its lost date, never a payment."""
        won = status == WON
        col = self.fields.get("paid_date")
        if col is not None:
            bad = np.flatnonzero(keep & (paid > 0) & ~won)
            self.problems += [self.problem(i, col, date.fromordinal(int(paid[i])),
                                           "paid_not_won") for i in bad.tolist()]
        if "closed" in self.fields:
            self.drop_future(self.fields["closed"], closed, status != OPEN)
            paid = np.where(paid > 0, paid, closed)
        return np.where(won, paid, 0).astype(np.int32)

    def read(self) -> DealLog:
        created_col = self.fields["created"]
        created = self.dates("created")
        keep = created > 0
        for i in np.flatnonzero(~keep).tolist():
            # an unreadable or future date is already a problem; a blank row is no problem
            if is_blank(self.cell(i, created_col)) and not self.blank_row(i):
                self.problems.append(Problem(self.tab.name, a1(self.first_row + i, created_col),
                                             "", "missing_created"))
        latest = created
        stage_dates: dict[str, Days] = {self.lead: created}
        for key, col in self.stage_cols.items():
            stage_dates[key] = dates = self.dates(col)
            self.out_of_order(col, dates, latest, keep)
            latest = np.maximum(latest, dates)
        won_flag, closed_flag = self.flags("won_flag"), self.flags("closed_flag")
        paid = self.dates("paid_date")
        status, reached = self.outcomes(created, paid, won_flag, closed_flag)
        paid = self.paid_dates(status, paid, self.dates("closed", future=False), keep)
        if self.stage_reading is not None and self.stage_reading.values.guessed:
            self.header_problem(self.fields[self.stage_field], "stage_order_guessed")
        if "paid_date" in self.fields:
            self.out_of_order(self.fields["paid_date"], paid, latest, keep)
        self.dates("lost_date")  # read for its problems; lost deals need no date to count
        funnel, lead, last = self.funnel, self.lead, self.paid
        if self.stage_reading is not None:
            funnel = pipeline_funnel(self.stage_reading.values)
            lead, last = "leads", "paid"
            stage_dates = {lead: created}
        if last is not None and (last in stage_dates or "paid_date" in self.fields
                                 or "closed" in self.fields or reached is not None):
            stage_dates[last] = paid
        first_response = self.dates("first_response")
        amount, paid_amount = self.amounts("amount"), self.amounts("paid_amount")
        self.one_of_each("currency", "mixed_currency")
        self.one_of_each("pipeline", "several_pipelines")
        texts = {f: self.texts(f) for f in ("channel", "manager", "lost_reason", "customer_id")}

        at: NDArray[np.intp] | None = None
        if not keep.all():  # rows without a created date are no deals
            at = np.flatnonzero(keep)
            stage_dates = {k: v[at] for k, v in stage_dates.items()}
            created, paid, first_response, status = (created[at], paid[at], first_response[at],
                                                     status[at])
            amount, paid_amount = amount[at], paid_amount[at]
            texts = {f: Texts(t.codes[at], t.names, t.stripped) for f, t in texts.items()}
            if reached is not None:
                reached = reached[at]
            rows = (at + self.first_row).astype(np.int32)
        else:
            rows = np.arange(self.first_row, self.first_row + self.n, dtype=np.int32)
        stage_dates[lead] = created
        columns = DealColumns(
            ids=_RowIds(self.id_cell(), at, rows, self.id_column()), rows=rows, created=created,
            status=status,
            stage_dates=stage_dates, paid_date=paid, first_response=first_response,
            amount=Amounts.from_floats(amount), paid_amount=Amounts.from_floats(paid_amount),
            channel=texts["channel"], manager=texts["manager"],
            lost_reason=texts["lost_reason"], customer_id=texts["customer_id"],
            reached=reached)
        if reached is not None:
            stage_keys = funnel.keys
        else:
            stage_keys = tuple(k for k in funnel.keys
                               if k == lead or k in self.stage_cols or (k == last and last in
                               stage_dates))
        problems = sorted(self.problems, key=_cell_order)
        return DealLog(self.tab.name, stage_keys, columns, tuple(problems),
                       tuple(self.hm.headers[c] for c in sorted(self.unknown)),
                       funnel=funnel if self.stage_reading is not None else None,
                       readout=deal_readout(self.tab, self.hm, self.fields, self.stage_cols,
                                            self.unknown, self.notes, self.stage_reading,
                                            self.stage_field, self.cell, self.n,
                                            self.dropped))

    def one_of_each(self, field: str, code: str) -> None:
        """Two currencies cannot be added up, and two pipelines' stages are not one funnel:
        a column with more than one value is a doubt the report states."""
        cells = self.text_cells(field)
        if cells is not None and sum(1 for n in cells.names[1:] if n) > 1:
            self.header_problem(self.fields[field], code)


def _cell_order(problem: Problem) -> tuple[int, int, str]:
    """Sort key putting "B7" before "AA7" before "A8"."""
    digits = problem.cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return (int(digits) if digits.isdigit() else 0, len(problem.cell), problem.cell)


def deal_columns_found(hm: HeaderMap, funnel: Funnel) -> Sequence[str]:
    """Which of the fields that make a tab a deal log (besides created) the header has."""
    lead, _ = lead_and_paid_stages(funnel)
    found = [f for f in ("status", "stage", "paid_date", "closed", "won_flag", "amount")
             if f in hm.fields]
    found += [f"stage:{k}" for k in hm.stages if k != lead]
    return found
