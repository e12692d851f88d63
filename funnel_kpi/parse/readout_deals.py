"""A deal log's read-out (funnel_kpi.parse.readout), and the one place where a deal log's content
overrules its headers: the creation date."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date

from funnel_kpi.inputs import Tab
from funnel_kpi.model import Funnel
from funnel_kpi.parse.cells import is_blank, parse_date
from funnel_kpi.parse.headers import DATE_WORDS, HeaderMap, normalize
from funnel_kpi.parse.outcomes import StageReading
from funnel_kpi.parse.readout import SAMPLE_ROWS, ColumnReading, reading

CONTENT_ROWS = 5000  # rows looked at to tell a column's content
FILLED_SHARE = 0.95  # the creation date is on (nearly) every deal
NEVER_LATER_SHARE = 0.99  # and not after the deal's other dates


def created_by_content(tab: Tab, hm: HeaderMap, funnel: Funnel,
                       locale: str | None) -> HeaderMap:
    """Without a creation-date column, a date column filled on every row and never later than
    the row's other dates is the creation date ("Дата первого контакта" in many logs)."""
    candidates = [hm.fields["first_response"]] if "first_response" in hm.fields else []
    # only a column whose header says it holds dates: a count column's numbers read as dates
    candidates += [hm.stages[k] for k in funnel.keys if k in hm.stages
                   and DATE_WORDS & set(normalize(hm.headers[hm.stages[k]]).split())]
    others = [c for c in (*hm.stages.values(), hm.fields.get("paid_date"),
                          hm.fields.get("closed")) if c is not None]
    rows = [r for r in tab.rows[hm.row + 1: hm.row + 1 + CONTENT_ROWS]
            if not all(map(is_blank, r))]
    if not rows:
        return hm
    for col in candidates:
        days = [_day(r, col, locale) for r in rows]
        if sum(d is not None for d in days) < FILLED_SHARE * len(rows):
            continue
        compared = later = 0
        for r, d in zip(rows, days, strict=True):
            for other in others:
                o = _day(r, other, locale) if other != col else None
                if d is not None and o is not None:
                    compared += 1
                    later += d > o
        if compared and later > (1 - NEVER_LATER_SHARE) * compared:
            continue
        fields = {**hm.fields, "created": col}
        if fields.get("first_response") == col:
            del fields["first_response"]
        stages = {k: c for k, c in hm.stages.items() if c != col}
        return replace(hm, fields=fields, stages=stages,
                       evidence={**hm.evidence, col: "content"})
    return hm


def _day(row: Sequence[object], col: int, locale: str | None) -> date | None:
    d = parse_date(row[col], locale=locale) if col < len(row) else None
    return d if isinstance(d, date) else None


_NOTES: dict[str, tuple[str, str]] = {
    "created_content": ("filled on every row and never later than the other dates",
                        "заполнена в каждой строке и не позже других дат"),
    "closed": ("won date of won deals, lost date of lost ones; ignored on open deals",
               "у выигранных — дата выигрыша, у проигранных — проигрыша; у открытых не учтена"),
}


def deal_readout(tab: Tab, hm: HeaderMap, fields: Mapping[str, int],
                 stage_cols: Mapping[str, int], unknown: Sequence[int],
                 notes: Mapping[int, tuple[str, str]], stages: StageReading | None,
                 stage_field: str, cell: Callable[[int, int], object],
                 size: int, dropped: Sequence[int] = ()) -> tuple[ColumnReading, ...]:
    """One ColumnReading per non-blank header, in column order."""
    role_of: dict[int, tuple[str, str | None]] = {c: (f, None) for f, c in fields.items()}
    role_of.update({c: ("stage_date", k) for k, c in stage_cols.items()})
    for c in (*hm.duplicates, *dropped):
        role_of[c] = ("duplicate", None)
    for c in (*unknown, *hm.ignored):
        role_of[c] = ("ignored", None)
    out = []
    for col, header in enumerate(hm.headers):
        if not header:
            continue
        role, key = role_of.get(col, ("ignored", None))
        evidence = hm.evidence.get(col, "none")
        en, ru = notes.get(col, ("", ""))
        if evidence == "content" and role == "created":
            en, ru = _NOTES["created_content"]
        elif role == "closed":
            en, ru = _NOTES["closed"]
        elif stages is not None and role == stage_field:
            role = "pipeline_stage"
            en, ru = _pipeline_note(stages)
        elif role == "created":
            key = None
        cells = (cell(i, col) for i in range(min(size, SAMPLE_ROWS)))
        out.append(reading(tab.name, tab.rows, hm.row, col, header, role, key, evidence, en, ru,
                           cells))
    return tuple(out)


def _pipeline_note(stages: StageReading) -> tuple[str, str]:
    v = stages.values
    order = " → ".join(v.stages) or "—"
    won = ", ".join(t for t, (o, _) in v.meaning.items() if o == "won") or "—"
    lost = ", ".join(t for t, (o, _) in v.meaning.items() if o == "lost") or "—"
    where = {"data": ("order read from the data: check it, or pin it",
                      "порядок определён по данным: проверьте или задайте его"),
             "pinned": ("order pinned", "порядок задан")}.get(
        v.source, (f"{v.source} default pipeline", f"воронка {v.source} по умолчанию"))
    unknown = ", ".join(sorted(v.unknown))
    en = f"{where[0]}: {order}; won: {won}; lost: {lost}"
    ru = f"{where[1]}: {order}; выиграны: {won}; проиграны: {lost}"
    if unknown:
        en += f"; unknown (counted open): {unknown}"
        ru += f"; неизвестные (считаются открытыми): {unknown}"
    return en, ru
