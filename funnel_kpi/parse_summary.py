"""A summary tab (one row per month, one column per stage count) -> ``SummaryTable``.

Stages the funnel knows are read from their columns. When fewer than two are found, the tab's
unknown, mostly numeric columns become the stages, left to right, and a new funnel is returned
(``inferred=True``). Owners are then guessed: every stage up to and including the last one whose
name looks like leads, requests, briefs or MQL ("лиды", "заявки", "брифы", "обращения") is
marketing's, the rest sales' (at least one stage stays sales); with no such name, the first half
(rounded down, at least one) is marketing's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from funnel_kpi.cells import (
    CellIssue,
    a1,
    is_blank,
    parse_month,
    parse_number,
    parse_text,
    raw_text,
)
from funnel_kpi.errors import LayoutError
from funnel_kpi.headers import HeaderMap, find_header_row, normalize, slug, stems
from funnel_kpi.inputs import SUMMARY_FIELDS, Problem, SummaryRow, SummaryTable, Tab
from funnel_kpi.model import Funnel, Owner, Stage

# First words of rows that total or average the months above them: skipped without a problem.
TOTAL_WORDS = frozenset({
    "итого", "итог", "всего", "сумма", "среднее", "в среднем", "total", "totals", "grand total",
    "sum", "average", "avg", "mean", "subtotal",
})
_LEAD_STEMS = frozenset({"лид", "заявк", "бриф", "обращен", "mql", "lead", "brief", "request",
                         "inquiri", "enquiri"})
NUMERIC_SHARE = 0.8  # an unknown column is numeric when this share of its filled cells are numbers
NUMERIC_SAMPLE_ROWS = 1000  # rows looked at to tell (a big non-funnel tab must classify fast)


def is_total(value: object) -> bool:
    if not isinstance(value, str):
        return False
    words = normalize(value).split()
    return bool(words) and (words[0] in TOTAL_WORDS or " ".join(words[:2]) in TOTAL_WORDS)


def summary_header(tab: Tab, funnel: Funnel) -> HeaderMap | None:
    found = find_header_row(tab.rows, funnel, "summary")
    return found[1] if found is not None else None


def numeric_columns(tab: Tab, hm: HeaderMap, columns: Sequence[int]) -> list[int]:
    """Those of ``columns`` whose filled data cells are mostly numbers, and filled in at least
    half of the rows that have a period."""
    period_col = hm.fields.get("period")
    data = tab.rows[hm.row + 1: hm.row + 1 + NUMERIC_SAMPLE_ROWS]
    dated = sum(1 for r in data if period_col is not None and period_col < len(r)
                and not is_blank(r[period_col]))
    out = []
    for col in columns:
        filled = numbers = 0
        for r in data:
            if col < len(r) and not is_blank(r[col]):
                filled += 1
                numbers += not isinstance(parse_number(r[col]), CellIssue)
        if numbers and numbers >= NUMERIC_SHARE * filled and filled * 2 >= dated:
            out.append(col)
    return out


def _looks_like_leads(text: str) -> bool:
    return any(s in _LEAD_STEMS for s in stems(normalize(text).split()))


def guess_owners(names: Sequence[str]) -> list[Owner]:
    """Owners for stages named ``names`` in funnel order (the rule in the module docstring)."""
    n = len(names)
    lead_like = [i for i, name in enumerate(names) if _looks_like_leads(name)]
    last_marketing = min(lead_like[-1], n - 2) if lead_like else max(n // 2, 1) - 1
    return ["marketing" if i <= last_marketing else "sales" for i in range(n)]


def infer_funnel(tab: Tab, hm: HeaderMap, funnel: Funnel) -> tuple[Funnel, dict[int, str]]:
    """A funnel from the known stage columns and the unknown numeric ones, left to right."""
    known = {col: key for key, col in hm.stages.items()}
    cols = sorted([*known, *numeric_columns(tab, hm, hm.unknown)])
    if len(cols) < 2:
        raise LayoutError(
            f"Tab '{tab.name}' has a period column but fewer than two stage columns: add columns "
            "such as 'Leads'/'Лиды' and 'Meetings'/'Встречи' (numbers per month).", tab=tab.name)
    names = [hm.headers[c] for c in cols]
    owners = guess_owners(names)
    used = {key for key in known.values()}
    stages: list[Stage] = []
    columns: dict[int, str] = {}
    for col, name, owner in zip(cols, names, owners, strict=True):
        if col in known:
            s = funnel.stage(known[col])
            stages.append(Stage(s.key, s.en, s.ru, owner, s.aliases))
        else:
            base = slug(name) or f"stage_{len(stages) + 1}"
            key, n = base, 2
            while key in used:
                key, n = f"{base}_{n}", n + 1
            used.add(key)
            stages.append(Stage(key, name, name, owner, (name,)))
        columns[col] = stages[-1].key
    return Funnel(tuple(stages), inferred=True), columns


def read_summary(tab: Tab, funnel: Funnel, *, locale: str | None = None,
                 today: date | None = None) -> tuple[SummaryTable, Funnel]:
    """Read a summary tab; raises LayoutError when it has no period column or < 2 stages."""
    hm = summary_header(tab, funnel)
    if hm is None or "period" not in hm.fields:
        raise LayoutError(
            f"Tab '{tab.name}' has no period column: the summary needs a column such as "
            "'Month'/'Месяц' or 'Period'/'Период' with one month per row.", tab=tab.name)
    if len(hm.stages) >= 2:
        stage_cols = {col: key for key, col in hm.stages.items()}
        unknown = list(hm.unknown)
    else:
        funnel, stage_cols = infer_funnel(tab, hm, funnel)
        unknown = [c for c in hm.unknown if c not in stage_cols]
    stage_keys = tuple(k for k in funnel.keys if k in stage_cols.values())
    money_cols = {hm.fields[f]: f for f in SUMMARY_FIELDS if f in hm.fields}
    segment_field = next((f for f in ("channel", "manager") if f in hm.fields), None)
    problems = [Problem(tab.name, a1(hm.row + 1, c), hm.headers[c], "duplicate_column")
                for c in hm.duplicates]
    reader = _RowReader(tab.name, hm, stage_cols, money_cols, segment_field, locale, today)
    rows = reader.read(tab.rows, problems)
    table = SummaryTable(
        tab=tab.name,
        stage_keys=stage_keys,
        rows=tuple(sorted(rows, key=lambda r: (r.period, r.segment or ""))),
        segment_field=segment_field,
        problems=tuple(problems),
        unknown_columns=tuple(hm.headers[c] for c in unknown),
    )
    return table, funnel


class _RowReader:
    def __init__(self, tab: str, hm: HeaderMap, stage_cols: dict[int, str],
                 money_cols: dict[int, str], segment_field: str | None, locale: str | None,
                 today: date | None) -> None:
        self.tab = tab
        self.hm = hm
        self.period_col = hm.fields["period"]
        self.segment_col = hm.fields[segment_field] if segment_field else None
        self.stage_cols = stage_cols
        self.money_cols = money_cols
        self.value_cols = sorted([*stage_cols, *money_cols])
        self.locale = locale
        self.this_month = today.replace(day=1) if today else None

    def read(self, rows: Sequence[Sequence[object]], problems: list[Problem]) -> list[SummaryRow]:
        out: list[SummaryRow] = []
        seen: set[tuple[date, str | None]] = set()
        for row0 in range(self.hm.row + 1, len(rows)):
            cells = rows[row0]
            row1 = row0 + 1

            def cell(col: int | None, cells: Sequence[object] = cells) -> object:
                return cells[col] if col is not None and col < len(cells) else None

            if all(is_blank(cell(c)) for c in self.value_cols):
                continue  # a blank, note or template row
            raw_period = cell(self.period_col)
            segment = parse_text(cell(self.segment_col))
            first_text = next((c for c in cells if isinstance(c, str) and c.strip()), None)
            if is_total(raw_period) or is_total(segment) or is_total(first_text):
                continue
            period = parse_month(raw_period, locale=self.locale)
            where = a1(row1, self.period_col)
            if period is None:
                problems.append(Problem(self.tab, where, "", "missing_period"))
                continue
            if isinstance(period, CellIssue):
                problems.append(Problem(self.tab, where, raw_text(raw_period), period.code))
                continue
            if self.this_month is not None and period > self.this_month:
                problems.append(Problem(self.tab, where, raw_text(raw_period), "future_date"))
                continue
            if (period, segment) in seen:
                problems.append(Problem(self.tab, where, raw_text(raw_period),
                                        "duplicate_period"))
                continue
            seen.add((period, segment))
            counts: dict[str, float] = {}
            money: dict[str, float] = {}
            for col in self.value_cols:
                raw = cell(col)
                value = parse_number(raw, locale=self.locale)
                if value is None:
                    continue
                code = value.code if isinstance(value, CellIssue) else None
                if code is None and col in self.stage_cols and value < 0:  # type: ignore[operator]
                    code = "negative_count"
                if code is not None:
                    problems.append(Problem(self.tab, a1(row1, col), raw_text(raw), code))
                elif col in self.stage_cols:
                    counts[self.stage_cols[col]] = value  # type: ignore[assignment]
                else:
                    money[self.money_cols[col]] = value  # type: ignore[assignment]
            out.append(SummaryRow(period, counts, money, row1, segment))
        return out
