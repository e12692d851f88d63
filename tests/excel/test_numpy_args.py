"""CONVERSIONS reads and writes numpy arrays through xlwings' converters: a range of numbers and
blanks never goes through xlwings' per-cell cleaning, and the answer is the per-cell one."""

from __future__ import annotations

import datetime as dt
import math
import types
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from excel_udfs import adapters as A
from excel_udfs import coerce as C
from excel_udfs.arrays import read_numbers
from excel_udfs.converters import NumberArray
from funnel_kpi import formulas as F
from funnel_kpi import registry
from funnel_kpi.registry import NUMBER_UNITS
from tests.excel.conftest import WindowsLikeEngine

Call = Callable[..., Any]
DIV0, NA, NUM = "#DIV/0!", "#N/A", "#NUM!"
counts = st.lists(st.one_of(st.none(), st.just(0.0), st.just(-0.0),
                            st.floats(-1e6, 1e6, allow_nan=False),
                            st.floats(1e300, 1.7e308)), min_size=2, max_size=40)


def expected(values: list[float | None]) -> list[Any]:
    """The per-cell answer: funnel_kpi's step conversions, reasons as Excel errors."""
    errors = {"missing_input": NA, "no_entries": DIV0, "not_finite": NUM}
    return [v.value if v.value is not None else errors[str(v.reason)]
            for v in F.step_conversions(values)]


@settings(max_examples=200, deadline=None)
@given(counts)
def test_a_column_and_a_row_give_the_per_cell_answer(call: Call, values: list[float | None]
                                                     ) -> None:
    want = expected(values)
    assert call("CONVERSIONS", tuple((v,) for v in values)) == [[x] for x in want]
    assert call("CONVERSIONS", (tuple(values),)) == [want]


@given(counts)
def test_the_array_formula_is_the_per_cell_formula(values: list[float | None]) -> None:
    array = np.array([math.nan if v is None else v for v in values])
    got, codes = F.step_conversion_array(array)
    for g, c, w in zip(got.tolist(), codes.tolist(), F.step_conversions(values), strict=True):
        assert (g == w.value) if w.value is not None else (
            math.isnan(g) and F.STEP_REASONS[c] == w.reason)


def test_numbers_skip_xlwings_per_cell_cleaning(call: Call, udf_module: types.ModuleType,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    cleaned: list[str] = []

    def counting(name: str) -> Any:
        real = getattr(WindowsLikeEngine, name)

        def wrapper(*args: Any) -> Any:
            cleaned.append(name)
            return real(*args)

        return staticmethod(wrapper)

    for name in ("clean_value_data", "prepare_xl_data_element"):
        monkeypatch.setattr(WindowsLikeEngine, name, counting(name))
    column = tuple((float(i % 7),) for i in range(1000))
    result = call("CONVERSIONS", column)
    assert len(result) == 999 and result[1] == [2.0] and result[6] == [0.0]
    assert result[0] == result[7] == [DIV0]
    assert cleaned == []
    info = udf_module.CONVERSIONS.__xlfunc__
    assert info["ret"]["options"]["convert"].__name__ == "NumberArray"


def test_anything_but_numbers_is_read_cell_by_cell(call: Call) -> None:
    assert read_numbers(((1.0,), (None,), (3.0,))).numbers is not None
    for odd in (((1.0,), ("2",)), ((1.0,), (True,)), ((1.0,), (-2146826246,)),
                ((1.0, 2.0), (3.0,))):
        assert read_numbers(odd).numbers is None, odd
    assert call("CONVERSIONS", ((100.0,), ("50",), ("1 234,5",))) == [[0.5], [24.69]]
    assert call("CONVERSIONS", ((100.0,), (-2146826246,), (10.0,))) == [[NA]]  # error cell
    assert call("CONVERSIONS", ((100.0,), (True,))) == [[NA]]  # TRUE is not a count
    assert "at least two stages" in call("CONVERSIONS", ((100.0,),))[0][0]


# --- reading a range as an array: every shape, and what sends it cell by cell ------------------

def numbers_of(value: Any) -> list[list[float | None]] | None:
    """read_numbers' array as rows, NaN as None (to compare with ==), or None: cell by cell."""
    arg = read_numbers(value)
    if arg.numbers is None:
        return None
    return [[None if math.isnan(x) else x for x in r] for r in arg.numbers.tolist()]


def test_every_shape_of_numbers_and_blanks_is_read_as_an_array() -> None:
    assert numbers_of(((1.0,), (None,), (3.0,), (None,))) == [[1.0], [None], [3.0], [None]]
    assert numbers_of(((None, 2.0, None, 4.0),)) == [[None, 2.0, None, 4.0]]  # a single row
    assert numbers_of((1.0, None, 3.0)) == [[1.0, None, 3.0]]  # a flat sequence is a row
    assert numbers_of(((1.0, None), (3.0, 4.0))) == [[1.0, None], [3.0, 4.0]]  # 2-D
    assert numbers_of([[1.0], [2.0]]) == [[1.0], [2.0]]  # lists as well as tuples
    assert numbers_of(((None,), (None,))) == [[None], [None]]  # only blanks
    assert numbers_of(5.0) == [[5.0]] and numbers_of(None) == [[None]]  # one cell, unwrapped
    assert numbers_of(((-0.0,), (1e308,), (-5.5,))) == [[-0.0], [1e308], [-5.5]]
    assert math.copysign(1, read_numbers(((-0.0,),)).numbers[0, 0]) == -1  # type: ignore[index]
    assert read_numbers(((),)).numbers.shape == (1, 0)  # type: ignore[union-attr]
    assert read_numbers(()).numbers is None and read_numbers([]).numbers is None  # empty


def test_anything_but_floats_and_blanks_is_read_cell_by_cell() -> None:
    odd: list[Any] = [
        ((1.0,), (2,)),  # an int: what COM hands for an error cell
        ((1.0,), (False,)), ((1.0,), ("",)), ((1.0,), ("2",)),
        ((1.0,), (dt.datetime(2024, 1, 1),)), ((1.0,), (Decimal("2.5"),)),  # currency cell
        ((1.0,), (np.float64(2.0),)),  # a float subclass is not what Excel hands over
        ((1.0,), (2.0, 3.0)), ((1.0, 2.0), (3.0,)),  # ragged
        ((1.0,), (), (2.0, 3.0)),  # ragged with as many cells as a column of three
        ((1.0,), 2.0), ([1.0], "ab"),  # a scalar among the rows
    ]
    for value in odd:
        arg = read_numbers(value)
        assert arg.numbers is None and arg.raw is value, value


def test_conversions_on_every_shape(call: Call) -> None:
    assert call("CONVERSIONS", ((100.0,), (None,), (50.0,), (25.0,))) == [[NA], [NA], [0.5]]
    assert call("CONVERSIONS", ((100.0, 40.0, None, 10.0),)) == [[0.4, NA, NA]]
    assert call("CONVERSIONS", ((0.0,), (0.0,), (5.0,))) == [[DIV0], [DIV0]]
    assert call("CONVERSIONS", ((1e308,), (1e308,), (1e-308,))) == [[1.0], [1e-308 / 1e308]]
    assert call("CONVERSIONS", ((1e-300,), (1e300,))) == [[NUM]]  # overflows to infinity
    two_d = call("CONVERSIONS", ((1.0, 2.0), (3.0, None)))
    assert "one row or one column" in two_d[0][0]
    assert two_d == call("CONVERSIONS", ((1.0, 2.0), (3.0, "x")))  # as the per-cell path says
    for too_few in ((), ((),), ((5.0,),), 5.0, None):
        assert "at least two stages" in call("CONVERSIONS", too_few)[0][0], too_few


# --- the other functions' ranges of numbers: the same answers by the array as cell by cell -----

cells = st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False), st.just(0.0),
                  st.just(math.inf))
