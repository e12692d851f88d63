"""The core in one call: raw tabs in, report out. Every way in (CLI, sync, service, Excel
templates' cross-check) goes through ``analyse`` or ``compute_report``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from funnel_kpi.inputs import SUMMARY_FIELDS, Tab
from funnel_kpi.model import DEFAULT_FUNNEL, Funnel
from funnel_kpi.parse.pins import NO_PINS, Pins
from funnel_kpi.parse.tabs import ParsedInput, read_tabs
from funnel_kpi.report.build import build_report
from funnel_kpi.report.funnel_report import FunnelReport

DEAL_FIELDS = ("channel", "manager", "lost_reason", "amount", "paid_amount", "paid_date",
               "customer_id", "first_response")


@dataclass(frozen=True, slots=True)
class Analysis:
    parsed: ParsedInput
    report: FunnelReport

    def columns(self) -> dict[str, list[str]]:
        """Per input tab, the fields the computation used: stage keys, then other fields. A sync
        compares them with the last sync's to notice a renamed or deleted column."""
        out: dict[str, list[str]] = {}
        summary, deals = self.parsed.summary, self.parsed.deals
        if summary is not None:
            money = {k for row in summary.rows for k in row.money}
            out[summary.tab] = [*summary.stage_keys, *(f for f in SUMMARY_FIELDS if f in money)]
        if deals is not None:
            present = [f for f in DEAL_FIELDS if deals.columns.has(f)]
            out[deals.tab] = [*deals.stage_keys, *present]
        return out


def analyse(tabs: Iterable[Tab], funnel: Funnel = DEFAULT_FUNNEL, *,
            tab_names: Sequence[str] | None = None, locale: str | None = None,
            today: date | None = None, pins: Pins = NO_PINS,
            currency: str | None = None) -> Analysis:
    """Parse the tabs and compute the report. Raises LayoutError when no tab is a funnel.
    ``currency`` (an ISO code) is the one the findings write money in, when it is known."""
    parsed = read_tabs(tabs, funnel, tab_names=tab_names, locale=locale, today=today,
                       pins=pins)
    report = build_report(funnel=parsed.funnel, summary=parsed.summary, deals=parsed.deals,
                          problems=parsed.problems, unknown_columns=parsed.unknown_columns,
                          today=today, ltv=pins.ltv, currency=currency,
                          input_currency=parsed.currency)
    return Analysis(parsed, report)


def compute_report(tabs: Iterable[Tab], funnel: Funnel = DEFAULT_FUNNEL, *,
                   tab_names: Sequence[str] | None = None, locale: str | None = None,
                   today: date | None = None, pins: Pins = NO_PINS) -> FunnelReport:
    return analyse(tabs, funnel, tab_names=tab_names, locale=locale, today=today,
                   pins=pins).report
