"""Changes are computed when read: the lazy mapping and its JSON equal the eager changes."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funnel_kpi.report.comparisons import Changes, change, change_json, changes
from funnel_kpi.report.funnel_report import Change
from funnel_kpi.values import Value, undefined

numbers = st.one_of(st.none(), st.just(0.0), st.floats(allow_nan=True, allow_infinity=True),
                    st.integers(-10**6, 10**6).map(float))
values = st.builds(Value, numbers)
kpis = st.dictionaries(st.sampled_from(["cpl", "cac", "revenue", "win_rate", "ltv"]), values)


def same_json(a: object, b: object) -> bool:
    """Equal, with NaN equal to NaN (to_dict never gives NaN, but be exact about it)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    return a == b


@given(values, st.one_of(st.none(), values), st.sampled_from(["no_previous_period", ""]))
def test_change_json_is_the_change_as_json(current: Value, previous: Value | None,
                                           reason: str) -> None:
    assert same_json(change_json(current, previous, reason),
                     change(current, previous, reason).to_dict())


@given(kpis, st.one_of(st.none(), kpis))
def test_changes_mapping_equals_the_eager_dict(current: dict[str, Value],
                                               previous: dict[str, Value] | None) -> None:
    extra = {"stage_count.leads": Change(Value(5.0), Value(0.5))}
    lazy = Changes(current, previous, "no_year_before", extra)
    eager = {**changes(current, previous, "no_year_before"), **extra}
    assert list(lazy) == list(eager) and len(lazy) == len(eager)
    assert dict(lazy.items()) == eager or any(
        v.value is not None and math.isnan(v.value) for v in current.values())
    assert same_json(lazy.as_json(), {k: c.to_dict() for k, c in eager.items()})
    assert "stage_count.leads" in lazy and "nothing" not in lazy


def test_a_missing_month_is_undefined_with_its_reason() -> None:
    lazy = Changes({"cpl": Value(10.0)}, None, "no_previous_period")
    assert lazy["cpl"] == Change(undefined("no_previous_period"), undefined("no_previous_period"))
    assert lazy.as_json() == {"cpl": {"abs": None, "rel": None, "reason": "no_previous_period"}}


def test_a_report_computes_no_kpi_change_until_one_is_read(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """24 months x ~30 KPIs x (MoM, YoY) were computed on every build, read or not."""
    from funnel_kpi import Tab
    from funnel_kpi.api import compute_report
    from funnel_kpi.report import comparisons
    from funnel_kpi.report.findings import MOVER_KPIS

    header = ["Month", "Leads", "Briefs", "Accepted by sales", "Paid", "Marketing spend",
              "Revenue"]
    rows = [header] + [[f"{2023 + i // 12}-{i % 12 + 1:02d}-01", 100 + i, 40, 30, 6 + i % 3,
                        50000, 600000 + 1000 * i] for i in range(24)]
    real, calls = comparisons.change, []

    def counted(current: Value, previous: Value | None, reason: str) -> Change:
        calls.append(1)
        return real(current, previous, reason)

    monkeypatch.setattr(comparisons, "change", counted)
    report = compute_report([Tab("Funnel", rows)])
    built = len(calls)
    assert built <= 2 * len(MOVER_KPIS), built  # the findings (en, ru) read the latest month
    december = report.period("2024-12")
    assert december.yoy["revenue"].rel.value == pytest.approx(12000 / 611000)
    assert december.to_dict()["changes"]["mom"]["revenue"]["abs"] == pytest.approx(1000)


@given(values, values)
def test_change_is_growth(current: Value, previous: Value) -> None:
    from funnel_kpi import formulas

    got, (a, r) = change(current, previous, "no_previous_period"), formulas.growth(
        current.value, previous.value)
    assert same_json(got.to_dict(), Change(a, r).to_dict())
    assert (got.abs.reason, got.rel.reason) == (a.reason, r.reason)


def test_building_a_report_never_pauses_the_collector() -> None:
    """gc.disable() is process-wide: a pause around a report would stop collection for every
    web thread of the service. The collector runs as usual while a report is built."""
    import gc

    from funnel_kpi import Tab
    from funnel_kpi.api import compute_report

    rows = [["Month", "Leads", "Briefs", "Paid", "Marketing spend"]] + [
        [f"{2023 + i // 12}-{i % 12 + 1:02d}-01", 100 + i, 40, 6, 50000] for i in range(24)]
    tab = Tab("Funnel", rows)
    from funnel_kpi.model import DEFAULT_FUNNEL
    from funnel_kpi.parse.tabs import read_tabs
    from funnel_kpi.report.build import build_report

    parsed = read_tabs([tab], DEFAULT_FUNNEL)
    started: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(info["generation"])

    threshold = gc.get_threshold()
    gc.collect()  # counts from zero
    gc.callbacks.append(seen)
    gc.set_threshold(50)
    try:
        report = build_report(funnel=parsed.funnel, summary=parsed.summary, deals=None,
                              problems=parsed.problems)
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.remove(seen)
    assert gc.isenabled()
    assert len(started) > 1, started  # collections ran while the report was built
    assert len(report.periods) == 24 and compute_report([tab]).periods == report.periods
