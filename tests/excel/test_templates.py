"""The templates: Excel (recalculated by the `formulas` package, the UDFs registered) and the
service (``sheets-sync compute`` on the same file) agree on every KPI cell to 1e-9.

A KPI cell whose value the service reports as null must show an Excel error (or stay blank);
it must never show 0. The checked-in files must be what templates/build.py writes.
"""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
import schedula as sh
from formulas.tokens.operand import XlError
from openpyxl.worksheet.formula import ArrayFormula

from tests.excel.recalc import recalculate, udfs_registered

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
TODAY = "2025-06-01"  # after every example month: no month in progress, no pending cohort


def _load_build() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("templates_build", TEMPLATES / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


build = _load_build()
NAMES = sorted(build.BUILDERS)


def service_report(path: Path) -> dict[str, Any]:
    """The JSON report of ``sheets-sync compute PATH --format json``."""
    done = subprocess.run(
        [sys.executable, "-m", "sheets_sync", "compute", str(path), "--format", "json",
         "--today", TODAY], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def expected_value(report: dict[str, Any], period: str, path: tuple[str, ...]) -> Any:
    if period == "total":
        node: Any = report["total"]
    else:
        node = next(p for p in report["periods"] if p["period"] == period)
    head, *rest = path
    if head == "stages":
        key, field = rest
        return next(s for s in node["stages"] if s["key"] == key).get(field)
    node = node[head]
    for part in rest:
        node = node[part] if node is not None else None
    return node


def is_undefined(x: Any, path: tuple[str, ...]) -> bool:
    """An Excel error; or, for the step into the first stage (not applicable), a blank."""
    if isinstance(x, XlError):
        return True
    blank = x is None or x is sh.EMPTY or (isinstance(x, str) and x == "")
    return blank and path[0] == "stages" and path[-1] in ("step_conversion", "drop_off")


def as_number(x: Any) -> float | None:
    if isinstance(x, bool):
        return None
    if isinstance(x, int | float | np.integer | np.floating):
        return float(x)
    return None


def compare(checks: list[Any], report: dict[str, Any], engine: str,
            value_at: Callable[[str], Any]) -> tuple[list[str], int]:
    """Every KPI cell (read with `value_at`, an error as an XlError) against the service's value:
    the cells that differ, described, and how many cells had a defined number to compare."""
    mismatches = []
    defined = 0
    for check in checks:
        want = expected_value(report, check.period, check.path)
        got = value_at(check.cell)
        where = f"{check.cell} {check.period} {'/'.join(check.path)}: {engine} {got!r}, " \
                f"service {want!r}"
        if want is None:
            if not is_undefined(got, check.path):
                mismatches.append(where)
        elif check.texts is not None:
            if check.texts.get(want) != got:
                mismatches.append(where)
        else:
            number = as_number(got)
            defined += 1
            if number is None or not math.isclose(number, want, rel_tol=1e-9, abs_tol=1e-9):
                mismatches.append(where)
    return mismatches, defined


@pytest.fixture(scope="module")
def udf_names(udf_module: types.ModuleType) -> list[str]:
    return [f.__name__ for f in udf_module.FUNCTIONS]


@pytest.mark.parametrize("name", NAMES)
def test_excel_and_service_agree(name: str, call: Callable[..., Any],
                                 udf_names: list[str]) -> None:
    path = TEMPLATES / name
    _, checks = build.build(name)
    with udfs_registered(call, udf_names):
        values = recalculate(path)
    report = service_report(path)
    sheet = build.KPI_TAB["ru" if "_ru" in name else "en"].upper()
    mismatches, defined = compare(checks, report, "excel", lambda ref: values.get((sheet, ref)))
    assert not mismatches, f"{len(mismatches)} of {len(checks)} cells differ:\n" + \
        "\n".join(mismatches[:30])
    assert defined >= 20, "too few defined KPI cells to compare"


def test_some_cells_are_undefined_on_purpose() -> None:
    """August 2023 of the example has no payments: its CAC is undefined, not 0."""
    _, checks = build.build("funnel_summary_en.xlsx")
    report = service_report(TEMPLATES / "funnel_summary_en.xlsx")
    aug = [c for c in checks if c.period == "2023-08" and c.path == ("kpis", "cac")]
    assert len(aug) == 1
    assert expected_value(report, "2023-08", ("kpis", "cac")) is None


def _cell_content(value: Any) -> Any:
    if isinstance(value, ArrayFormula):
        return ("array", value.ref, value.text)
    return value


@pytest.mark.parametrize("name", NAMES)
def test_checked_in_template_is_what_build_writes(name: str, tmp_path: Path) -> None:
    wb, _ = build.build(name)
    fresh = tmp_path / name
    wb.save(fresh)
    a, b = openpyxl.load_workbook(fresh), openpyxl.load_workbook(TEMPLATES / name)
    assert a.sheetnames == b.sheetnames
    for ws in a.worksheets:
        other = b[ws.title]
        assert ws.max_row == other.max_row and ws.max_column == other.max_column, ws.title
        for row in ws.iter_rows():
            for c in row:
                assert _cell_content(c.value) == _cell_content(other[c.coordinate].value), \
                    f"{name} {ws.title}!{c.coordinate}: run python templates/build.py"
