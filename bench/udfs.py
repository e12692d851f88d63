"""Per-call Python time of the Excel functions with Excel-shaped input, against the goals.

    python bench/udfs.py

Goals: under 1 ms per call for single-cell functions; under 50 ms for CONVERSIONS over a
100,000-cell column. Prints each time and its ratio to the goal (below 1.0 meets it). The time
is the function as xlwings calls it (argument coercion, funnel_kpi.formulas, the result rows),
without Excel's own COM marshalling, which no Python code can change.

Then CONVERSIONS over the 100,000-cell column through xlwings' conversion layer (its real
``call_udf``: argument and result converters, with Windows' two cleaning functions standing in
for the COM engine, as tests/excel/conftest.py has them) against the core formula alone, the one
CONVERSIONS computes with (``funnel_kpi.formulas.step_conversion_array`` on the same numbers as
a float64 array, built outside the time), in interleaved
turns with the garbage collector as the product has it (bench/fair.py); goal: at most 2.0.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from excel_udfs import udfs

SINGLE_GOAL_MS = 1.0
COLUMN_GOAL_MS = 50.0


def per_call_ms(fn: Callable[[], Any], *, min_seconds: float = 0.2) -> float:
    """Median of five runs, each as many calls as fill ``min_seconds`` / 5."""
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < min_seconds / 5:
        fn()
        n += 1
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter() - t0) / n)
    return statistics.median(runs) * 1000


def main() -> int:
    rng = random.Random(7)
    stages = ("Traffic", "Leads", "Briefs", "Accepted by sales", "Meetings", "Proposals",
              "Contracts", "Paid")
    names = (stages,)
    counts = ((42000.0, 950.0, 430.0, 280.0, 205.0, 135.0, 60.0, 54.0),)
    day = dt.datetime(2024, 1, 1)
    starts = tuple((day + dt.timedelta(days=rng.randrange(300)),) for _ in range(500))
    ends = tuple((s + dt.timedelta(days=rng.randrange(30)),) for (s,) in starts)
    column = tuple((float(rng.randint(1, 1000)),) for _ in range(100_000))

    single: list[tuple[str, Callable[[], Any]]] = [
        ("CONVERSION(30, 20)", lambda: udfs.CONVERSION(30.0, 20.0)),
        ('CONVERSION("1 234,5", "617,25")', lambda: udfs.CONVERSION("1 234,5", "617,25")),
        ("CPL(spend, leads)", lambda: udfs.CPL(90000.0, 300.0)),
        ("CAC(spend, customers, cost)", lambda: udfs.CAC(90000.0, 30.0, 60000.0)),
        ("LTV(check, 1.5, 24, 0.3)", lambda: udfs.LTV(80000.0, 1.5, 24.0, 0.3)),
        ("WINRATE(won, lost)", lambda: udfs.WINRATE(30.0, 70.0)),
        ("GROWTHRATE(cur, prev)", lambda: udfs.GROWTHRATE(110.0, 100.0)),
        ("OVERALL(8 stages)", lambda: udfs.OVERALL(counts)),
        ('KPI("cac", ...)', lambda: udfs.KPI("cac", 90000.0, 30.0, 60000.0)),
        ("CONVERSION(0, 5) -> #DIV/0!", lambda: udfs.CONVERSION(0.0, 5.0)),
        ("FUNNEL(8 stages) table", lambda: udfs.FUNNEL(names, counts)),
        ("BOTTLENECK(8 stages)", lambda: udfs.BOTTLENECK(names, counts)),
        ("STAGETIME(500 date pairs)", lambda: udfs.STAGETIME(starts, ends)),
    ]
    print(f"{'function':<36} {'ms/call':>10} {'goal ms':>8} {'ratio':>7}")
    for label, fn in single:
        ms = per_call_ms(fn)
        print(f"{label:<36} {ms:>10.4f} {SINGLE_GOAL_MS:>8.1f} {ms / SINGLE_GOAL_MS:>7.3f}")
    ms = per_call_ms(lambda: udfs.CONVERSIONS(column), min_seconds=3.0)
    print(f"{'CONVERSIONS(100,000 cells) to a Spill':<36} {ms:>10.2f} {COLUMN_GOAL_MS:>8.1f} "
          f"{ms / COLUMN_GOAL_MS:>7.3f}")
    through_xlwings(column)
    return 0


def through_xlwings(column: tuple[tuple[float], ...], turns: int = 15) -> None:
    """CONVERSIONS as Excel calls it (xlwings' call_udf) against the core formula it computes
    with (``step_conversion_array``) alone, on the same input."""
    import importlib

    import numpy as np

    from bench.fair import GcSwitch, spread
    from funnel_kpi import formulas as F
    from tests.excel import conftest as excel

    stubbed = excel.xlwings_udfs.__wrapped__()  # the tests' xlwings set-up, as a generator
    xlwings_udfs = next(stubbed)
    try:
        sys.modules.pop("excel_udfs.udfs", None)
        importlib.import_module("excel_udfs.udfs")  # decorated by xlwings' real decorators

        def excel_call() -> Any:
            return xlwings_udfs.call_udf("excel_udfs.udfs", "CONVERSIONS", (column,))

        counts = np.array([c for (c,) in column], dtype=np.float64)

        def core() -> Any:
            return F.step_conversion_array(counts)

        switch = GcSwitch.probe(excel_call)
        ours, base = [], []
        for _ in range(turns):  # interleaved
            for fn, times in ((excel_call, ours), (core, base)):
                with switch.turn():
                    t0 = time.perf_counter()
                    fn()
                    times.append(time.perf_counter() - t0)
        ratios = [o / b for o, b in zip(ours, base, strict=True)]
        print(f"CONVERSIONS(100,000 cells) through xlwings' conversion layer: "
              f"median {statistics.median(ours) * 1000:.1f} ms; core "
              f"funnel_kpi.formulas.step_conversion_array alone: median "
              f"{statistics.median(base) * 1000:.2f} ms; {switch.describe()}")
        print(f"ratio through xlwings / core: {spread(ratios)}  (goal <= 2.0)")
    finally:
        stubbed.close()
        sys.modules.pop("excel_udfs.udfs", None)


if __name__ == "__main__":
    sys.exit(main())
