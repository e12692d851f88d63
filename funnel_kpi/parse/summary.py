"""A summary tab (one row per month, one column per stage count) -> ``SummaryTable``.

Stages the funnel knows are read from their columns. When fewer than two are found, the tab's
unknown, mostly numeric columns become the stages, left to right, and a new funnel is returned
(``inferred=True``). Owners are then guessed: every stage up to and including the last one whose
name looks like leads, requests, briefs or MQL ("лиды", "заявки", "брифы", "обращения") is
marketing's, the rest sales' (at least one stage stays sales); with no such name, the first half
(rounded down, at least one) is marketing's.
"""

from __future__ import annotations

import itertools
import operator
import statistics
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from funnel_kpi.errors import LayoutError
from funnel_kpi.inputs import SUMMARY_FIELDS, Problem, SummaryRow, SummaryTable, Tab
from funnel_kpi.model import Funnel, Owner, Stage
from funnel_kpi.parse.cells import (
    CellIssue,
    a1,
    is_blank,
    parse_month,
    parse_number,
    parse_text,
    raw_text,
)
from funnel_kpi.parse.headers import HeaderMap, find_header_row, normalize, slug, stems
from funnel_kpi.parse.outcomes import lead_and_paid_stages
from funnel_kpi.parse.pins import NO_PINS, Pins
from funnel_kpi.parse.plans import PlanReading, read_plan
from funnel_kpi.parse.readout import ColumnReading, reading

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


def summary_header(tab: Tab, funnel: Funnel, pins: Pins = NO_PINS) -> HeaderMap | None:
    found = find_header_row(tab.rows, funnel, "summary", pins.headers)
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


# Words of a column that holds a computed figure, not a count: we compute those ourselves.
_FIGURE_STEMS = frozenset(stems([
    "конверсия", "conversion", "cr", "ctr", "cpl", "cpa", "cac", "cpc", "cpm", "cpo", "romi",
    "roi", "roas", "ltv", "arpu", "arppu", "чек", "average", "avg", "средний", "средняя",
    "доля", "rate", "share", "стоимость", "cost", "цена", "price", "прибыль", "profit", "aov",
    "процент", "percent", "рентабельность", "drr", "дрр",
]))
WHOLE_SHARE = 0.9  # a count column: this share of its numbers are whole


def count_columns(tab: Tab, hm: HeaderMap, columns: Sequence[int],
                  ) -> tuple[list[int], dict[int, str]]:
    """Those of ``columns`` that hold counts (numeric, whole, not a computed figure's name),
    and the numeric ones that do not, with the problem code saying why."""
    counts, not_counts = [], {}
    data = tab.rows[hm.row + 1: hm.row + 1 + NUMERIC_SAMPLE_ROWS]
    for col in numeric_columns(tab, hm, columns):
        header = hm.headers[col]
        words = stems(normalize(header).split())
        if "%" in header or any(w in _FIGURE_STEMS for w in words):
            not_counts[col] = "not_a_count"
            continue
        numbers = [x for r in data if col < len(r)
                   and isinstance(x := parse_number(r[col]), float | int)]
        whole = sum(1 for x in numbers if float(x).is_integer())
        if numbers and whole < WHOLE_SHARE * len(numbers):
            not_counts[col] = "not_a_count"
        else:
            counts.append(col)
    return counts, not_counts


