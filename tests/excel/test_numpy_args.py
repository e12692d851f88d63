"""CONVERSIONS reads and writes numpy arrays through xlwings' converters: a range of numbers and
blanks never goes through xlwings' per-cell cleaning, and the answer is the per-cell one."""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from excel_udfs.arrays import read_numbers
from funnel_kpi import formulas as F
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
