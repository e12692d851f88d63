"""Bad input, generated with hypothesis: never a crash, every problem reported with its cell, KPIs
computed from the readable rest.

Three generators:
- ``summary_case``: a summary tab with a known answer. The header row sits below 0-4 junk rows,
  headers come in English or Russian, in any case, with a duplicate column, a blank (merged)
  header column and a free-text column; each count cell is a good number (plain, float,
  "1 234" text), blank, text, a formula error, negative or a boolean; periods are ISO text, dates,
  Sheets serial numbers or "Jan 2024". The oracle: each period's stage count is the good value
  or absent; every bad cell is a problem at exactly that cell with the right code, and no good
  cell is; step conversion = n_i / n_(i-1) wherever both counts are readable and n_(i-1) > 0.
- ``random_grid``: anything at all (random types, headers from the alias pool anywhere, ragged
  rows, empty tabs, control characters, huge numbers, future dates): analyse either returns a
  report or raises FunnelError; every problem's cell lies in the grid and holds its value; the
  report is strict JSON; the KPI tab renders.
- the same grids as real .xlsx workbooks (merged header cells included) synced by run_sync:
  a KPI tab or a clear InputError, and the input tabs' bytes unchanged.

Default run: 420 cases; ``-m slow``: 10,000 (see docs/reliability.md).
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from funnel_kpi import FunnelError, Tab
from funnel_kpi.api import analyse
from funnel_kpi.model import DEFAULT_FUNNEL
from sheets_sync.backends.xlsx import XlsxBackend
from sheets_sync.errors import SyncError
from sheets_sync.job import SyncOptions, run_sync
from sheets_sync.render import render
from tests.reliability.conftest import save_figures
from tests.sync.conftest import tab_hashes

TODAY = date(2025, 6, 15)
A1 = re.compile(r"^([A-Z]{1,3})([0-9]+)$")
ERRORS = ["#DIV/0!", "#N/A", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"]
JUNK = ["abc", "много", "x12", "ten", "??", "1O0"]
MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
STAGE_NAMES = {s.key: (s.aliases[0], next(a for a in s.aliases if re.search("[а-я]", a)))
               for s in DEFAULT_FUNNEL.stages}
ALIASES = [a for s in DEFAULT_FUNNEL.stages for a in s.aliases] + [
    "Month", "Месяц", "Period", "Created", "Status", "Amount", "Channel", "Manager",
    "Deal id", "Marketing spend", "Revenue", "Plan", "Дата создания", "Статус", "Сумма"]
COUNTS: Counter[str] = Counter()  # generated count cells by kind, for the figures


def col_letter(i: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def serial(d: date) -> int:
    return (d - date(1899, 12, 30)).days


# --- the summary tab with a known answer ----------------------------------------------------
CELL_KINDS = ("good", "good", "good", "float", "text_number", "blank", "junk", "error",
              "negative", "bool")
EXPECTED_CODE = {"junk": "not_a_number", "error": "formula_error", "negative": "negative_count",
                 "bool": "not_a_number"}


@st.composite
def summary_case(draw: st.DrawFn) -> dict[str, Any]:
    keys = [k for k in STAGE_NAMES if draw(st.booleans())] or ["leads", "paid"]
    if len(keys) < 2:
        keys = [keys[0], "paid" if keys[0] != "paid" else "leads"]
        keys.sort(key=list(STAGE_NAMES).index)
    ru = draw(st.booleans())
    case_fn = draw(st.sampled_from([str, str.upper, str.lower, str.title]))
    names = [case_fn(STAGE_NAMES[k][1 if ru else 0]) for k in keys]
    dup = draw(st.integers(0, len(keys) - 1))
    header = ["Месяц" if ru else "Month", *names, "", "Комментарий" if ru else "Comment",
              names[dup]]
    n_months = draw(st.integers(1, 18))
    start = date(draw(st.integers(2019, 2023)), draw(st.integers(1, 12)), 1)
    rows: list[list[Any]] = [[draw(st.sampled_from(["Report", "Отчёт", "Q1"]))] if
                             draw(st.booleans()) else [] for _ in range(draw(st.integers(0, 4)))]
    h = len(rows)
    rows.append(header)
    expect_counts: dict[str, dict[str, float | None]] = {}
    expect_problems: dict[str, str] = {f"{col_letter(len(header) - 1)}{h + 1}":
                                       "duplicate_column"}
    good_cells: set[str] = set()
    for m in range(n_months):
        y, mo = divmod(start.month - 1 + m, 12)
        month = date(start.year + y, mo + 1, 1)
        style = draw(st.sampled_from(["iso", "date", "serial", "en"]))
        period: Any = {"iso": month.isoformat(), "date": month, "serial": serial(month),
                       "en": f"{MONTHS_EN[month.month - 1]} {month.year}"}[style]
        row: list[Any] = [period]
        counts: dict[str, float | None] = {}
        r = len(rows) + 1
        for j, key in enumerate(keys):
            kind = draw(st.sampled_from(CELL_KINDS))
            COUNTS[kind] += 1
            n = draw(st.integers(0, 10**6))
            value: Any = {"good": n, "float": n / 4, "text_number": f"{n:,}".replace(",", " "),
                          "blank": None, "junk": draw(st.sampled_from(JUNK)),
                          "error": draw(st.sampled_from(ERRORS)), "negative": -n - 1,
                          "bool": draw(st.booleans())}[kind]
            row.append(value)
            cell = f"{col_letter(j + 1)}{r}"
            if kind in EXPECTED_CODE:
                counts[key] = None
                expect_problems[cell] = EXPECTED_CODE[kind]
            else:
                counts[key] = None if value is None else float(n if kind != "float" else n / 4)
                good_cells.add(cell)
        row += [draw(st.integers(-5, 5)), "note", draw(st.integers(0, 99))]
        rows.append(row)
        if any(v is not None for v in row[1:len(keys) + 1]):
            expect_counts[f"{month:%Y-%m}"] = counts  # a row of blank counts is no period
    return {"rows": rows, "keys": keys, "counts": expect_counts, "problems": expect_problems,
            "good": good_cells}


def check_summary(case: dict[str, Any]) -> None:
    analysis = analyse([Tab("Funnel", case["rows"])], today=TODAY)
    report = analysis.report.to_dict()
    found = {p["cell"]: p["code"] for p in report["problems"]}
    for cell, code in case["problems"].items():
        assert found.get(cell) == code, (cell, code, found)
    # a good count above the stage before it ("step_grows") or 20x its column's median
    # ("outlier") is a warning on a value that is kept, not a bad cell
    warnings = {"step_grows", "outlier"}
    assert not {c for c, code in found.items() if code not in warnings} & case["good"], found
    periods = {p["period"]: p for p in report["periods"]}
    assert set(periods) == set(case["counts"])
    for name, counts in case["counts"].items():
        stages = {s["key"]: s for s in periods[name]["stages"]}
        for key, want in counts.items():
            got = stages[key].get("count") if key in stages else None
            assert (got is None and want is None) or got == pytest.approx(want), (name, key)
        order = [k for k in case["keys"] if k in stages]
        for prev, cur in itertools.pairwise(order):
            a, b = counts[prev], counts[cur]
            step = stages[cur].get("step_conversion")
            if a is not None and b is not None and a > 0:
                assert step == pytest.approx(b / a, rel=1e-9), (name, prev, cur)
    render(report, lang="en", title="KPI", synced_at=datetime.now(UTC))


# --- anything at all -------------------------------------------------------------------------
scalar = st.one_of(
    st.none(), st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30), st.sampled_from(ALIASES), st.sampled_from(ERRORS), st.booleans(),
    st.dates(date(1900, 3, 1), date(2100, 1, 1)), st.sampled_from(["", " ", "\x00", "\u202e",
                                                                    "1 234,56 ₽", "31.01.2024",
                                                                    "янв. 2024", "=1+1"]))


@st.composite
def random_grid(draw: st.DrawFn) -> list[list[Any]]:
    if draw(st.integers(0, 19)) == 0:
        return []  # an empty tab
    header = draw(st.lists(st.one_of(st.sampled_from(ALIASES), scalar), min_size=1, max_size=12))
    rows = [draw(st.lists(scalar, max_size=14)) for _ in range(draw(st.integers(0, 4)))]
    rows.append(header)
    rows += draw(st.lists(st.lists(scalar, max_size=14), max_size=25))
    return rows


def check_grid(tabs: list[Tab]) -> str:
    try:
        analysis = analyse(tabs, today=TODAY)
    except FunnelError as e:
        assert str(e).strip()
        return "refused"
    report = analysis.report.to_dict()
    json.dumps(report, allow_nan=False, default=str)
    by_name = {t.name: t.rows for t in tabs}
    for p in report["problems"]:
        assert p["tab"] in by_name and p["reason"] and p["reason_ru"]
        if not p["cell"]:
            continue
        m = A1.match(p["cell"])
        assert m, p
        col = sum((ord(ch) - 64) * 26**i for i, ch in enumerate(reversed(m.group(1)))) - 1
        row = int(m.group(2)) - 1
        rows = by_name[p["tab"]]
        assert row < len(rows), p
        cell = rows[row][col] if col < len(rows[row]) else None
        if p["value"] and isinstance(cell, str):
            assert p["value"].strip() == cell.strip() or p["value"] in cell, (p, cell)
    render(report, lang="ru", title="Показатели", synced_at=datetime.now(UTC))
    return "computed"


def write_xlsx(path: Path, tabs: dict[str, list[list[Any]]], merge: bool) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in tabs.items():
        ws = book.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row, start=1):
                if isinstance(v, str):
                    v = "".join(ch for ch in v if ch >= " " or ch in "\t\n")  # XML can't
                cell = ws.cell(r, c, v)
                if isinstance(v, str) and v.startswith("="):
                    cell.data_type = "s"
        if merge and ws.max_column >= 3:
            ws.merge_cells(start_row=1, start_column=2, end_row=1, end_column=3)
    book.save(path)


def check_workbook(path: Path, tabs: dict[str, list[list[Any]]], merge: bool) -> str:
    write_xlsx(path, tabs, merge)
    before = tab_hashes(path, list(tabs))
    try:
        outcome = run_sync(XlsxBackend(path), SyncOptions(today=TODAY))
        result = outcome.status
    except SyncError as e:
        assert str(e).strip() and "Traceback" not in str(e)
        result = "refused"
    assert tab_hashes(path, list(tabs)) == before, "an input tab changed"
    return result


# --- the tests -------------------------------------------------------------------------------
DEFAULT = {"summary": 150, "grid": 200, "workbook": 70}
SLOW = {"summary": 3000, "grid": 5000, "workbook": 2000}


def run_all(n: dict[str, int], tmp_path: Path) -> dict[str, Any]:
    tally: dict[str, int] = {}
    common = {"deadline": None, "database": None, "derandomize": True,
              "suppress_health_check": list(HealthCheck)}

    @settings(max_examples=n["summary"], **common)
    @given(summary_case())
    def summaries(case: dict[str, Any]) -> None:
        check_summary(case)
        tally["summary"] = tally.get("summary", 0) + 1

    @settings(max_examples=n["grid"], **common)
    @given(st.lists(random_grid(), min_size=1, max_size=3))
    def grids(grids: list[list[list[Any]]]) -> None:
        outcome = check_grid([Tab(f"T{i}", g) for i, g in enumerate(grids)])
        tally[f"grid_{outcome}"] = tally.get(f"grid_{outcome}", 0) + 1

    @settings(max_examples=n["workbook"], **common)
    @given(st.one_of(summary_case().map(lambda c: c["rows"]), random_grid()), st.booleans())
    def workbooks(rows: list[list[Any]], merge: bool) -> None:
        outcome = check_workbook(tmp_path / "book.xlsx", {"Funnel": rows, "Notes": [["x"]]},
                                 merge)
        tally[f"workbook_{outcome}"] = tally.get(f"workbook_{outcome}", 0) + 1

    summaries()
    grids()
    workbooks()
    return tally


def test_bad_input_never_crashes(tmp_path: Path) -> None:
    tally = run_all(DEFAULT, tmp_path)
    assert sum(tally.values()) >= 400 and tally.get("grid_computed", 0) > 0


@pytest.mark.slow
def test_ten_thousand_generated_workbooks_and_grids(tmp_path: Path) -> None:
    import time

    started = time.monotonic()
    tally = run_all(SLOW, tmp_path)
    save_figures("bad_input", {**tally, "total": sum(tally.values()),
                               "count_cells_by_kind": dict(COUNTS),
                               "seconds": round(time.monotonic() - started, 1)})
    assert sum(tally.values()) >= 10_000


def test_problem_cells_of_known_cases() -> None:
    """Hand-made: each kind of bad cell, and the header below junk rows (row 3)."""
    rows = [["Отчёт"], [], ["Месяц", "Лиды", "Встречи", "Оплаты", "лиды"],
            ["2024-01-01", 100, 40, 10, 1],
            ["2024-02-01", "много", 30, "#DIV/0!", 1],
            ["2024-03-01", 80, -2, 8, 1],
            ["2030-01-01", 1, 1, 1, 1],
            [None, 5, 5, 5, 5]]
    report = analyse([Tab("Воронка", rows), Tab("Пусто", [])], today=TODAY).report
    found = {(p.cell, p.code) for p in report.problems}
    assert found >= {("E3", "duplicate_column"), ("B5", "not_a_number"),
                     ("D5", "formula_error"), ("C6", "negative_count"), ("A7", "future_date"),
                     ("A8", "missing_period")}
    d = report.to_dict()
    jan = {s["key"]: s for s in d["periods"][0]["stages"]}
    assert jan["meetings"]["step_conversion"] == pytest.approx(40 / 100)  # 0.4
    assert jan["paid"]["step_conversion"] == pytest.approx(10 / 40)  # 0.25
    mar = {s["key"]: s for s in d["periods"][2]["stages"]}
    assert mar["meetings"]["count"] is None and mar["paid"]["step_conversion"] is None
    feb = {s["key"]: s for s in d["periods"][1]["stages"]}
    assert feb["leads"]["count"] is None and feb["meetings"]["count"] == 30


def test_an_empty_tab_is_skipped_or_named_in_a_clear_error() -> None:
    funnel = Tab("Funnel", [["Month", "Leads", "Paid"], ["2024-01-01", 10, 1]])
    # found by its headers: the empty tab is passed over and the funnel computed
    report = analyse([Tab("Empty", []), funnel], today=TODAY).report
    assert report.to_dict()["periods"][0]["stages"][1]["step_conversion"] == 0.1  # 1/10
    # named by the job: the job asked for that tab, so the error names it
    with pytest.raises(FunnelError, match="'Empty' is empty"):
        analyse([funnel, Tab("Empty", [])], tab_names=["Funnel", "Empty"], today=TODAY)
