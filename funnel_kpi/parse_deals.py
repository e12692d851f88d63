"""A deal log (one row per lead/deal) -> ``DealLog``.

The created date is the date of the lead stage (``leads`` when the funnel has it, else its first
stage); the paid date is the date of the ``paid`` stage (else the funnel's last stage); every
other recognised date column is the date the deal reached that stage.

Built for 500,000-row logs: each column is parsed on its own, each distinct raw value once
(``cells.parse_column``), and one loop assembles the deals.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from itertools import repeat, zip_longest

from funnel_kpi.cell_columns import parse_column, parse_dates, parse_texts
from funnel_kpi.cells import CellIssue, a1, is_blank, parse_number, parse_text, raw_text
from funnel_kpi.errors import LayoutError
from funnel_kpi.headers import HeaderMap, find_header_row, lookup_for, normalize, stems
from funnel_kpi.inputs import Deal, DealLog, DealStatus, Problem, Tab
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

    Reading builds millions of objects without reference cycles; each full collection would
    also walk every decoded cell of the input, which cost about a third of the reading time of a
    500,000-row log. Nothing here can leak a cycle, so collecting later loses nothing.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _DealReader:
    def __init__(self, tab: Tab, hm: HeaderMap, funnel: Funnel, locale: str | None,
                 today: date | None) -> None:
        self.tab, self.hm, self.funnel, self.locale, self.today = tab, hm, funnel, locale, today
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
        # One C-level transposition; rows may be ragged (Google drops trailing blanks).
        self.cols: list[Sequence[object]] = list(zip_longest(*self.data)) if self.data else []
        self.none: list[object] = [None] * len(self.data)

    def raw(self, field: str | int) -> Sequence[object]:
        col = self.fields.get(field) if isinstance(field, str) else field
        return self.cols[col] if col is not None and col < len(self.cols) else self.none

    def report(self, col: str | int, issues: Sequence[tuple[int, CellIssue]]) -> list[int]:
        """Turn a column's issues into problems; the rows they are on."""
        c = self.fields[col] if isinstance(col, str) else col
        raw = self.raw(c)
        self.problems += [self.problem(i, c, raw[i], issue.code) for i, issue in issues]
        return [i for i, _ in issues]

    def problem(self, i: int, col: int, raw: object, code: str) -> Problem:
        return Problem(self.tab.name, a1(self.first_row + i, col), raw_text(raw), code)

    def dates(self, field: str | int) -> list[date | None]:
        raw = self.raw(field)
        if raw is self.none:
            return self.none  # type: ignore[return-value]
        values, issues = parse_dates(raw, locale=self.locale)
        self.report(field, issues)
        today = self.today
        if today is not None:
            future = {d for d in set(values) if d is not None and d > today}
            if future:
                col = self.fields[field] if isinstance(field, str) else field
                for i, d in enumerate(values):
                    if d in future:
                        self.problems.append(self.problem(i, col, d, "future_date"))
                        values[i] = None
        return values

    def numbers(self, field: str) -> list[object]:
        raw = self.raw(field)
        if raw is self.none:
            return self.none
        locale = self.locale
        values: list[object]
        values, issues = parse_column(raw, lambda v: parse_number(v, locale=locale))
        self.report(field, issues)
        return values

    def texts(self, field: str) -> list[str | None]:
        raw = self.raw(field)
        return self.none if raw is self.none else parse_texts(raw)  # type: ignore[return-value]

    def statuses(self) -> list[object]:
        raw = self.raw("status")
        if raw is self.none:
            return self.none
        values: list[object]
        values, issues = parse_column(raw, status_parser(self.funnel))
        for i in self.report("status", issues):
            values[i] = "open"  # an unknown status is a problem, and the deal stays open
        return values

    def read(self) -> DealLog:
        created_col = self.fields["created"]
        raw_created = self.raw(created_col)
        stage_dates = [(key, self.dates(col)) for key, col in self.stage_cols.items()]
        order = [(key, self.stage_cols[key]) for key, _ in stage_dates]
        paid_col = self.fields.get("paid_date", -1)
        columns = zip(
            self.dates("created"), self.statuses(), self.texts("id"), self.texts("channel"),
            self.texts("manager"), self.texts("lost_reason"), self.numbers("amount"),
            self.numbers("paid_amount"), self.dates("paid_date"), self.texts("customer_id"),
            self.dates("first_response"),
            zip(*(dates for _, dates in stage_dates), strict=True) if stage_dates else repeat(()),
            strict=False,
        )
        deals: list[Deal] = []
        append = deals.append
        lead, paid, first_row = self.lead, self.paid, self.first_row
        for i, (made, status, deal_id, channel, manager, reason, amount, paid_amount, paid_on,
                customer, first_response, reached) in enumerate(columns):
            if made is None:
                # an unreadable or future date is already a problem; a blank row is no problem
                if is_blank(raw_created[i]) and not all(map(is_blank, self.data[i])):
                    self.problems.append(Problem(self.tab.name, a1(first_row + i, created_col),
                                                 "", "missing_created"))
                continue
            dated = {lead: made}
            latest = made
            # A stage dated before an earlier one is a problem on its cell; the date is kept.
            for (key, col), d in zip(order, reached, strict=True):
                if d is not None:
                    dated[key] = d
                    if d < latest:
                        self.problems.append(self.problem(i, col, d, "dates_out_of_order"))
                    else:
                        latest = d
            if paid_on is not None:
                if paid is not None:
                    dated[paid] = paid_on
                if paid_on < latest:
                    self.problems.append(self.problem(i, paid_col, paid_on, "dates_out_of_order"))
            append(Deal(deal_id or f"row {first_row + i}", made,
                        status or ("won" if paid_on is not None else "open"), dated, channel,
                        manager, reason, amount, paid_amount, paid_on, customer, first_response,
                        first_row + i))
        stage_keys = tuple(k for k in self.funnel.keys
                           if k == lead or k in self.stage_cols
                           or (k == paid and "paid_date" in self.fields))
        problems = sorted(self.problems, key=_cell_order)
        return DealLog(self.tab.name, stage_keys, tuple(deals), tuple(problems),
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
