"""The KPI registry: every id the issue names, complete entries, lookups and the docs table."""

from __future__ import annotations

import re
from datetime import date
from typing import get_args

import pytest

from funnel_kpi import registry
from funnel_kpi.inputs import SummaryRow, SummaryTable
from funnel_kpi.model import DEFAULT_FUNNEL
from funnel_kpi.registry import REGISTRY, Kpi, Scope, Unit
from funnel_kpi.report.build import report_from

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
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == len(REGISTRY)
    assert all(line.count(" | ") == 5 for line in rows)  # six cells, pipes in text escaped
    assert "| `cac` | CAC | (marketing spend + sales cost) / new customers | money" in text \
        or lang == "ru"
    assert ("меньше — лучше" in text) == (lang == "ru")
    assert text.endswith("\n")


def test_every_kpi_in_a_report_is_registered() -> None:
    rows = (SummaryRow(date(2024, 1, 1), {"leads": 10, "paid": 1}, {"spend": 100.0}, 2),)
    table = SummaryTable("t", ("leads", "paid"), rows)
    report = report_from(funnel=DEFAULT_FUNNEL, summary=table, deals=None, analysis=None,
                         today=date(2024, 5, 1))
    assert set(report.periods[0].kpis) <= set(registry.ids("period"))
    assert set(report.periods[0].kpis) == set(registry.ids("period"))
