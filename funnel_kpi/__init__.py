"""funnel_kpi: the pure core. Funnel model, cell parsing, KPI registry, computations, report.

No I/O lives here: callers hand in ``Tab`` objects of raw cell values and get a ``FunnelReport``.
Packages outside the core import these names (and the top modules ``formulas``, ``values``,
``registry``, ``model``, ``errors``) and nothing deeper, so the subpackages can change shape:

    parse/    reading what users bring: cells, headers, columns, summaries, deal logs, pins
    deals/    a deal log as numbers: outcomes tallied, sets, durations
    report/   figures per period, comparisons, findings, notes, forecast, plan, verdicts
"""

from funnel_kpi.api import Analysis, analyse, compute_report
from funnel_kpi.catalogue import text
from funnel_kpi.deals.analysis import analyse_deals
from funnel_kpi.errors import ConfigError, FunnelError, LayoutError
from funnel_kpi.inputs import CellColumn, Deal, DealLog, Problem, SummaryRow, SummaryTable, Tab
from funnel_kpi.model import DEFAULT_FUNNEL, Funnel, Stage, funnel_from_dict, funnel_from_toml
from funnel_kpi.parse.cells import CellIssue, a1, col_letter, parse_date, parse_number, parse_text
from funnel_kpi.parse.headers import match_header, normalize
from funnel_kpi.parse.pins import NO_PINS, Pins, config_from_dict, config_from_toml
from funnel_kpi.parse.readout import ColumnReading
from funnel_kpi.parse.summary import guess_owners
from funnel_kpi.parse.tabs import ParsedInput, read_tabs
from funnel_kpi.report import textfmt
from funnel_kpi.report.forecast import SeriesForecast, forecast_series
from funnel_kpi.report.funnel_report import (
    REPORT_FIELDS,
    FunnelReport,
    PeriodReport,
    ReportFormatError,
)
from funnel_kpi.report.noise import is_noise, usual_move
from funnel_kpi.report.plan import (
    GapSplit,
    PlanError,
    PlanOf,
    backwards,
    check_month,
    latest_planned,
    month_plans,
    need_value,
    next_month,
    plan_gap,
    signed,
)
from funnel_kpi.report.view import (
    FORMAT_KINDS,
    PROBLEMS_SHOWN,
    Move,
    PlanView,
    ReportView,
    StageLine,
    counts_period,
    plan_section,
    report_view,
    stage_lines,
    view_dict,
)
from funnel_kpi.values import Value

__all__ = [
    "DEFAULT_FUNNEL",
    "FORMAT_KINDS",
    "NO_PINS",
    "PROBLEMS_SHOWN",
    "REPORT_FIELDS",
    "Analysis",
    "CellColumn",
    "CellIssue",
    "ColumnReading",
    "ConfigError",
    "Deal",
    "DealLog",
    "Funnel",
    "FunnelError",
    "FunnelReport",
    "GapSplit",
    "LayoutError",
    "Move",
    "ParsedInput",
    "PeriodReport",
    "Pins",
    "PlanError",
    "PlanOf",
    "PlanView",
    "Problem",
    "ReportFormatError",
    "ReportView",
    "SeriesForecast",
    "Stage",
    "StageLine",
    "SummaryRow",
    "SummaryTable",
    "Tab",
    "Value",
    "a1",
    "analyse",
    "analyse_deals",
    "backwards",
    "check_month",
    "col_letter",
    "compute_report",
    "config_from_dict",
    "config_from_toml",
    "counts_period",
    "forecast_series",
    "funnel_from_dict",
    "funnel_from_toml",
    "guess_owners",
    "is_noise",
    "latest_planned",
    "match_header",
    "month_plans",
    "need_value",
    "next_month",
    "normalize",
    "parse_date",
    "parse_number",
    "parse_text",
    "plan_gap",
    "plan_section",
    "read_tabs",
    "report_view",
    "signed",
    "stage_lines",
    "text",
    "textfmt",
    "usual_move",
    "view_dict",
]
