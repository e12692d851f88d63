"""Each function called the way Excel calls it, through xlwings' call_udf, against numbers worked
out by hand. Ranges are tuples of tuples (rows), blanks None, dates datetimes or serials, error
cells Excel's COM error integers; an omitted optional argument is VBA's "missing" marker."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from excel_udfs import kpi_table
from excel_udfs.errors import CellError
from funnel_kpi import registry
from tests.excel.conftest import MISSING

NA, DIV0, VALUE = "#N/A", "#DIV/0!", "#VALUE!"
COM_NA, COM_REF = CellError.NA.scode, CellError.REF.scode

Call = Callable[..., Any]


def one(result: Any) -> Any:
    """The single value of a one-cell result (xlwings returns every result as rows)."""
    assert isinstance(result, list) and len(result) == 1 and len(result[0]) == 1, result
    return result[0][0]


def col(*values: Any) -> tuple[tuple[Any, ...], ...]:
    return tuple((v,) for v in values)


def row(*values: Any) -> tuple[tuple[Any, ...], ...]:
    return (tuple(values),)


def close(a: Any, b: float) -> bool:
    return isinstance(a, float) and math.isclose(a, b, rel_tol=1e-12)


# --- conversions -------------------------------------------------------------------------------

def test_conversion(call: Call) -> None:
    # to / from: 20 of 30 briefs accepted = 2/3
    assert close(one(call("CONVERSION", 30.0, 20.0)), 2 / 3)
    # numbers typed as text, Russian style: 617,25 / 1 234,5 = 0.5
    assert close(one(call("CONVERSION", "1 234,5", "617,25")), 0.5)
    assert one(call("CONVERSION", 0.0, 5.0)) == DIV0  # nobody at the earlier stage
    assert one(call("CONVERSION", None, 5.0)) == NA  # blank input
    assert one(call("CONVERSION", COM_REF, 5.0)) == "#REF!"  # an error cell passes through
    assert one(call("CONVERSION", "twenty", 5.0)) == VALUE
    assert one(call("CONVERSION", ((30.0,),), 15.0)) == 0.5  # a one-cell range


def test_conversions_keep_the_orientation(call: Call) -> None:
    # steps: 50/100, 25/50, 0/25, then 0/0 is undefined
    assert call("CONVERSIONS", col(100.0, 50.0, 25.0, 0.0, 0.0)) == \
        [[0.5], [0.5], [0.0], [DIV0]]
    assert call("CONVERSIONS", row(100.0, 50.0, 25.0)) == [[0.5, 0.5]]
    # a blank and a header caught in the range are missing: the steps touching them are #N/A
    assert call("CONVERSIONS", col("Leads", 100.0, None, 10.0)) == [[NA], [NA], [NA]]
    assert call("CONVERSIONS", col(100.0, COM_NA, 10.0)) == [[NA]]  # error cell: the result
    assert "one row or one column" in one(call("CONVERSIONS", ((1.0, 2.0), (3.0, 4.0))))


def test_overall(call: Call) -> None:
    assert close(one(call("OVERALL", row(1000.0, 100.0, 30.0, 5.0))), 5 / 1000)
    assert one(call("OVERALL", row(0.0, 0.0))) == DIV0


def test_funnel_table(call: Call) -> None:
    names = row("Лиды", "Брифы", "Принятые продажами", "Оплаты")
    table = call("FUNNEL", names, row(100.0, 50.0, 30.0, 10.0))
    # stage, count, step n_i/n_(i-1), cumulative n_i/n_1, drop-off n_(i-1)-n_i, owner
    assert table == [
        ["Лиды", 100.0, "", 1.0, "", "маркетинг"],
        ["Брифы", 50.0, 0.5, 0.5, 50.0, "маркетинг"],
        ["Принятые продажами", 30.0, 0.6, 0.3, 20.0, "продажи"],
        ["Оплаты", 10.0, 10 / 30, 0.1, 20.0, "продажи"],
    ]
    # own stage names: owners guessed as the service guesses them; or given
    custom = call("FUNNEL", col("Visits", "Signups", "Trials", "Paid"),
                  col(100.0, 50.0, 30.0, 10.0), col("marketing", "marketing", "marketing", "sales"))
    assert [r[5] for r in custom] == ["marketing", "marketing", "marketing", "sales"]
    assert "as many cells" in one(call("FUNNEL", row("A", "B"), row(1.0, 2.0, 3.0)))


def test_bottleneck(call: Call) -> None:
    names, counts = row("Leads", "Briefs", "SAL", "Paid"), row(100.0, 50.0, 30.0, 10.0)
    # steps 0.5, 0.6, 1/3 -> lowest SAL->Paid; losses 50, 20, 20 -> largest Leads->Briefs
    assert call("BOTTLENECK", names, counts) == [["SAL", "Paid", 10 / 30, "sales"],
                                                ["Leads", "Briefs", 50.0, "marketing"]]
    assert call("BOTTLENECK", names, counts, "loss") == [["Leads", "Briefs", 50.0, "marketing"]]
    assert "kind" in one(call("BOTTLENECK", names, counts, "speed"))


# --- money -------------------------------------------------------------------------------------

def test_money(call: Call) -> None:
    assert one(call("CPL", 90000.0, 300.0)) == 300.0  # spend / leads
    assert one(call("CAC", 90000.0, 30.0, 60000.0)) == 5000.0  # (90000 + 60000) / 30
    assert one(call("CAC", 90000.0, 30.0, MISSING)) == 3000.0  # omitted sales cost: 0
    assert one(call("CAC", 90000.0, 0.0)) == DIV0
    assert one(call("DEALSIZE", 2_400_000.0, 30.0)) == 80000.0  # revenue / paid
    assert one(call("ARPU", 1_000_000.0, 200.0)) == 5000.0
    assert one(call("WINRATE", 30.0, 70.0)) == 0.3  # won / (won + lost)
    assert one(call("WINRATE", 0.0, 0.0)) == DIV0
    # LTV = 80000 x 1.5 x 24 x 0.3
    assert close(one(call("LTV", 80000.0, 1.5, 24.0, 0.3)), 80000 * 1.5 * 24 * 0.3)
    assert one(call("LTV", 80000.0, 1.0, 10.0, MISSING)) == 800000.0  # margin defaults to 1
    # contractual LTV = ARPU x margin / churn = 5000 x 0.3 / 0.05
    assert close(one(call("LTV_CONTRACTUAL", 5000.0, 0.05, 0.3)), 30000.0)
    assert one(call("LTV_CONTRACTUAL", 5000.0, 0.0, 0.3)) == DIV0  # churn 0: unbounded
    assert one(call("LTVCAC", 30000.0, 5000.0)) == 6.0
    # payback = CAC / (ARPU x margin) = 3000 / (5000 x 0.3) = 2 months
    assert close(one(call("PAYBACK", 3000.0, 5000.0, 0.3)), 2.0)
    assert one(call("CHURN", 6.0, 200.0)) == 0.03  # churned / customers at start
    assert one(call("PLANFACT", 900.0, 1000.0)) == 0.9  # fact / plan


def test_growthrate(call: Call) -> None:
    assert close(one(call("GROWTHRATE", 110.0, 100.0)), 0.1)  # (110 - 100) / |100|
    assert close(one(call("GROWTHRATE", -50.0, -100.0)), 0.5)  # up from -100: +50%
    assert one(call("GROWTHRATE", 110.0, 100.0, "absolute")) == 10.0
    assert one(call("GROWTHRATE", 110.0, 0.0)) == DIV0


def test_stagetime(call: Call) -> None:
    d = dt.datetime
    starts = col(d(2024, 1, 1), d(2024, 1, 5), 45300.0, None, "10.01.2024")
    ends = col(d(2024, 1, 3), d(2024, 1, 4), 45310.0, d(2024, 1, 1), "2024-01-14")
    # pairs: 2 days; end before start (left out); serials 45300 -> 45310 = 10 days; a blank;
    # text dates 10 Jan -> 14 Jan = 4 days. Mean (2 + 10 + 4) / 3, median 4.
    assert close(one(call("STAGETIME", starts, ends)), 16 / 3)
    assert one(call("STAGETIME", starts, ends, "median")) == 4.0
    assert one(call("STAGETIME", col(None), col(None))) == NA


def test_revenue_forecast(call: Call) -> None:
    stages = col("Meetings", "Proposals", "Proposals", None)
    amounts = col(100000.0, 50000.0, 30000.0, None)
    table = (col("meetings", "proposals"), col(0.2, 0.5))
    # 100000 x 0.2 + (50000 + 30000) x 0.5 = 60000
    assert one(call("REVENUEFORECAST", stages, amounts, *table)) == 60000.0
    # a stage with open money but no probability: undefined, not smaller
    assert one(call("REVENUEFORECAST", col("Contracts"), col(1.0), *table)) == NA


def test_functions_that_were_only_kpi_ids(call: Call) -> None:
    """The KPIs that had only KPI() have functions of their own now, with the cell rules of
    every function: a blank is #N/A, text in a number cell #VALUE!, a zero denominator #DIV/0!,
    an error cell is the result."""
    assert one(call("DROPOFF", 100.0, 40.0)) == 60.0
    assert one(call("DROPOFFRATE", 100.0, 40.0)) == 0.6  # 1 - 40 / 100
    assert one(call("DROPOFFRATE", 0.0, 0.0)) == DIV0
    assert one(call("COSTPERUNIT", 90000.0, 300.0)) == 300.0
    assert one(call("COSTPERUNIT", 90000.0, None)) == NA
    assert one(call("LOSTLEADSCOST", 90000.0, 300.0, 30.0)) == 81000.0  # 300 x 270
    assert one(call("LOSTLEADSCOST", "много", 300.0, 30.0)) == VALUE
    assert one(call("RUNRATE", 300.0, 10.0, 30.0)) == 900.0
    assert one(call("RUNRATE", 300.0, COM_REF, 30.0)) == "#REF!"
    assert one(call("PIPELINEVELOCITY", 20.0, 0.25, 80000.0, 40.0)) == 10000.0
    assert one(call("PIPELINEVELOCITY", 20.0, 0.25, 80000.0, 0.0)) == DIV0
    counts, owners = row(100.0, 50.0, 30.0, 10.0), row("marketing", "маркетинг", "sales", "s")
    assert close(one(call("LOSSSHARE", counts, owners, "marketing")), 50 / 90)
    assert close(one(call("LOSSSHARE", counts, owners, "Продажи")), 40 / 90)
    assert "is not one of" in one(call("LOSSSHARE", counts, owners, "finance"))
    assert "as many cells" in one(call("LOSSSHARE", counts, row("m", "s"), "sales"))
    months = col(*[dt.datetime(2023 + i // 12, i % 12 + 1, 1) for i in range(24)])
    values = col(*[200.0 if i % 12 == 0 else 100.0 for i in range(24)])
    mean_of_means = (200 + 100 * 11) / 12
    assert close(one(call("SEASONALINDEX", months, values, 1.0)), 200 / mean_of_means)
    spilled = call("SEASONALINDEX", months, values, MISSING)
    assert len(spilled) == 12 and close(spilled[1][0], 100 / mean_of_means)
    assert "month number 1-12" in one(call("SEASONALINDEX", months, values, "zzz"))


def test_kpi_fills_the_arguments_a_kpi_fixes(call: Call) -> None:
    starts = col(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 10), dt.datetime(2024, 1, 10))
    ends = col(dt.datetime(2024, 1, 3), dt.datetime(2024, 1, 20), dt.datetime(2024, 1, 14))
    assert one(call("KPI", "median_days_in_stage", starts, ends)) == 4.0
    assert close(one(call("KPI", "avg_days_in_stage", starts, ends)), 16 / 3)
    assert one(call("KPI", "revenue_growth", 110.0, 0.0)) == DIV0
    assert 'KPI("median_days_in_stage", start_dates, end_dates)' in one(
        call("KPI", "median_days_in_stage", starts))


# --- KPI() -------------------------------------------------------------------------------------

def test_kpi_reaches_the_registry(call: Call) -> None:
    assert one(call("KPI", "cac", 90000.0, 30.0, 60000.0)) == 5000.0
    assert one(call("KPI", "Конверсия шага", 30.0, 20.0)) == one(call("CONVERSION", 30.0, 20.0))
    assert one(call("KPI", "drop_off_rate", 100.0, 40.0)) == 0.6  # 1 - 40/100
    assert one(call("KPI", "lost_leads_cost", 90000.0, 300.0, 30.0)) == 81000.0  # 300 x 270
    # losses from leads on: 100->50 (marketing stage) 50, 50->30 and 30->10 (sales) 20 + 20
    counts, owners = row(100.0, 50.0, 30.0, 10.0), row("marketing", "marketing", "sales", "sales")
    assert close(one(call("KPI", "marketing_loss_share", counts, owners)), 50 / 90)
    assert close(one(call("KPI", "sales_loss_share", counts, owners)), 40 / 90)
    # velocity = 20 open x 0.25 x 80000 / 40 days
    assert one(call("KPI", "pipeline_velocity", 20.0, 0.25, 80000.0, 40.0)) == 10000.0
    assert one(call("KPI", "run_rate_projection", 300.0, 10.0, 30.0)) == 900.0


def test_kpi_seasonal_index(call: Call) -> None:
    months = [dt.datetime(2023 + i // 12, i % 12 + 1, 1) for i in range(24)]
    values = [100.0] * 24
    values[0] = values[12] = 200.0  # January twice as high
    mean_of_means = (200 + 100 * 11) / 12
    assert close(one(call("KPI", "seasonal_index", col(*months), col(*values), 1.0)),
                 200 / mean_of_means)
    spilled = call("KPI", "seasonal_index", col(*months), col(*values))
    assert len(spilled) == 12 and close(spilled[5][0], 100 / mean_of_means)
    assert one(call("KPI", "seasonal_index", col(*months[:12]), col(*values[:12]), 1.0)) == NA


def test_kpi_says_what_is_wrong(call: Call) -> None:
    assert "did you mean" in one(call("KPI", "cpa", 1.0, 2.0))
    assert "no cell formula" in one(call("KPI", "revenue", 1.0))
    assert 'KPI("cpl", spend, leads)' in one(call("KPI", "cpl", 1.0))


def test_every_registry_kpi_is_reachable_or_explained() -> None:
    ids = set(registry.REGISTRY)
    assert set(kpi_table.KPI_FUNCTIONS) | set(kpi_table.NOT_COMPUTED) == ids
    assert not set(kpi_table.KPI_FUNCTIONS) & set(kpi_table.NOT_COMPUTED)


def test_windows_gets_real_error_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """On Windows the error goes out as pywin32's VARIANT(VT_ERROR, scode): CVErr(xlErrDiv0)."""
    import sys
    import types

    from excel_udfs import wire

    class VARIANT:
        def __init__(self, vt: int, value: int) -> None:
            self.varianttype, self.value = vt, value

    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.delenv("XLWINGS_ON_SERVER", raising=False)
    monkeypatch.setitem(sys.modules, "pythoncom", types.SimpleNamespace(VT_ERROR=10))
    monkeypatch.setitem(sys.modules, "win32com.client", types.SimpleNamespace(VARIANT=VARIANT))
    wire._com_error_factory.cache_clear()
    try:
        out = wire.to_excel([[1.0, CellError.DIV0]])
        err = out[0][1]
        assert (err.varianttype, err.value) == (10, -2146826281)  # 0x800A07D7
        assert wire.to_excel(CellError.NA).value == -2146826246
    finally:
        wire._com_error_factory.cache_clear()


