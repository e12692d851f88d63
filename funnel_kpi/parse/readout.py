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

from funnel_kpi.catalogue import has, text
from funnel_kpi.parse.cells import col_letter, raw_text

SAMPLES = 3


def _said(table: str, code: str, lang: str) -> str:
    """A role's or an evidence's words from the catalogue; an unknown code as itself."""
    key = f"{table}.{code}"
    return text(key, lang) if has(key) else code


@dataclass(frozen=True, slots=True)
class ColumnReading:
    tab: str
    column: str  # letter: "C"
    header: str
    role: str  # a key of the catalogue's [role]
    key: str | None  # stage key; "revenue"/"paid" for a plan; None otherwise
    evidence: str  # a key of the catalogue's [evidence]
    samples: tuple[str, ...] = ()
    note: str = ""  # why, in English, when the role alone does not say it
    note_ru: str = ""

    def role_text(self, lang: str = "en") -> str:
        said = _said("role", self.role, lang)
        return f"{said}: {self.key}" if self.key and self.role in ("stage", "stage_date",
                                                                    "plan") else said

    def evidence_text(self, lang: str = "en") -> str:
        return _said("evidence", self.evidence, lang)

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
