"""Each CRM's deal export, read as it comes, gives the figures worked out by hand in
tests.crm.exports: in memory (``analyse``), from a real .xlsx file through the CLI, and from the
export's CSV (its encoding and delimiter) through the CLI.

Every mismatch of a fixture is listed in one failure message ("total.win_rate: expected ...,
got ..."), so one run tells all that is wrong with a reading.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest

from funnel_kpi import Tab
from funnel_kpi.api import analyse
from tests.crm.exports import FIXTURES
from tests.crm.model import Expected, Figures, Fixture

REPO = Path(__file__).resolve().parents[2]
EXIT_CODE = {"ok": 0, "check": 3}  # the CLI's contract: 0 for ok, 3 for check


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("sheets-sync")
    return [str(script)] if script.exists() else [sys.executable, "-m", "sheets_sync"]


def in_memory(fx: Fixture) -> dict[str, Any]:
    report = analyse([Tab(fx.tab, fx.rows)], today=fx.today).report
    as_json: dict[str, Any] = json.loads(json.dumps(report.to_dict()))  # the CLI's types
    return as_json


def run_cli(fx: Fixture, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_cli(), "compute", str(path), "--format", "json", "--today", fx.today.isoformat()],
        capture_output=True, text=True, cwd=REPO, timeout=120, check=False)


def write_xlsx(fx: Fixture, path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = fx.tab
    for row in fx.rows:
        ws.append(row)
    wb.save(path)


# --- comparing a report with the hand-worked figures ------------------------------------------

class Diffs(list[str]):
    def num(self, where: str, want: float | None, got: Any) -> None:
        if want is None or got is None:
            if want is not got:
                self.append(f"{where}: expected {want!r}, got {got!r}")
        elif not isinstance(got, int | float) or not math.isclose(
                want, got, rel_tol=1e-9, abs_tol=1e-9):
            self.append(f"{where}: expected {want!r}, got {got!r}")

    def eq(self, where: str, want: Any, got: Any) -> None:
        if want != got:
            self.append(f"{where}: expected {want!r}, got {got!r}")


def from_cli(fx: Fixture, proc: subprocess.CompletedProcess[str]) -> tuple[dict[str, Any], Diffs]:
    """The report the CLI printed, and a mismatch if its exit code is not the status's."""
    d = Diffs()
    want = EXIT_CODE[fx.expected.status]
    if proc.returncode != want:
        d.append(f"exit code: expected {want} for status {fx.expected.status!r}, "
                 f"got {proc.returncode}; stderr: {proc.stderr.strip()[:300]!r}")
    try:
        report: dict[str, Any] = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"{fx.name}: no JSON report; {d}; stdout: {proc.stdout[:300]!r}")
    return report, d


def _check_figures(d: Diffs, where: str, want: Figures, part: dict[str, Any] | None,
                   n_stages: int) -> None:
    if part is None:
        d.append(f"{where}: missing")
        return
    stages = part.get("stages") or []
    counts = [s.get("count") for s in stages]
    if len(counts) != n_stages:
        d.append(f"{where}.stages: expected {n_stages} stages, got {len(counts)}: "
                 f"{[s.get('key') for s in stages]}")
    else:
        for i, (w, g) in enumerate(zip(want.counts, counts, strict=True)):
            d.num(f"{where}.stages[{i}:{stages[i].get('key')}].count", w, g)
    kpis = part.get("kpis") or {}
    d.num(f"{where}.kpis.new_customers (won)", want.won, kpis.get("new_customers"))
    d.num(f"{where}.kpis.lost_deals", want.lost, kpis.get("lost_deals"))
    if counts and isinstance(counts[0], int | float):
        won, lost = kpis.get("new_customers") or 0, kpis.get("lost_deals") or 0
        d.num(f"{where}: open (leads - won - lost)", want.open, counts[0] - won - lost)
    d.num(f"{where}.kpis.revenue", want.revenue, kpis.get("revenue"))
    d.num(f"{where}.kpis.win_rate", want.win_rate, kpis.get("win_rate"))
    d.num(f"{where}.kpis.average_deal", want.average_deal, kpis.get("average_deal"))
    d.num(f"{where}.kpis.sales_cycle_days", want.cycle_mean, kpis.get("sales_cycle_days"))


