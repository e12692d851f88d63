"""The cases the add-ons' JavaScript functions are checked on, and the Python's answers to them.

``python -m tests.addon.cases`` writes tests/addon/cases.json; test_cases.py checks that the
Python still gives exactly those answers (the Excel functions, excel_udfs.adapters, and the
service, POST /functions), and sheets_addon/test/functions.test.js and
office_addin/test/functions.test.js check that the generated JavaScript gives them too.

An answer is what the Excel function's cell shows: a number, an error text ("#DIV/0!"), the
message of a call that makes no sense ("<en> / <ru>"), or rows of those. Arguments are what Apps
Script hands a custom function: numbers, texts, booleans, "" for a blank cell, rows of those for a
range. A case marked ``spread`` gives ranges where single values go: the add-on runs it once per
cell (sheets_addon/lib/run.js), so its answer is the Excel function's, cell by cell.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from excel_udfs import adapters as A
from excel_udfs.arrays import Spill
from excel_udfs.errors import CellError, error_for
from funnel_kpi import registry
from sheets_sync.addon_cli import is_local

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases.json"
Case = dict[str, Any]

NUMBER_TEXTS = ["1 234,56 ₽", "12%", "$1,200.50", "(1 200)", "1,234", "1.234.567", "1e3", "-5",
                "€ 10", "10 руб.", "1\u00a0000", "0,5", " 42 ", "1'000", "−7", "12 %", ".5",
                "1.2.3", "5 $ %", "--5", "abc", "#N/A", "#DIV/0!", "#REF!", "#FOO!", "", "  "]
ODD_CELLS: list[Any] = ["", None, "abc", True, False, "#N/A", "#VALUE!", 0, 0.0, -1, [[7]],
                        [[None]], "12%", "1 234,56 ₽"]
EXTREMES = [1e308, -1e308, 1e-300, 5e-324, 1.5e300, 0.1, 1 / 3, 123456789.123]


def plain(out: Any) -> Any:
    """An Excel function's result as the JSON of a cell or rows of cells."""
    if isinstance(out, Spill):
        cells = [v if code == 0 else error_for(out.reasons[code]).text
                 for v, code in zip(out.values.tolist(), out.codes.tolist(), strict=True)]
        return [cells] if out.orientation == "row" else [[c] for c in cells]
    if isinstance(out, CellError):
        return out.text
    if isinstance(out, list):
        return [[plain(x) for x in row] for row in out]
    return out


def excel(name: str, args: list[Any]) -> Any:
    """What the Excel function shows for these arguments (excel_udfs.adapters)."""
    if name == "CONVERSIONS":
        return plain(A.conversions(*args))
    if name == "FUNNEL":
        return plain(A.funnel(*args))
    if name == "BOTTLENECK":
        return plain(A.bottleneck(*args))
    return plain(A.run(name, *args))


TABLES = ("CONVERSIONS", "FUNNEL", "BOTTLENECK")


def spread_shape(name: str, args: list[Any]) -> tuple[int, int] | str | None:
    """The shape single-value arguments given ranges run over (run.js shapeOf), None, or the
    message for ranges of different sizes."""
    if name in TABLES:
        return None
    spec = registry.FUNCTIONS[name]
    shape: tuple[int, int] | None = None
    for a, x in zip(spec.args, args, strict=False):
        if not a.array and isinstance(x, list) and len(x) * len(x[0] if x else []) > 1:
            mine = (len(x), len(x[0]))
            if shape is not None and shape != mine:
                a_, b_ = f"{shape[0]}x{shape[1]}", f"{mine[0]}x{mine[1]}"
                return (f"the ranges of {name} must be the same size ({a_} and {b_}) / "
                        f"диапазоны {name} должны быть одного размера ({a_} и {b_})")
            shape = mine
    return shape


