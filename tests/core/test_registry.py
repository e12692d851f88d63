"""The KPI registry: every id the issue names, complete entries, lookups and the docs table."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any, get_args

import pytest

from funnel_kpi import registry
from funnel_kpi.inputs import SummaryRow, SummaryTable
from funnel_kpi.model import DEFAULT_FUNNEL
from funnel_kpi.registry import REGISTRY, Kpi, Scope, Unit
from funnel_kpi.report.build import report_from
from funnel_kpi.values import Value

ISSUE_IDS = [
    "step_conversion", "cumulative_conversion", "drop_off", "overall_conversion",
    "lead_to_payment_conversion", "marketing_conversion", "handoff_acceptance",
    "sales_conversion", "marketing_loss_share", "sales_loss_share", "cpl", "cac", "revenue",
    "average_deal", "win_rate", "lost_deals", "avg_days_in_stage", "median_days_in_stage",
    "sales_cycle_days", "first_response_days", "proposal_prep_days", "contract_prep_days",
    "plan_fact", "run_rate_projection", "ltv", "ltv_contractual", "ltv_historical", "ltv_cac",
    "payback_months", "churn_rate", "forecast_revenue", "pipeline_velocity", "seasonal_index",
]
TASK_IDS = [
    "stage_count", "cost_per_stage_unit", "drop_off_rate", "lost_leads_cost", "revenue_growth",
    "average_deal_growth", "new_customers",
]


def test_every_required_id_is_registered() -> None:
    missing = set(ISSUE_IDS + TASK_IDS) - set(REGISTRY)
    assert not missing


@pytest.mark.parametrize("kpi", list(REGISTRY.values()), ids=list(REGISTRY))
def test_entries_are_complete(kpi: Kpi) -> None:
    assert re.fullmatch(r"[a-z][a-z0-9_]*", kpi.id)
    assert kpi.unit in get_args(Unit)
    assert kpi.scope in get_args(Scope)
    assert kpi.higher_is_better in (True, False, None)
    for text in (kpi.en, kpi.ru, kpi.formula, kpi.formula_ru, kpi.description,
                 kpi.description_ru):
        assert text.strip()
    assert re.search("[а-яё]", kpi.ru + kpi.description_ru, re.IGNORECASE)
    assert kpi.description.endswith(".") and kpi.description_ru.endswith(".")


def test_registry_is_immutable() -> None:
    with pytest.raises(TypeError):
        REGISTRY["x"] = REGISTRY["cac"]  # type: ignore[index]


def test_get_and_close_matches() -> None:
    assert registry.get("cac").unit == "money"
    with pytest.raises(KeyError, match="did you mean win_rate"):
        registry.get("winrate")
    with pytest.raises(KeyError, match="unknown KPI id 'zzz'"):
        registry.get("zzz")


def test_scopes() -> None:
    assert "step_conversion" in registry.ids("stage")
    assert "win_rate" in registry.ids("deal_log")
    assert "cac" in registry.ids("period")
    assert len(registry.ids()) == len(REGISTRY)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_markdown_table_has_a_row_per_kpi(lang: str) -> None:
    text = registry.markdown(lang)
    rows = [line for line in text.splitlines()
            if line.startswith("| `") and line[3:].split("`")[0] in REGISTRY]
    assert len(rows) == len(REGISTRY)
    assert all(line.count(" | ") == 6 for line in rows)  # seven cells, pipes in text escaped
    assert "| `cac` | CAC | (marketing spend + sales cost) / new customers | money" in text \
        or lang == "ru"
    assert "`CAC(spend, new_customers, [sales_cost])`" in text
    assert ("меньше — лучше" in text) == (lang == "ru")
    assert text.endswith("\n")


def test_every_kpi_in_a_report_is_registered() -> None:
    rows = (SummaryRow(date(2024, 1, 1), {"leads": 10, "paid": 1}, {"spend": 100.0}, 2),)
    table = SummaryTable("t", ("leads", "paid"), rows)
    report = report_from(funnel=DEFAULT_FUNNEL, summary=table, deals=None, analysis=None,
                         today=date(2024, 5, 1))
    assert set(report.periods[0].kpis) <= set(registry.ids("period"))
    assert set(report.periods[0].kpis) == set(registry.ids("period"))


# --- the spreadsheet functions, run by name on cleaned arguments --------------------------------

D = date
MONTHS = [D(2023 + i // 12, i % 12 + 1, 1) for i in range(24)]
JAN_TWICE = [200.0 if i % 12 == 0 else 100.0 for i in range(24)]
MEAN_OF_MEANS = (200 + 100 * 11) / 12
M, S = "marketing", "sales"
# (function, args, the value worked by hand, or the reason it is undefined)
CASES: list[tuple[str, list[Any], float | str | tuple[float | str, ...]]] = [
    ("CONVERSION", [30, 20], 2 / 3),  # 20 of 30 briefs accepted
    ("CONVERSION", [0, 5], "no_entries"),
    ("CONVERSION", [None, 5], "missing_input"),  # a blank cell
    ("CONVERSIONS", [[100, 50, 25, 0, 0]], (0.5, 0.5, 0.0, "no_entries")),
    ("OVERALL", [[1000, 100, 30, 5]], 5 / 1000),
    ("OVERALL", [[0, 0]], "no_entries"),
    ("OVERALL", [[7]], "missing_input"),  # one stage has no way through
    ("DROPOFF", [100, 40], 60.0),
    ("DROPOFF", [None, 40], "missing_input"),
    ("DROPOFFRATE", [100, 40], 0.6),  # 1 - 40 / 100
    ("DROPOFFRATE", [0, 0], "no_entries"),
    ("COSTPERUNIT", [90000, 300], 300.0),
    ("COSTPERUNIT", [90000, 0], "zero_denominator"),
    # losses 100->50 (a marketing stage) 50; 50->30, 30->10 (sales) 20 + 20; of 90 in all
    ("LOSSSHARE", [[100, 50, 30, 10], [M, M, S, S], "marketing"], 50 / 90),
    ("LOSSSHARE", [[100, 50, 30, 10], [M, M, S, S], "продажи"], 40 / 90),
    ("LOSSSHARE", [[10, 10], [M, S], "sales"], "no_losses"),
    ("LOSTLEADSCOST", [90000, 300, 30], 81000.0),  # CPL 300 x 270 leads that did not pay
    ("LOSTLEADSCOST", [90000, 0, 0], "zero_denominator"),
    ("CPL", [90000, 300], 300.0),
    ("CPL", [90000, 0], "zero_denominator"),
    ("CAC", [90000, 30, 60000], 5000.0),  # (90000 + 60000) / 30
    ("CAC", [90000, 30], 3000.0),  # no sales cost: 0
    ("CAC", [90000, 0], "zero_denominator"),
    ("DEALSIZE", [2_400_000, 30], 80000.0),
    ("DEALSIZE", [2_400_000, None], "missing_input"),
    ("ARPU", [1_000_000, 200], 5000.0),
    ("ARPU", [1_000_000, 0], "zero_denominator"),
    ("WINRATE", [30, 70], 0.3),  # won / (won + lost)
    ("WINRATE", [0, 0], "no_closed_deals"),
    ("LTV", [80000, 1.5, 24, 0.3], 80000 * 1.5 * 24 * 0.3),
    ("LTV", [80000, 1, 10], 800000.0),  # margin defaults to 1
    ("LTV", [80000, None, 10], "missing_input"),
    ("LTV_CONTRACTUAL", [5000, 0.05, 0.3], 30000.0),  # 5000 x 0.3 / 0.05
    ("LTV_CONTRACTUAL", [5000, 0, 0.3], "zero_churn"),
    ("LTVCAC", [30000, 5000], 6.0),
    ("LTVCAC", [30000, 0], "zero_denominator"),
    ("PAYBACK", [3000, 5000, 0.3], 2.0),  # 3000 / (5000 x 0.3)
    ("PAYBACK", [3000, 0], "zero_denominator"),
    ("CHURN", [6, 200], 0.03),
    ("CHURN", [6, 0], "no_entries"),
    ("PLANFACT", [900, 1000], 0.9),
    ("PLANFACT", [900, 0], "zero_denominator"),
    ("RUNRATE", [300, 10, 30], 900.0),  # 300 in 10 days, 30 days
    ("RUNRATE", [300, 0, 30], "zero_denominator"),
    ("GROWTHRATE", [110, 100], 0.1),
    ("GROWTHRATE", [-50, -100], 0.5),  # up from -100: +50 %
    ("GROWTHRATE", [110, 100, "absolute"], 10.0),
    ("GROWTHRATE", [110, 0], "zero_denominator"),
    ("SEASONALINDEX", [MONTHS, JAN_TWICE, 1], 200 / MEAN_OF_MEANS),
    ("SEASONALINDEX", [MONTHS, JAN_TWICE, D(2024, 6, 15)], 100 / MEAN_OF_MEANS),
    ("SEASONALINDEX", [MONTHS, JAN_TWICE], (200 / MEAN_OF_MEANS, *[100 / MEAN_OF_MEANS] * 11)),
    ("SEASONALINDEX", [MONTHS[:12], JAN_TWICE[:12], 1], "one_year_only"),
    # 2 days; end before start (left out); 10 days; a blank; 4 days: mean 16 / 3, median 4
    ("STAGETIME", [[D(2024, 1, 1), D(2024, 1, 5), D(2024, 1, 10), None, D(2024, 1, 10)],
                   [D(2024, 1, 3), D(2024, 1, 4), D(2024, 1, 20), D(2024, 1, 1),
                    D(2024, 1, 14)]], 16 / 3),
    ("STAGETIME", [[D(2024, 1, 1), D(2024, 1, 10), D(2024, 1, 10)],
                   [D(2024, 1, 3), D(2024, 1, 20), D(2024, 1, 14)], "median"], 4.0),
    ("STAGETIME", [[None], [None]], "no_durations"),
    # 100000 x 0.2 + (50000 + 30000) x 0.5
    ("REVENUEFORECAST", [["Meetings", "Proposals", "Proposals", None],
                         [100000, 50000, 30000, None], ["meetings", "proposals"], [0.2, 0.5]],
     60000.0),
    ("REVENUEFORECAST", [["Contracts"], [1.0], ["meetings"], [0.2]], "missing_input"),
    ("PIPELINEVELOCITY", [20, 0.25, 80000, 40], 10000.0),  # 20 x 0.25 x 80000 / 40 days
    ("PIPELINEVELOCITY", [20, 0.25, 80000, 0], "zero_denominator"),
]


def _plain(v: Value) -> float | str:
    return v.value if v.value is not None else str(v.reason)


@pytest.mark.parametrize(("name", "args", "want"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_call_runs_every_function_by_name(name: str, args: list[Any],
                                          want: float | str | tuple[float | str, ...]) -> None:
    result = registry.call(name, args)
    got = (result,) if isinstance(result, Value) else result
    wants = want if isinstance(want, tuple) else (want,)
    assert len(got) == len(wants)
    for g, w in zip(got, wants, strict=True):
        assert _plain(g) == (w if isinstance(w, str) else pytest.approx(w, rel=1e-12))


def test_every_function_with_a_formula_has_cases_with_a_defined_and_an_undefined_answer() -> None:
    named = {f.name for f in registry.FUNCTIONS.values() if f.formula is not None}
    assert {c[0] for c in CASES} == named
    undefined = {c[0] for c in CASES if isinstance(c[2], str) or (
        isinstance(c[2], tuple) and any(isinstance(x, str) for x in c[2]))}
    assert undefined == named


def test_call_says_what_is_wrong() -> None:
    with pytest.raises(registry.CallError, match="did you mean CPL"):
        registry.call("CPLL", [1, 2])
    with pytest.raises(registry.CallError, match=re.escape("use CAC(spend, new_customers, "
                                                           "[sales_cost])")):
        registry.call("CAC", [1])
    with pytest.raises(registry.CallError, match="is not a money"):
        registry.call("CPL", ["1000", 2])
    with pytest.raises(registry.CallError, match="is not a count"):
        registry.call("CPL", [1000, True])
    with pytest.raises(registry.CallError, match="kind: 'speed' is not one of relative"):
        registry.call("GROWTHRATE", [1, 2, "speed"])
    with pytest.raises(registry.CallError, match="owners: None is not one of"):
        registry.call("LOSSSHARE", [[10, 5], [M, None], M])
    for blank in (None, "", "  "):  # whose share is not a default: it was a KeyError
        with pytest.raises(registry.CallError, match="owner: give one of marketing"):
            registry.call("LOSSSHARE", [[10, 5], [M, S], blank])
    with pytest.raises(registry.CallError, match=r"as many cells \(2 and 1\)"):
        registry.call("STAGETIME", [[D(2024, 1, 1), None], [None]])
    with pytest.raises(registry.CallError, match="give a range"):
        registry.call("OVERALL", [5])
    with pytest.raises(registry.CallError, match="month number 1-12"):
        registry.call("SEASONALINDEX", [MONTHS, JAN_TWICE, 13])
    with pytest.raises(registry.CallError, match="builds a table"):
        registry.call("FUNNEL", [["a", "b"], [1, 2]])
    assert registry.call("cpl", [90000.0, float("inf")]).reason == "missing_input"


def test_cell_kpis_name_real_functions_and_arguments() -> None:
    for kpi_id, (name, preset) in registry.CELL_KPIS.items():
        kpi = REGISTRY[kpi_id]
        fn = registry.FUNCTIONS[name]
        assert kpi.function == name
        for arg, value in preset.items():
            assert fn.arg(arg).choose(value) == value, (kpi_id, arg)
        assert [a.name for a in registry.kpi_args(kpi)] == [
            a.name for a in fn.args if a.name not in preset]
    assert registry.kpi_usage(REGISTRY["median_days_in_stage"]) == \
        'STAGETIME(start_dates, end_dates, "median")'
    assert registry.kpi_usage(REGISTRY["revenue"]) == ""


def test_function_help_fits_excel_and_names_the_kpi() -> None:
    for f in registry.FUNCTIONS.values():
        text = f.help()
        assert len(text) <= 255 and text.startswith(f.name + "(")
        assert re.search("[а-яё]", text, re.IGNORECASE), f.name
        if f.kpi is not None:
            assert REGISTRY[f.kpi].en in text
        for a in f.args:
            assert a.en.strip() and re.search("[а-яё]", a.ru, re.IGNORECASE), (f.name, a.name)
            assert a.same_length_as is None or a.same_length_as in {b.name for b in f.args}


def test_catalogue_is_json_and_complete() -> None:
    data = json.loads(json.dumps(registry.catalogue(), ensure_ascii=False))
    assert [k["id"] for k in data["kpis"]] == list(REGISTRY)
    assert [f["name"] for f in data["functions"]] == list(registry.FUNCTIONS)
    cac = next(k for k in data["kpis"] if k["id"] == "cac")
    assert cac["function"] == "CAC" and cac["name"] == {"en": "CAC", "ru": "CAC"}
    assert [a["name"] for a in cac["args"]] == ["spend", "new_customers", "sales_cost"]
    assert cac["args"][2]["optional"] is True and cac["args"][0]["unit"] == "money"