def infer_funnel(tab: Tab, hm: HeaderMap, funnel: Funnel, unknown_counts: Sequence[int],
                 ) -> tuple[Funnel, dict[int, str]]:
    """A funnel of every count column, known stages and unknown ones, left to right.

    Known stages keep their configured names and owners; an unknown one takes the owner of the
    known stage before it (marketing before the first); with no known stage at all the owners
    are guessed from the names (module docstring)."""
    known = {col: key for key, col in hm.stages.items()}
    cols = sorted([*known, *unknown_counts])
    if len(cols) < 2:
        raise LayoutError.say("error.few_stage_columns", tab=tab.name)
    names = [hm.headers[c] for c in cols]
    guessed = guess_owners(names)
    used = set(known.values())
    stages: list[Stage] = []
    columns: dict[int, str] = {}
    owners = [funnel.stage(known[c]).owner if c in known else None for c in cols]
    # per position: a known sales stage before it, a known marketing stage at or after it
    sales_before = list(itertools.accumulate((o == "sales" for o in owners), operator.or_,
                                             initial=False))
    marketing_after = list(itertools.accumulate((o == "marketing" for o in reversed(owners)),
                                                operator.or_, initial=False))[::-1]
    for col, name, guess, i in zip(cols, names, guessed, range(len(cols)), strict=True):
        if col in known:
            stages.append(funnel.stage(known[col]))
        else:
            # the names' guess, kept in order with the known stages around it
            owner: Owner = ("sales" if sales_before[i] else
                            "marketing" if marketing_after[i] else guess)
            base = slug(name) or f"stage_{len(stages) + 1}"
            key, n = base, 2
            while key in used:
                key, n = f"{base}_{n}", n + 1
            used.add(key)
            stages.append(Stage(key, name, name, owner, (name,)))
        columns[col] = stages[-1].key
    if all(s.owner == stages[0].owner for s in stages):  # a funnel needs a sales stage
        stages[-1] = replace(stages[-1], owner="sales")
    return Funnel(tuple(stages), inferred=True), columns


def read_summary(tab: Tab, funnel: Funnel, *, locale: str | None = None,
                 today: date | None = None, pins: Pins = NO_PINS,
                 ) -> tuple[SummaryTable, Funnel]:
    """Read a summary tab; raises LayoutError when it has no period column or < 2 stages."""
    hm = summary_header(tab, funnel, pins)
    if hm is None or "period" not in hm.fields:
        raise LayoutError.say("error.no_period_column", tab=tab.name)
    unknown_counts, not_counts = count_columns(tab, hm, hm.unknown)
    problems = [Problem(tab.name, a1(hm.row + 1, c), hm.headers[c], "duplicate_column")
                for c in hm.duplicates]
    if len(hm.stages) >= 2 and not unknown_counts:
        stage_cols = {col: key for key, col in hm.stages.items()}
    else:
        funnel, stage_cols = infer_funnel(tab, hm, funnel, unknown_counts)
        problems += [Problem(tab.name, a1(hm.row + 1, c), hm.headers[c], "stage_by_position")
                     for c in unknown_counts]
    problems += [Problem(tab.name, a1(hm.row + 1, c), hm.headers[c], code)
                 for c, code in not_counts.items()]
    unknown = [c for c in hm.unknown if c not in stage_cols and c not in not_counts]
    used = set(stage_cols.values())
    stage_keys = tuple(k for k in funnel.keys if k in used)
    money_cols = {hm.fields[f]: f for f in SUMMARY_FIELDS if f in hm.fields}
    segment_field = next((f for f in ("channel", "manager") if f in hm.fields), None)
    reader = _RowReader(tab.name, hm, stage_cols, money_cols, segment_field, locale, today)
    rows = reader.read(tab.rows, problems)
    problems += step_growth(tab.name, hm, stage_cols, stage_keys, rows)
    problems += outliers(tab.name, hm, stage_cols, money_cols, rows)
    plan_col = hm.fields.get("plan")
    plan = read_plan(hm.headers[plan_col] if plan_col is not None else "", rows,
                     lead_and_paid_stages(funnel)[1], pins.plan_of)
    if plan_col is not None:
        problems += [Problem(tab.name, a1(r.row, plan_col), raw_text(r.money["plan"]),
                             "plan_unit_mismatch") for r in plan.mismatched]
        if plan.guessed:
            problems.append(Problem(tab.name, a1(hm.row + 1, plan_col), hm.headers[plan_col],
                                    "plan_kind_guessed"))
    table = SummaryTable(
        tab=tab.name,
        stage_keys=stage_keys,
        rows=tuple(sorted(plan.rows, key=lambda r: (r.period, r.segment or ""))),
        segment_field=segment_field,
        problems=tuple(sorted(problems, key=_cell_order)),
        unknown_columns=tuple(hm.headers[c] for c in unknown),
        plan_of=plan.plan_of,
        readout=summary_readout(tab, hm, stage_cols, set(unknown_counts), not_counts, plan),
    )
    return table, funnel


