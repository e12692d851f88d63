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
a float64 array, built outside the time); goal: at most 2.0. Beside them, the floor of that
interface: the same call into functions that read the range with the same converter and compute
nothing, one returning CONVERSIONS' answer made before the clock started (what any function
with this result costs: Excel's tuple of one-cell rows in, a new row per result cell out), one
handing the numbers it read back; and xlwings' raw accessor echoing Excel's rows (its call
machinery alone). All in interleaved turns, the order turned each time, with the garbage
collector as the product has it (bench/fair.py), timed by the wall clock and by the process's
CPU time (the machine is shared; CPU time leaves out the waits for a core). Each timed call
includes freeing its result, as a call from Excel does once pywin32 has copied the rows.
Printed: CONVERSIONS / core formula (the goal's ratio), CONVERSIONS / floor, floor / core.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
import statistics
import sys
import time
from collections.abc import Callable
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fair import GcSwitch, spread
from excel_udfs import adapters as A
from excel_udfs import udfs
from excel_udfs.arrays import ArrayArg, Spill, read_numbers, write_spill
from excel_udfs.converters import NumberArray
from funnel_kpi import formulas as F
from tests.excel import conftest as excel_conftest

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


# --- through xlwings: CONVERSIONS, the floor of its interface, and the core formula -----------
#
# The floor functions are decorated in ``through_xlwings`` with xlwings' real decorators (which
# need the stubs of tests/excel/conftest.py in place) and called by ``call_udf`` from this
# module, as Excel calls CONVERSIONS from excel_udfs.udfs.

Step = tuple[Callable[[], Any], Callable[[Any], Any]]  # (untimed set-up, timed step on it)
FLOOR, CORE = "floor: its answer precomputed", "core: step_conversion_array"
_PRECOMPUTED: list[Spill] = []  # CONVERSIONS' answer for the bench's column, made untimed


def FLOOR_PRECOMPUTED(stage_counts: Any) -> Any:
    """Reads the range through NumberArray, as CONVERSIONS does, and returns CONVERSIONS'
    own answer computed before the clock started, written by the same writer: what any
    function with this result costs through the interface, whatever it computes."""
    return _PRECOMPUTED[0]


def FLOOR_IDENTITY(stage_counts: ArrayArg) -> Any:
    """Reads the range through NumberArray and hands the same numbers back, as a column of
    the input's length, through the same writer: in and out with nothing computed."""
    assert stage_counts.numbers is not None
    values = stage_counts.numbers.reshape(-1)
    return Spill(values, np.zeros(values.shape, dtype=np.int8), ("",), "column")


def RAW_ECHO(stage_counts: Any) -> Any:
    """xlwings' raw accessor both ways: Excel's rows handed back as they came. What xlwings'
    call machinery costs alone, without reading a number or making a row."""
    return stage_counts


def _nothing() -> None:
    return None


def _decorate(xlwings_udfs: Any) -> None:
    """The floor functions made xlwings UDFs with CONVERSIONS' options (raw ones for RAW_ECHO)."""
    for fn, convert in ((FLOOR_PRECOMPUTED, NumberArray), (FLOOR_IDENTITY, NumberArray),
                        (RAW_ECHO, "raw")):
        xlwings_udfs.xlret(convert)(fn)
        xlwings_udfs.xlarg("stage_counts", convert, ndim=2, err_to_str=True)(fn)
        xlwings_udfs.xlfunc()(fn)


def through_xlwings(column: tuple[tuple[float], ...], turns: int = 15) -> None:
    """CONVERSIONS as Excel calls it (xlwings' call_udf), the floor of that interface (the
    same calls into functions that compute nothing) and the core formula CONVERSIONS computes
    with (``step_conversion_array``) alone, on the same input, in interleaved turns, wall and
    CPU time (the machine is shared: CPU time is what the process itself spent)."""
    stubbed = excel_conftest.xlwings_udfs.__wrapped__()  # the tests' xlwings set-up
    xlwings_udfs = next(stubbed)
    try:
        sys.modules.pop("excel_udfs.udfs", None)
        importlib.import_module("excel_udfs.udfs")  # decorated by xlwings' real decorators
        _decorate(xlwings_udfs)
        here = __name__  # call_udf imports the module of the floor functions by name

        def excel(module: str, name: str) -> Callable[[Any], Any]:
            return lambda rows: xlwings_udfs.call_udf(module, name, (rows,))

        numbers = [c for (c,) in column]
        counts = np.array(numbers, dtype=np.float64)
        values, codes = F.step_conversion_array(counts)
        _PRECOMPUTED[:] = [Spill(values, codes, F.STEP_REASONS, "column")]
        conversions = excel("excel_udfs.udfs", "CONVERSIONS")
        answer = conversions(column)
        assert excel(here, "FLOOR_PRECOMPUTED")(column) == answer  # the same rows, every cell
        assert len(excel(here, "FLOOR_IDENTITY")(column)) == len(column)

        def fresh_rows() -> tuple[tuple[float], ...]:
            """The column as pywin32 hands it to a call: rows and floats made just before."""
            return tuple((x + 0.0,) for x in numbers)

        def fresh_counts() -> Any:
            return np.array(numbers, dtype=np.float64)

        def whole(call: Callable[[Any], Any], made: Callable[[], Any] = fresh_rows) -> Step:
            """A call from Excel: its result freed inside the time, as after pywin32's copy."""
            def run(rows: Any) -> None:
                call(rows)
            return made, run

        spill = A.conversions(read_numbers(column))
        assert isinstance(spill, Spill)
        first = itemgetter(0)
        runs: dict[str, Step] = {
            "CONVERSIONS": whole(conversions),
            FLOOR: whole(excel(here, "FLOOR_PRECOMPUTED")),
            "floor: the input handed back": whole(excel(here, "FLOOR_IDENTITY")),
            "xlwings alone: raw rows echoed": whole(excel(here, "RAW_ECHO")),
            CORE: whole(F.step_conversion_array, fresh_counts),
            # where CONVERSIONS' time goes, piece by piece (each result kept past the clock)
            "  read: read_numbers": (fresh_rows, read_numbers),
            "  read, no checks (the least)": (fresh_rows, lambda rows: np.fromiter(
                map(first, rows), np.float64, count=len(rows))),
            "  compute: adapters.conversions": (lambda: read_numbers(fresh_rows()),
                                                A.conversions),
            "  write: write_spill": (lambda: spill, write_spill),
            "  free the 99,999 result rows": (lambda: write_spill(spill),
                                              lambda rows: rows.clear()),
        }
        switch = GcSwitch.probe(lambda: conversions(column))
        wall: dict[str, list[float]] = {k: [] for k in runs}
        cpu: dict[str, list[float]] = {k: [] for k in runs}
        order = list(runs)
        for turn in range(turns):  # interleaved, the order turned each time
            for label in order[turn % len(order):] + order[:turn % len(order)]:
                make, step = runs[label]
                with switch.turn():
                    state = make()  # after the turn's collection, outside the clock
                    c0, t0 = time.process_time(), time.perf_counter()
                    out = step(state)
                    t1, c1 = time.perf_counter(), time.process_time()
                    del out, state
                wall[label].append(t1 - t0)
                cpu[label].append(c1 - c0)
        print(f"\nCONVERSIONS over {len(column):,} one-cell rows through xlwings' call_udf, "
              f"{turns} interleaved turns; {switch.describe()}")
        print(f"{'':<34} {'wall median':>12} {'CPU median':>11}")
        for label in runs:
            print(f"{label:<34} {statistics.median(wall[label]) * 1000:>9.2f} ms "
                  f"{statistics.median(cpu[label]) * 1000:>8.2f} ms")
        pairs = (("CONVERSIONS / core formula (goal <= 2.0)", "CONVERSIONS", CORE),
                 ("CONVERSIONS / floor", "CONVERSIONS", FLOOR),
                 ("floor / core formula", FLOOR, CORE),
                 ("identity floor / core formula", "floor: the input handed back", CORE))
        print("paired ratios, turn by turn:")
        for title, a, b in pairs:
            for clock, times in (("wall", wall), ("CPU", cpu)):
                ratios = [x / y for x, y in zip(times[a], times[b], strict=True)
                          if y > 0]  # CPU time of 0.7 ms can read 0 on a coarse clock
                print(f"  {title:<42} {clock:<4} {spread(ratios)}")
    finally:
        stubbed.close()
        sys.modules.pop("excel_udfs.udfs", None)


if __name__ == "__main__":
    sys.exit(main())
