"""What the values of a deal log's pipeline-stage column mean: won, lost, or an open stage, and
the order of the open stages.

CRMs export the deal's current stage ("Этап сделки", "Deal Stage", "Deal - Stage"); its values
are the pipeline's stages plus the closing ones. The order comes from, in turn: the order the user
pinned; the CRM's default pipeline when the values are its stages; else the data (deals further
along were created earlier, so stages are ordered by their deals' mean creation date, newest
first), which is a guess the report says it made.

Default pipelines: amoCRM/Kommo, Bitrix24, HubSpot, Pipedrive and Salesforce, from
../shared/CRM_EXPORT_FACTS.md; names are renamable in every CRM, so an unknown value is a problem
on its cell, never a silent "open".
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from funnel_kpi.parse.headers import normalize

Outcome = Literal["won", "lost", "open"]


@dataclass(frozen=True, slots=True)
class Pipeline:
    crm: str
    stages: tuple[str, ...]  # open stages, in order
    inbox: tuple[str, ...] = ()  # stages every new deal sits in: the lead stage itself
    won: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()


PIPELINES: tuple[Pipeline, ...] = (
    Pipeline("amoCRM", ("Первичный контакт", "Переговоры", "Принимают решение",
                        "Согласование договора"),
             inbox=("Неразобранное",), won=("Успешно реализовано",),
             lost=("Закрыто и не реализовано",)),
    Pipeline("Kommo", ("Initial contact", "Offer made", "Negotiation", "Decision making",
                       "Contract discussion"),
             inbox=("Incoming leads", "Incoming lead"),
             won=("Closed - won", "Successfully realized", "Closed won"),
             lost=("Closed - lost", "Closed and not realized", "Closed lost")),
    Pipeline("Bitrix24", ("Новая", "Подготовка документов", "Счёт на предоплату", "В работе",
                          "Финальный счёт"),
             won=("Сделка успешна",), lost=("Сделка провалена", "Анализ причины провала")),
    Pipeline("Bitrix24", ("NEW", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING",
                          "FINAL_INVOICE"),
             won=("WON",), lost=("LOSE", "APOLOGY")),
    Pipeline("Bitrix24", ("New", "Preparing documents", "Prepayment invoice", "In progress",
                          "Final invoice"),
             won=("Deal won", "Deal successful"), lost=("Deal lost", "Deal failed",
                                                        "Analyze failure")),
    Pipeline("HubSpot", ("Appointment scheduled", "Qualified to buy", "Presentation scheduled",
                         "Decision maker bought-in", "Contract sent"),
             won=("Closed won", "closedwon"), lost=("Closed lost", "closedlost")),
    Pipeline("HubSpot", ("appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
                         "decisionmakerboughtin", "contractsent"),
             won=("closedwon",), lost=("closedlost",)),
    Pipeline("Pipedrive", ("Qualified", "Contact made", "Demo scheduled", "Proposal made",
                           "Negotiations started")),
    Pipeline("Salesforce", ("Prospecting", "Qualification", "Needs analysis",
                            "Value proposition", "Id. decision makers", "Perception analysis",
                            "Proposal/Price quote", "Negotiation/Review"),
             won=("Closed won",), lost=("Closed lost",)),
)

# Closing stages of every CRM, and the plain words a status column uses.
WON_WORDS = ("won", "win", "closed won", "успешно реализовано", "сделка успешна", "выиграна",
             "выиграно", "успешно", "оплачено", "paid", "success", "successful", "deal won")
LOST_WORDS = ("lost", "lose", "closed lost", "apology", "закрыто и не реализовано",
              "сделка провалена", "анализ причины провала", "проиграна", "проиграно", "отказ",
              "deal lost")
# Bitrix24 prefixes the stages of a non-default direction: "C1:WON", "C14:LOSE".
_DIRECTION = re.compile(r"^\s*C\d+:", re.IGNORECASE)


def stage_norm(text: str) -> str:
    return normalize(_DIRECTION.sub("", text))


def _norms(texts: Sequence[str]) -> tuple[str, ...]:
    return tuple(stage_norm(t) for t in texts)


_WON = frozenset(_norms(WON_WORDS)) | {n for p in PIPELINES for n in _norms(p.won)}
_LOST = frozenset(_norms(LOST_WORDS)) | {n for p in PIPELINES for n in _norms(p.lost)}


_OPEN = frozenset(n for p in PIPELINES for n in (*_norms(p.stages), *_norms(p.inbox)))


def is_pipeline_stage(text: str) -> bool:
    """An open stage of some CRM's default pipeline."""
    return stage_norm(text) in _OPEN