def differences(fx: Fixture, report: dict[str, Any]) -> Diffs:
    want: Expected = fx.expected
    d = Diffs()
    d.eq("status", want.status, report.get("status"))
    funnel = report.get("funnel") or []
    n_stages = len(want.stages) + 2
    keys = [s.get("key") for s in funnel]
    if len(funnel) != n_stages or keys[0] != "leads" or keys[-1] != "paid":
        d.append(f"funnel: expected leads, {len(want.stages)} pipeline stages "
                 f"{list(want.stages)}, paid; got {[(s.get('key'), s.get('en')) for s in funnel]}")
    else:
        for label, stage in zip(want.stages, funnel[1:-1], strict=True):
            shown = {stage.get("en"), stage.get("ru")}
            if label is not None and label not in shown:
                d.append(f"funnel stage {stage.get('key')!r}: expected label {label!r}, "
                         f"got {sorted(str(s) for s in shown)}")
    total = report.get("total")
    _check_figures(d, "total", want.total, total, n_stages)
    stages = (total or {}).get("stages") or []
    if len(stages) == n_stages:
        for i, (w, s) in enumerate(zip(want.steps, stages, strict=True)):
            d.num(f"total.stages[{i}:{s.get('key')}].step_conversion", w,
                  s.get("step_conversion"))
    d.num("deal_log.median_cycle_days", want.cycle_median,
          (report.get("deal_log") or {}).get("median_cycle_days"))
    segments = report.get("segments") or {}
    for kind, expected in (("manager", want.by_manager), ("channel", want.by_channel)):
        got = segments.get(kind) or {}
        d.eq(f"segments.{kind} names", sorted(expected), sorted(got))
        for name, figs in expected.items():
            _check_figures(d, f"segments.{kind}[{name}]", figs, got.get(name), n_stages)
    problems = report.get("problems") or []
    d.eq("problems (cell, code)", sorted(want.problems),
         sorted((p.get("cell"), p.get("code")) for p in problems))
    for p in problems:
        d.eq(f"problem {p.get('cell')} tab", fx.tab, p.get("tab"))
    if want.status == "ok":
        d.eq("unknown_columns", [], report.get("unknown_columns"))
    return d


def assert_matches(fx: Fixture, report: dict[str, Any], before: Diffs | None = None) -> None:
    d = Diffs([*(before or []), *differences(fx, report)])
    assert not d, f"{fx.name}: {len(d)} mismatches\n" + "\n".join(d)


ids = [b.__name__ for b in FIXTURES]


@pytest.mark.parametrize("build", FIXTURES, ids=ids)
def test_in_memory(build: Callable[[], Fixture]) -> None:
    fx = build()
    assert_matches(fx, in_memory(fx))


@pytest.mark.parametrize("build", FIXTURES, ids=ids)
def test_xlsx_through_the_cli(build: Callable[[], Fixture], tmp_path: Path) -> None:
    fx = build()
    path = tmp_path / f"{fx.name}.xlsx"
    write_xlsx(fx, path)
    assert_matches(fx, *from_cli(fx, run_cli(fx, path)))


CSV_FIXTURES = [b for b in FIXTURES if b().csv is not None]


@pytest.mark.parametrize("build", CSV_FIXTURES, ids=[b.__name__ for b in CSV_FIXTURES])
def test_csv_through_the_cli(build: Callable[[], Fixture], tmp_path: Path) -> None:
    fx = build()
    assert fx.csv is not None
    path = tmp_path / f"{fx.name}.csv"
    path.write_bytes(fx.csv_bytes())
    proc = run_cli(fx, path)
    if proc.returncode == 2 and "not an .xlsx" in proc.stderr:
        pytest.skip(f"the CLI does not read CSV yet: {proc.stderr.strip()}")
    assert_matches(fx, *from_cli(fx, proc))


def test_the_csv_is_in_the_exports_encoding() -> None:
    """cp1251 for amoCRM (no UTF-8 decoding of it works), a BOM for Bitrix24."""
    amo = next(b for b in FIXTURES if b.__name__ == "amocrm_ru")()
    data = amo.csv_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert data.decode("cp1251").splitlines()[0].split(";")[3] == "Этап сделки"
    bitrix = next(b for b in FIXTURES if b.__name__ == "bitrix24_ru")()
    assert bitrix.csv_bytes().startswith(b"\xef\xbb\xbf")