# --- nothing raises, whatever Excel passes ------------------------------------------------------

CELLS = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(),
                  st.text(max_size=8), st.booleans(), st.sampled_from([COM_NA, COM_REF, -1]),
                  st.datetimes(min_value=dt.datetime(1900, 3, 1)))
ARGS = st.one_of(CELLS, st.lists(st.lists(CELLS, min_size=1, max_size=3), min_size=1,
                                 max_size=4).map(lambda rows: tuple(
                                     tuple(r + [None] * (3 - len(r))) for r in rows)))


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from([*registry.FUNCTIONS, "KPI"]),
       args=st.lists(ARGS, min_size=1, max_size=5))
def test_any_input_gives_a_cell_value(call: Call, udf_module: Any, name: str,
                                      args: list[Any]) -> None:
    info = getattr(udf_module, name).__xlfunc__
    params = [a for a in info["args"] if not a["vararg"]]
    required = [a for a in params if "optional" not in a]
    if not info["args"][-1]["vararg"]:
        args = args[:len(params)]
    args += [1.0] * (len(required) - len(args))
    result = call(name, *args)
    assert isinstance(result, list)
    for line in result:
        for x in line:
            assert x is None or isinstance(x, float | int | str), x
            assert not (isinstance(x, str) and "Traceback" in x)