def closing(text: str) -> Outcome | None:
    """won/lost for a closing stage or status word of any CRM, else None."""
    norm = stage_norm(text)
    if norm in _WON:
        return "won"
    if norm in _LOST:
        return "lost"
    return None


@dataclass(frozen=True, slots=True)
class StageCount:
    """One distinct value of the column: how many deals have it, and their mean creation day."""

    text: str
    deals: int
    mean_created: float


@dataclass(frozen=True, slots=True)
class StageValues:
    """The meaning of each value of a stage column (see module docstring)."""

    stages: tuple[str, ...]  # open stages in pipeline order (values as the file spells them)
    meaning: Mapping[str, tuple[Outcome, int]]  # value -> (outcome, index: 0 lead, i = stages[i-1])
    unknown: frozenset[str] = frozenset()  # values nobody knows: open, at the lead stage
    source: str = ""  # "HubSpot", "pinned", "data"
    guessed: bool = False  # the order was read from the data


def read_stage_values(counts: Sequence[StageCount], *, order: Sequence[str] = (),
                      won: Collection[str] = (), lost: Collection[str] = ()) -> StageValues:
    """Meanings of a stage column's values; ``order``, ``won`` and ``lost`` are pinned by the
    user (funnel.toml) and win over everything known."""
    pinned_won, pinned_lost = set(_norms(list(won))), set(_norms(list(lost)))
    pinned_order = set(_norms(list(order)))
    meaning: dict[str, tuple[Outcome, int]] = {}
    candidates: list[StageCount] = []
    for c in counts:
        norm = stage_norm(c.text)
        outcome: Outcome | None = ("won" if norm in pinned_won else
                                   "lost" if norm in pinned_lost else None)
        if outcome is None and norm not in pinned_order:
            outcome = closing(c.text)  # a value the user pinned as a stage stays a stage
        if outcome is not None:
            meaning[c.text] = (outcome, 0)
        else:
            candidates.append(c)
    if order:
        return _ordered(candidates, meaning, list(order), [], "pinned")
    best, covered = None, 0
    for p in PIPELINES:
        names = set(_norms(p.stages)) | set(_norms(p.inbox))
        n = sum(1 for c in candidates if stage_norm(c.text) in names)
        if n > covered:
            best, covered = p, n
    # a default pipeline when at least half of the open values (or two) are its stages; the
    # rest are values nobody knows
    if best is not None and (covered >= 2 or 2 * covered >= len(candidates)):
        return _ordered(candidates, meaning, list(best.stages), list(best.inbox), best.crm)
    newest_first = sorted(candidates, key=lambda c: -c.mean_created)
    result = _ordered(candidates, meaning, [c.text for c in newest_first], [], "data")
    return StageValues(result.stages, result.meaning, result.unknown, "data",
                       guessed=len(candidates) > 1)


def _ordered(candidates: Sequence[StageCount], meaning: dict[str, tuple[Outcome, int]],
             order: list[str], inbox: list[str], source: str) -> StageValues:
    """Open stages in ``order``, up to the last one some deal is at; the rest are unknown."""
    index = {stage_norm(s): i for i, s in enumerate(order)}
    inboxes = set(_norms(inbox))
    present = {stage_norm(c.text) for c in candidates}
    last = max((index[n] for n in present if n in index), default=-1)
    spelled = {stage_norm(c.text): c.text for c in candidates}
    stages = tuple(spelled.get(stage_norm(s), s) for s in order[:last + 1])
    unknown = set()
    for c in candidates:
        norm = stage_norm(c.text)
        if norm in index:
            meaning[c.text] = ("open", index[norm] + 1)
        elif norm in inboxes:
            meaning[c.text] = ("open", 0)
        else:
            unknown.add(c.text)
    return StageValues(stages, meaning, frozenset(unknown), source)