odd_cells = st.one_of(cells, st.sampled_from(["12", "1 234,5", "x", "", True, -2146826246]))


@settings(max_examples=150, deadline=None)
@given(st.lists(cells, min_size=1, max_size=30))
def test_array_counts_are_the_per_cell_numbers(values: list[float | None]) -> None:
    for value in (tuple((v,) for v in values), (tuple(values),)):
        arg = read_numbers(value)
        assert arg.numbers is not None
        want, orientation = C.vector(value, "x")
        assert arg.counts("x") == (C.numbers(want), orientation)


def _both_ways(fn: Callable[..., Any], *args: Any) -> tuple[Any, Any]:
    """``fn`` on the ranges read as NumberArray reads them, and on the cells as they came."""
    return fn(*(NumberArray.read_value(a, {}) for a in args)), fn(*args)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(cells, min_size=1, max_size=12), min_size=1, max_size=3),
       st.lists(odd_cells, min_size=1, max_size=12))
def test_number_ranges_give_the_per_cell_answers(columns: list[list[float | None]],
                                                 odd: list[Any]) -> None:
    n = len(columns[0])
    counts = tuple((v,) for v in columns[0])
    other = tuple((v,) for v in (columns[-1] * n)[:n])
    names = tuple((f"stage {i}",) for i in range(n))
    owners = tuple(("sales" if i % 2 else "marketing",) for i in range(n))
    for value in (counts, tuple((v,) for v in odd)):
        array, cell_by_cell = _both_ways(lambda c: A.run("OVERALL", c), value)
        assert repr(array) == repr(cell_by_cell)
    pairs = [
        _both_ways(lambda c: A.run("LOSSSHARE", c, owners, "sales"), counts),
        _both_ways(lambda c: A.funnel(names, c), counts),
        _both_ways(lambda c: A.bottleneck(names, c), counts),
        _both_ways(lambda a, p: A.run("REVENUEFORECAST", names, a, names, p), counts, other),
    ]
    for array, cell_by_cell in pairs:
        assert repr(array) == repr(cell_by_cell)  # repr: NaN and -0.0 compared too


def test_ranges_of_numbers_are_read_by_number_array(udf_module: types.ModuleType) -> None:
    """Each range argument of a numeric unit, and only those, is read by NumberArray."""
    for name, spec in registry.FUNCTIONS.items():
        args = {a["name"]: a for a in getattr(udf_module, name).__xlfunc__["args"]}
        for a in spec.args:
            convert = args[a.name]["options"].get("convert")
            wanted = a.array and a.unit in NUMBER_UNITS
            assert (convert is NumberArray) == wanted, (name, a.name)


def test_funnel_through_xlwings_reads_counts_as_an_array(call: Call) -> None:
    names = (("Leads",), ("Meetings",), ("Paid",))
    got = call("FUNNEL", names, ((200.0,), (None,), (20.0,)))
    assert [r[:5] for r in got] == [["Leads", 200.0, "", 1.0, ""],
                                    ["Meetings", NA, NA, NA, NA],
                                    ["Paid", 20.0, NA, 0.1, NA]]
    assert call("FUNNEL", names, ((200.0,), (-2146826265,), (20.0,))) == [["#REF!"]]
