"""How every column of an input tab was read: the read-out shown by ``sheets-sync inspect``, the
API, the dashboard and the report itself.

A column gets one role (period, stage, status, amount, a stage's date, channel, manager, plan of
what, ignored, ...) and the evidence for it:

    alias     the header is one of the names we know for that role
    stem      the header's words, stemmed, are a stage's name ("Встречи проведены")
    content   what the cells hold decided it (a plan's size, a flag column of 0/1)
    position  a count column nobody named, read as a stage where it stands
    pinned    the user said so (funnel.toml [columns], or the job's mapping)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from funnel_kpi.parse.cells import col_letter, raw_text

SAMPLES = 3

ROLE_TEXT: dict[str, tuple[str, str]] = {
    "period": ("period", "период"),
    "stage": ("stage count", "количество на стадии"),
    "stage_date": ("date the deal reached a stage", "дата перехода на стадию"),
    "pipeline_stage": ("current pipeline stage", "текущий этап воронки"),
    "status": ("deal status", "статус сделки"),
    "created": ("creation date (the lead stage)", "дата создания (стадия лида)"),
    "paid_date": ("payment (won) date", "дата оплаты (выигрыша)"),
    "closed": ("close date: won date of won deals, lost date of lost ones",
               "дата закрытия: дата выигрыша у выигранных, проигрыша у проигранных"),
    "lost_date": ("lost date", "дата проигрыша"),
    "amount": ("deal amount", "сумма сделки"),
    "paid_amount": ("amount paid", "сумма оплаты"),
    "channel": ("channel", "канал"),
    "manager": ("manager", "менеджер"),
    "lost_reason": ("lost reason", "причина отказа"),
    "customer_id": ("customer", "клиент"),
    "first_response": ("first response date", "дата первого ответа"),
    "id": ("deal id", "номер сделки"),
    "name": ("deal name (not used in figures)", "название сделки (в расчётах не участвует)"),
    "pipeline": ("pipeline (not used in figures)", "воронка (в расчётах не участвует)"),
    "expected_close": ("expected close date (not used)",
                       "плановая дата закрытия (не используется)"),
    "probability": ("probability (not used)", "вероятность (не используется)"),
    "currency": ("currency", "валюта"),
    "won_flag": ("won flag", "признак выигрыша"),
    "closed_flag": ("closed flag", "признак закрытия"),
    "spend": ("marketing spend", "маркетинговый бюджет"),
    "sales_cost": ("sales cost", "затраты на продажи"),
    "revenue": ("revenue", "выручка"),
    "plan": ("plan", "план"),
    "margin": ("margin", "маржа"),
    "customers": ("customers at start", "клиенты на начало"),
    "churned": ("churned customers", "ушедшие клиенты"),
    "ignored": ("ignored", "не учтён"),
    "duplicate": ("ignored: repeats another column", "не учтён: повторяет другой столбец"),
}

EVIDENCE_TEXT: dict[str, tuple[str, str]] = {
    "alias": ("known name", "известное название"),
    "stem": ("known word", "известное слово"),
    "content": ("by its content", "по содержимому"),
    "position": ("by position: check", "по положению: проверьте"),
    "pinned": ("pinned", "задано"),
    "none": ("not recognised", "не распознан"),
}


@dataclass(frozen=True, slots=True)
class ColumnReading:
    tab: str
    column: str  # letter: "C"
    header: str
    role: str  # a key of ROLE_TEXT
    key: str | None  # stage key; "revenue"/"paid" for a plan; None otherwise
    evidence: str  # a key of EVIDENCE_TEXT
    samples: tuple[str, ...] = ()
    note: str = ""  # why, in English, when the role alone does not say it
    note_ru: str = ""

    def role_text(self, lang: str = "en") -> str:
        en, ru = ROLE_TEXT.get(self.role, (self.role, self.role))
        text = ru if lang == "ru" else en
        return f"{text}: {self.key}" if self.key and self.role in ("stage", "stage_date",
                                                                    "plan") else text

    def evidence_text(self, lang: str = "en") -> str:
        en, ru = EVIDENCE_TEXT.get(self.evidence, (self.evidence, self.evidence))
        return ru if lang == "ru" else en

    def note_in(self, lang: str = "en") -> str:
        return self.note_ru if lang == "ru" and self.note_ru else self.note

    def to_dict(self) -> dict[str, Any]:
        return {"tab": self.tab, "column": self.column, "header": self.header,
                "role": self.role, "key": self.key, "evidence": self.evidence,
                "samples": list(self.samples), "note": self.note, "note_ru": self.note_ru}

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> ColumnReading:
        return ColumnReading(d["tab"], d["column"], d["header"], d["role"], d.get("key"),
                             d["evidence"], tuple(d.get("samples", ())), d.get("note", ""),
                             d.get("note_ru", ""))


SAMPLE_ROWS = 200  # rows looked at for samples


def samples(cells: Iterable[object], limit: int = SAMPLES) -> tuple[str, ...]:
    """The first ``limit`` distinct non-blank values of a column's first cells."""
    seen: dict[str, None] = {}
    for cell in islice(cells, SAMPLE_ROWS):
        text = raw_text(cell, 40)
        if text and text not in seen:
            seen[text] = None
            if len(seen) == limit:
                break
    return tuple(seen)


def column_cells(rows: Sequence[Sequence[object]], col: int, start: int) -> Iterator[object]:
    return (row[col] if col < len(row) else None for row in rows[start:start + SAMPLE_ROWS])


def reading(tab: str, rows: Sequence[Sequence[object]], header_row: int, col: int, header: str,
            role: str, key: str | None, evidence: str, note: str = "",
            note_ru: str = "", cells: Iterable[object] | None = None) -> ColumnReading:
    """``cells``: the column below the header, where ``rows`` hold only the tab's first rows."""
    return ColumnReading(tab, col_letter(col), header, role, key, evidence,
                         samples(cells if cells is not None
                                 else column_cells(rows, col, header_row + 1)), note, note_ru)
