"""Won, lost or open, and how far each deal got: from a deal log's status column, its won/closed
flag columns (Salesforce's Won and Closed) and its pipeline-stage column.

Whatever says it, the status decides what counts: only won deals are customers, revenue, cycle
and average deal (funnel_kpi.parse.deals applies it to the dates).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from funnel_kpi.inputs import LOST, OPEN, WON, DealStatus
from funnel_kpi.model import Funnel, Stage
from funnel_kpi.parse.cells import CellIssue, parse_text
from funnel_kpi.parse.headers import lookup_for, normalize, slug, stems
from funnel_kpi.parse.pipelines import (
    StageCount,
    StageValues,
    closing,
    is_pipeline_stage,
    read_stage_values,
)

BLANK, BAD = -1, 3  # status codes besides OPEN, WON and LOST
_CODE = {None: BLANK, "open": OPEN, "won": WON, "lost": LOST}

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
        status = STATUS_WORDS.get(norm) or closing(text)
        if status is not None:
            return status
        if is_pipeline_stage(text):
            return "open"
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


def lead_and_paid_stages(funnel: Funnel) -> tuple[str, str | None]:
    lead = "leads" if "leads" in funnel.keys else funnel.keys[0]
    paid = "paid" if "paid" in funnel.keys else funnel.keys[-1]
    return lead, (paid if funnel.index(paid) > funnel.index(lead) else None)


def status_codes(names: Sequence[str | None], funnel: Funnel) -> NDArray[np.int8]:
    """Per distinct text of a status column: BLANK, OPEN, WON, LOST or BAD (unknown)."""
    parse = status_parser(funnel)
    out = []
    for name in names:
        status = parse(name)
        out.append(BAD if isinstance(status, CellIssue) else _CODE[status])
    return np.array(out, np.int8)


_TRUE = frozenset({"1", "true", "yes", "y", "да", "истина", "д", "x", "✓", "won"})
_FALSE = frozenset({"0", "false", "no", "n", "нет", "ложь", "н", "-"})


def flag_codes(names: Sequence[str | None]) -> NDArray[np.int8] | None:
    """Per distinct text of a flag column (Salesforce's Won, Closed): 1, 0 or BLANK; None when
    the column is not a flag column after all (some text is neither yes nor no)."""
    out = []
    for name in names:
        if name is None:
            out.append(BLANK)
            continue
        norm = name.strip().casefold()
        if norm in _TRUE:
            out.append(1)
        elif norm in _FALSE:
            out.append(0)
        else:
            return None
    return np.array(out, np.int8)


@dataclass(frozen=True, slots=True, eq=False)
class StageReading:
    """A stage column read as the pipeline: per distinct text its outcome and stage index."""

    values: StageValues
    status: NDArray[np.int8]  # per text: BLANK, OPEN, WON or LOST
    index: NDArray[np.int16]  # per text: 0 for the lead stage, i for values.stages[i - 1]
    unknown: NDArray[np.bool_]  # per text: nobody knows it


def read_stage_column(names: Sequence[str | None], codes: NDArray[np.int32],
                      created: NDArray[np.int32], *, order: Sequence[str] = (),
                      won: Collection[str] = (), lost: Collection[str] = ()) -> StageReading:
    """``names``/``codes``: the column as TextCells gives it; ``created``: the deals' creation
    days, used to order stages nobody knows (see funnel_kpi.parse.pipelines)."""
    size = len(names)
    deals = np.bincount(codes, minlength=size)
    days = np.bincount(codes, weights=created.astype(np.float64), minlength=size)
    counts = [StageCount(name, int(deals[i]), float(days[i] / deals[i]))
              for i, name in enumerate(names) if name is not None and deals[i]]
    values = read_stage_values(counts, order=order, won=won, lost=lost)
    status = np.full(size, BLANK, np.int8)
    index = np.zeros(size, np.int16)
    unknown = np.zeros(size, np.bool_)
    for i, name in enumerate(names):
        if name is None:
            continue
        if name in values.unknown:
            unknown[i] = True
        elif name in values.meaning:
            outcome, at = values.meaning[name]
            status[i], index[i] = _CODE[outcome], at
    return StageReading(values, status, index, unknown)


def pipeline_funnel(values: StageValues) -> Funnel:
    """The funnel a pipeline defines: every deal created, each open stage, won."""
    used = {"leads", "paid"}
    stages = [Stage("leads", "Leads", "Лиды", "marketing")]
    for text in values.stages:
        base = slug(text) or f"stage_{len(stages)}"
        key, n = base, 2
        while key in used:
            key, n = f"{base}_{n}", n + 1
        used.add(key)
        stages.append(Stage(key, text, text, "sales", (text,)))
    stages.append(Stage("paid", "Won", "Выиграно", "sales"))
    return Funnel(tuple(stages), inferred=True)