def at(name: str, args: list[Any], r: int, c: int) -> list[Any]:
    spec = registry.FUNCTIONS[name]
    out = []
    for i, x in enumerate(args):
        if i < len(spec.args) and not spec.args[i].array and isinstance(x, list):
            x = x[0][0] if len(x) * len(x[0]) == 1 else x[r][c]
        out.append(x)
    return out


def answer(name: str, args: list[Any]) -> Any:
    shape = spread_shape(name, args)
    if shape is None:
        return excel(name, args)
    if isinstance(shape, str):
        return shape
    return [[excel(name, at(name, args, r, c)) for c in range(shape[1])]
            for r in range(shape[0])]


def case(name: str, args: list[Any]) -> Case:
    return {"function": name, "args": args, "spread": spread_shape(name, args) is not None,
            "expected": answer(name, args)}


# --- the arguments ----------------------------------------------------------------------------

def scalar_cases(fn: registry.Function, rng: random.Random) -> Iterator[list[Any]]:
    n = len(fn.args)
    required = sum(1 for a in fn.args if not a.optional)
    numbers = [i for i, a in enumerate(fn.args) if a.unit in registry.NUMBER_UNITS]
    base: list[Any] = [[120, 30, 12, 0.3][i % 4] if a.unit in registry.NUMBER_UNITS
                       else a.choices[0][0] for i, a in enumerate(fn.args)]
    yield base
    yield base[:required]  # optional ones left out: their defaults
    yield [*base, 1]  # one too many
    yield base[:max(required - 1, 0)]  # one too few: a blank, as the Excel function reads it
    for i in numbers:
        for odd in ODD_CELLS:
            yield [*base[:i], odd, *base[i + 1:]]
        for text in NUMBER_TEXTS:
            yield [*base[:i], text, *base[i + 1:]]
        for x in EXTREMES:
            yield [*base[:i], x, *base[i + 1:]]
        yield [*base[:i], [[1, 2]], *base[i + 1:]]  # a range where one value goes: spread
    for a_index, a in enumerate(fn.args):
        if a.choices:
            for spelling in ["", "  ", "bogus", "ABS", "абсолютный", "median", "s", "маркетинг",
                             "Marketing", 5, None]:
                yield [*base[:a_index], spelling, *base[a_index + 1:]]
    for _ in range(40):  # random numbers, zeros and blanks among them
        args = list(base)
        for i in numbers:
            roll = rng.random()
            args[i] = (0 if roll < 0.1 else "" if roll < 0.15 else rng.randint(-5, 2000)
                       if roll < 0.55 else rng.uniform(-1e6, 1e6) if roll < 0.9
                       else rng.choice(EXTREMES))
        yield args
    if numbers:  # ranges in, arrays out: columns and a 2 x 2 block
        column = [[rng.randint(0, 500)] for _ in range(6)] + [[0], [""], ["x"], ["#N/A"]]
        other = [[rng.randint(0, 500)] for _ in range(10)]
        yield [column if i == numbers[0] else other if i in numbers else base[i]
               for i in range(n)]
        yield [[[1, 2], [3, 0]] if i == numbers[0] else base[i] for i in range(n)]
        if len(numbers) > 1:
            yield [[[1, 2]] if i == numbers[0] else [[1, 2, 3]] if i == numbers[1] else base[i]
                   for i in range(n)]  # ranges of different sizes