def step_growth(tab: str, hm: HeaderMap, stage_cols: dict[int, str],
                stage_keys: Sequence[str], rows: Sequence[SummaryRow]) -> list[Problem]:
    """A stage counting more than the stage before it in the same row: the counts come from
    different cohorts or months, and that step's conversion means nothing."""
    col_of = {key: col for col, key in stage_cols.items()}
    out = []
    for r in rows:
        before: float | None = None
        for key in stage_keys:
            n = r.counts.get(key)
            if n is None:
                continue
            if before is not None and n > before:
                out.append(Problem(tab, a1(r.row, col_of[key]), raw_text(n), "step_grows"))
            before = n
    return out


OUTLIER_FACTOR = 20  # a month this many times its column's median is a doubt
NON_NEGATIVE = frozenset({"spend", "sales_cost", "revenue", "plan", "customers", "churned"})


def outliers(tab: str, hm: HeaderMap, stage_cols: dict[int, str], money_cols: dict[int, str],
             rows: Sequence[SummaryRow]) -> list[Problem]:
    """A month more than OUTLIER_FACTOR times its column's median (a count of 99,999 among
    hundreds, a revenue typed in kopecks): a warning on the cell; the value is kept."""
    out = []
    columns = [(col, key, "counts") for col, key in stage_cols.items()]
    columns += [(col, field, "money") for col, field in money_cols.items() if field != "margin"]
    for col, key, where in columns:
        values = [(r, v) for r in rows
                  if (v := (r.counts if where == "counts" else r.money).get(key)) is not None]
        positive = [v for _, v in values if v > 0]
        if len(positive) < 3:
            continue  # too few months to tell what is usual
        median = statistics.median(positive)
        out += [Problem(tab, a1(r.row, col), raw_text(v), "outlier") for r, v in values
                if v > OUTLIER_FACTOR * median]
    return out


def _cell_order(problem: Problem) -> tuple[int, int, str]:
    digits = problem.cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return (int(digits) if digits.isdigit() else 0, len(problem.cell), problem.cell)


_PLAN_NOTES = {"revenue": ("plans revenue", "план выручки"),
               "paid": ("plans payments (a count)", "план оплат (в штуках)")}


def summary_readout(tab: Tab, hm: HeaderMap, stage_cols: dict[int, str],
                    by_position: set[int], not_counts: dict[int, str],
                    plan: PlanReading) -> tuple[ColumnReading, ...]:
    role_of: dict[int, tuple[str, str | None]] = {c: (f, None) for f, c in hm.fields.items()}
    role_of.update({c: ("stage", k) for c, k in stage_cols.items()})
    role_of.update({c: ("duplicate", None) for c in hm.duplicates})
    out = []
    for col, header in enumerate(hm.headers):
        if not header:
            continue
        role, key = role_of.get(col, ("ignored", None))
        evidence = "position" if col in by_position else hm.evidence.get(col, "none")
        en = ru = ""
        if col in not_counts:
            en, ru = ("a computed figure or not whole numbers: we compute it ourselves",
                      "расчётный показатель или не целые числа: считаем сами")
        elif role == "plan" and plan.plan_of is not None:
            key = plan.plan_of
            en, ru = _PLAN_NOTES[plan.plan_of]
            if plan.sized:
                evidence = "content"
                en, ru = en + ", by its size", ru + ", по величине"
            if plan.guessed:
                en, ru = en + ": check", ru + ": проверьте"
        out.append(reading(tab.name, tab.rows, hm.row, col, header, role, key, evidence, en, ru))
    return tuple(out)


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
                if code is None and value < 0:  # type: ignore[operator]
                    if col in self.stage_cols:
                        code = "negative_count"
                    elif self.money_cols[col] in NON_NEGATIVE:
                        code = "negative_money"
                if code is not None:
                    problems.append(Problem(self.tab, a1(row1, col), raw_text(raw), code))
                elif col in self.stage_cols:
                    counts[self.stage_cols[col]] = value  # type: ignore[assignment]
                else:
                    money[self.money_cols[col]] = value  # type: ignore[assignment]
            out.append(SummaryRow(period, counts, money, row1, segment))
        return out
