"""Big inputs: a deal log and a summary tab of many rows, tabs of many columns. Never a crash,
problems with their cells, KPIs from the readable rest, the KPI tab rendered (problems capped).

Default: 50,000 rows and 1,000 columns; ``-m slow``: 1,000,000 rows and 10,000 columns.
"""

from __future__ import annotations

import random
import re
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from funnel_kpi import Tab
from funnel_kpi.api import analyse
from sheets_sync.render import PROBLEM_ROWS_MAX, render
from tests.reliability.conftest import save_figures

TODAY = date(2025, 6, 1)
A1 = re.compile(r"^[A-Z]{1,3}[0-9]+$")


def deal_log(n: int, seed: int = 1) -> tuple[list[list[Any]], int, int]:
    """n deals: every 10th has an unreadable amount, every 7th an unknown status; how many won
    deals have a readable amount, and their revenue, to check against the report."""
    rng = random.Random(seed)
    rows: list[list[Any]] = [["Deal id", "Created", "Channel", "Manager", "Meeting", "Paid date",
                              "Status", "Amount"]]
    start = date(2023, 1, 1)
    won_paid = revenue = 0
    for i in range(n):
        created = start + timedelta(days=rng.randrange(700))
        status = "??" if i % 7 == 0 else ("won" if i % 5 == 0 else rng.choice(["open", "lost"]))
        amount: Any = "abc" if i % 10 == 3 else 1000 + i % 13
        paid = (created + timedelta(days=30)).isoformat() if status == "won" else None
        rows.append([i, created.isoformat(), rng.choice(["seo", "ads"]),
                     rng.choice(["Анна", "Bob"]), (created + timedelta(days=2)).isoformat(),
                     paid, status, amount])
        if status == "won" and isinstance(amount, int):
            won_paid += 1
            revenue += amount
    return rows, won_paid, revenue


def summary_rows(n: int, seed: int = 2) -> list[list[Any]]:
    """n rows over 30 months: all but the first row of a month are duplicates (problems)."""
    rng = random.Random(seed)
    rows: list[list[Any]] = [["Month", "Leads", "Meetings", "Paid"]]
    for i in range(n):
        y, m = divmod(i % 30, 12)
        rows.append([f"{2022 + y}-{m + 1:02d}-01", 1000 + i % 30, 300, rng.choice([30, "x"])])
    return rows


def wide_rows(cols: int) -> list[list[Any]]:
    """Known stages, then ``cols`` columns a team named itself."""
    header = ["Month", "Leads", "Meetings", "Paid", *[f"Col {i}" for i in range(cols)]]
    return [header, *[[f"2024-{m:02d}-01", 1000, 200, 20, *range(cols)] for m in range(1, 13)]]


def inferred_rows(cols: int) -> list[list[Any]]:
    """Only a team's own stage names: ``cols`` stages inferred, counts falling by one."""
    return [["Month", *[f"Stage {i}" for i in range(cols)]],
            *[[f"2024-{m:02d}-01", *range(cols + 10, 10, -1)] for m in range(1, 13)]]


def check_report(report: Any) -> dict[str, Any]:
    d = report.to_dict()
    assert all(A1.match(p["cell"]) for p in d["problems"] if p["cell"]), "a problem without cell"
    grid = render(d, lang="en", title="KPI", synced_at=datetime.now(UTC))
    shown = sum(1 for r in grid.rows if len(r) > 1 and isinstance(r[1], str)
                and A1.match(r[1] or ""))
    assert shown == min(len(d["problems"]), PROBLEM_ROWS_MAX)
    return d


def prove(rows_n: int, cols_n: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    rows, _, revenue = deal_log(rows_n)
    t = time.perf_counter()
    d = check_report(analyse([Tab("Deals", rows)], today=TODAY).report)
    figures["deal_log_seconds"] = round(time.perf_counter() - t, 2)
    codes = [p["code"] for p in d["problems"]]
    # every 7th status is unknown, every 10th amount unreadable (the 3rd of each ten)
    assert codes.count("unknown_status") == len(range(0, rows_n, 7))
    assert codes.count("not_a_number") == len(range(3, rows_n, 10))
    assert d["total"]["kpis"]["revenue"] == pytest.approx(revenue)
    figures["deal_log_problems"] = len(codes)

    rows = summary_rows(rows_n)
    t = time.perf_counter()
    d = check_report(analyse([Tab("Summary", rows)], today=TODAY).report)
    figures["summary_seconds"] = round(time.perf_counter() - t, 2)
    assert len(d["periods"]) == min(30, rows_n)
    dups = [p for p in d["problems"] if p["code"] == "duplicate_period"]
    assert len(dups) == max(0, rows_n - 30) and dups[0]["cell"] == "A32"
    jan = {s["key"]: s for s in d["periods"][0]["stages"]}
    assert jan["meetings"]["step_conversion"] == pytest.approx(300 / 1000)  # 0.3

    t = time.perf_counter()
    d = check_report(analyse([Tab("Wide", wide_rows(cols_n))], today=TODAY).report)
    figures["wide_seconds"] = round(time.perf_counter() - t, 2)
    # every count column is a stage where it stands, each one said ("stage_by_position")
    keys = [s["key"] for s in d["periods"][0]["stages"]]
    assert keys[:3] == ["leads", "meetings", "paid"] and len(keys) == 3 + cols_n
    assert sum(p["code"] == "stage_by_position" for p in d["problems"]) == cols_n
    assert d["status"] == "check"

    t = time.perf_counter()
    d = check_report(analyse([Tab("Own", inferred_rows(cols_n))], today=TODAY).report)
    figures["inferred_stages_seconds"] = round(time.perf_counter() - t, 2)
    stages = d["periods"][0]["stages"]
    assert len(stages) == cols_n
    # counts fall by one per stage: step conversion k / (k + 1) at the last stage
    assert stages[-1]["step_conversion"] == pytest.approx(11 / 12)
    return figures


def test_fifty_thousand_rows_and_a_thousand_columns() -> None:
    prove(50_000, 1_000)


@pytest.mark.slow
def test_a_million_rows_and_ten_thousand_columns() -> None:
    figures = prove(1_000_000, 10_000)
    save_figures("big_inputs", {"rows": 1_000_000, "columns": 10_000, **figures})