def range_cases(fn: registry.Function, rng: random.Random) -> Iterator[list[Any]]:
    counts = [1000, 400, 120, 30, 12]
    owners = ["marketing", "marketing", "sales", "sales", "sales"]
    fill: dict[str, Any] = {"stage_counts": [counts], "owners": [owners], "owner": "sales",
                            "stage_names": [["Leads", "Meetings", "Proposals", "Contracts",
                                             "Paid"]], "kind": "conversion"}
    base = [fill[a.name] for a in fn.args]
    yield base
    variants: list[Any] = [
        [[c] for c in counts], [[1000, 0, 5, 5]], [[0, 0, 0]], [[10, "", 5, 2]], [[10, "x", 5]],
        [[10, "#N/A", 5]], [[10]], [[]], [[1, 2], [3, 4]], [[100, 200, 50]], [[5, 5, 5]],
        [["1 000", "25%", 0.1]], [[True, 10, 5]], 5, "", [[1e308, 1e-308, 1.0]],
        [[rng.randint(0, 1000) for _ in range(8)]]]
    for v in variants:
        yield [v if a.name == "stage_counts" else base[i] for i, a in enumerate(fn.args)]
    if any(a.name == "owners" for a in fn.args):
        for owners_v in ([["m", "m", "s", "s", "s"]], [["маркетинг", "продажи", "s", "s", "s"]],
                         [["marketing", "", "sales", "sales", "sales"]],
                         [["marketing", "bogus", "sales", "sales", "sales"]],
                         [["sales"] * 5], [["marketing"] * 5], [["marketing", "sales"]],
                         [[o] for o in owners]):
            yield [owners_v if a.name == "owners" else base[i] for i, a in enumerate(fn.args)]
    if any(a.name == "owner" for a in fn.args):
        for owner in ("marketing", "продажи", "M", "", "bogus", 3):
            yield [owner if a.name == "owner" else base[i] for i, a in enumerate(fn.args)]
    yield base[:1]
    if fn.name != "CONVERSIONS":  # Excel itself refuses a fourth argument to a UDF of one
        yield [*base, "extra"]


REMOTE: dict[str, list[list[Any]]] = {
    "FUNNEL": [
        [[["Leads"], ["Meetings"], ["Paid"]], [[100], [20], [5]]],
        [[["Лиды", "Встречи", "Оплаты"]], [[100, 0, 5]]],
        [[["Leads", "Meetings"]], [[100, 20]], [["sales", "marketing"]]],
        [[["a"]], [[1]]],
        [[["Leads", "Paid"]], [[100, 20, 3]]],
    ],
    "BOTTLENECK": [
        [[["Leads", "Meetings", "Paid"]], [[100, 20, 5]]],
        [[["Leads", "Meetings", "Paid"]], [[100, 20, 5]], "loss"],
        [[["Leads", "Meetings", "Paid"]], [[0, 0, 0]]],
    ],
    "STAGETIME": [
        [[["2024-01-01"], ["2024-01-05"], [""]], [["2024-01-11"], ["2024-02-01"], ["2024-03-01"]]],
        [[["2024-01-01", "2024-01-05"]], [["2024-01-11", "2024-01-06"]], "median"],
        [[[45292], [45300]], [[45299], [45310]]],
        [[["2024-01-10"]], [["2024-01-01"]]],
    ],
    "SEASONALINDEX": [
        [[[f"{y}-{m:02d}-01"] for y in (2022, 2023) for m in range(1, 13)],
         [[10 + m + (y - 2022) * 3] for y in (2022, 2023) for m in range(1, 13)], 3],
        [[["2024-01-01"]], [[1]], 1],
    ],
    "REVENUEFORECAST": [
        [[["Proposal"], ["Contract"], ["Proposal"]], [[1000], [2000], [500]],
         [["proposal", "contract"]], [[0.5, 0.8]]],
        [[["Proposal"]], [[1000]], [["Contract"]], [[0.8]]],
    ],
}


def build_cases() -> list[Case]:
    rng = random.Random(16)
    out: list[Case] = []
    for name, fn in registry.FUNCTIONS.items():
        if is_local(fn):
            gen = range_cases if any(a.array for a in fn.args) else scalar_cases
            out.extend(case(name, args) for args in gen(fn, rng))
    for name, calls in REMOTE.items():
        out.extend(case(name, args) for args in calls)
    return out


def dumps(cases: list[Case]) -> str:
    return "[\n" + ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases) + "\n]\n"


if __name__ == "__main__":
    CASES.write_text(dumps(build_cases()), "utf-8")
    print(f"wrote {CASES}")
