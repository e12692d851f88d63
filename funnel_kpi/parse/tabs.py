"""Raw tabs -> typed inputs: which tab is what, and reading it.

    classify_tab(tab, funnel)   "summary" | "deals" | None
    read_summary(tab, funnel)   -> (SummaryTable, Funnel)   (funnel_kpi.parse.summary)
    read_deal_log(tab, funnel)  -> DealLog                  (funnel_kpi.parse.deals)
    read_tabs(tabs, funnel)     -> ParsedInput: the first summary and the first deal log

Bad cells never raise: they are ``Problem`` records. A layout the parser cannot use raises
``LayoutError`` with one sentence saying which tab and what it lacks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from funnel_kpi.errors import LayoutError
from funnel_kpi.inputs import DealLog, Problem, SummaryTable, Tab
from funnel_kpi.model import DEFAULT_FUNNEL, Funnel
from funnel_kpi.parse.currency import input_currency
from funnel_kpi.parse.deals import deal_columns_found, deal_header, read_deal_log
from funnel_kpi.parse.headers import normalize
from funnel_kpi.parse.pins import NO_PINS, Pins
from funnel_kpi.parse.readout import ColumnReading
from funnel_kpi.parse.readout_deals import created_by_content
from funnel_kpi.parse.summary import count_columns, read_summary, summary_header

__all__ = ["ParsedInput", "TabKind", "classify_tab", "read_deal_log", "read_summary",
           "read_tabs"]

TabKind = Literal["summary", "deals"]



@dataclass(frozen=True, slots=True)
class ParsedInput:
    summary: SummaryTable | None
    deals: DealLog | None
    funnel: Funnel  # inferred from the summary's columns when it had no known stages
    problems: tuple[Problem, ...]  # of both tabs, in tab order
    unknown_columns: tuple[str, ...]  # "Tab: Header"
    skipped_tabs: tuple[str, ...]  # tabs not read: not recognised, or a second tab of a kind
    readout: tuple[ColumnReading, ...] = ()  # how every column of the tabs read was read
    currency: str | None = None  # ISO code of the money, when the input says it (one only)


def classify_tab(tab: Tab, funnel: Funnel, pins: Pins = NO_PINS) -> TabKind | None:
    """deals: a created column and a status, stage date, paid date or amount column.
    summary: a period column and two stage count columns (known, or unknown and numeric)."""
    deals = deal_header(tab, funnel, pins)
    if deals is not None and "created" not in deals.fields:
        deals = created_by_content(tab, deals, funnel, None)
    if deals is not None and "created" in deals.fields and deal_columns_found(deals, funnel):
        return "deals"
    summary = summary_header(tab, funnel, pins)
    if summary is not None and "period" in summary.fields:
        if len(summary.stages) >= 2:
            return "summary"
        if len(summary.stages) + len(count_columns(tab, summary, summary.unknown)[0]) >= 2:
            return "summary"
    return None


def why_not_funnel_tab(tab: Tab, funnel: Funnel) -> LayoutError:
    """What a tab lacks to be read as a summary or a deal log."""
    if not any(any(c is not None and c != "" for c in row) for row in tab.rows):
        return LayoutError.say("error.tab_empty", tab=tab.name)
    found: list[str] = []
    for hm in (summary_header(tab, funnel), deal_header(tab, funnel)):
        if hm is not None:
            found += [hm.headers[c] for c in (*hm.fields.values(), *hm.stages.values())]
    seen = ", ".join(f"'{h}'" for h in dict.fromkeys(found)) or None
    return LayoutError.say("error.not_funnel_tab", tab=tab.name, seen=seen)


def _find(tabs: Sequence[Tab], name: str) -> Tab:
    exact = [t for t in tabs if t.name == name]
    loose = [t for t in tabs if t.name.strip().casefold() == name.strip().casefold()]
    if exact or loose:
        return (exact or loose)[0]
    names = ", ".join(f"'{t.name}'" for t in tabs) or None
    raise LayoutError.say("error.no_such_tab", tab=name, names=names)


def read_tabs(tabs: Iterable[Tab], funnel: Funnel = DEFAULT_FUNNEL, *,
              tab_names: Sequence[str] | None = None, locale: str | None = None,
              today: date | None = None, pins: Pins = NO_PINS) -> ParsedInput:
    """Read the first summary tab and the first deal log (or the named tabs).

    When the summary's stages are inferred from its columns, the deal log is read with that
    inferred funnel too, so that every stage key of the result belongs to ``ParsedInput.funnel``.
    """
    all_tabs = list(tabs)
    chosen: list[tuple[Tab, TabKind]] = []
    if tab_names:
        for name in tab_names:
            tab = _find(all_tabs, name)
            kind = classify_tab(tab, funnel, pins)
            if kind is None:
                raise why_not_funnel_tab(tab, funnel)
            chosen.append((tab, kind))
    else:
        for tab in all_tabs:
            kind = classify_tab(tab, funnel, pins)
            if kind is not None:
                chosen.append((tab, kind))
    summary_tab = next((t for t, k in chosen if k == "summary"), None)
    deals_tab = next((t for t, k in chosen if k == "deals"), None)
    if summary_tab is None and deals_tab is None:
        names = ", ".join(f"'{t.name}'" for t in all_tabs) or None
        raise LayoutError.say("error.no_funnel_tab", names=names)
    summary: SummaryTable | None = None
    used_funnel = funnel
    pins.check(funnel)
    _check_pinned_present(pins, [t for t, _ in chosen])
    if summary_tab is not None:
        # a summary is small: one read by column is read row by row
        by_rows = (summary_tab if summary_tab.columns is None
                   else Tab(summary_tab.name, summary_tab.all_rows()))
        summary, used_funnel = read_summary(by_rows, funnel, locale=locale, today=today,
                                            pins=pins)
    deals = (read_deal_log(deals_tab, used_funnel, locale=locale, today=today, pins=pins,
                           own_funnel=summary is None)
             if deals_tab is not None else None)
    if deals is not None and deals.funnel is not None:
        used_funnel = deals.funnel
    problems: list[Problem] = []
    unknown: list[str] = []
    for part in (summary, deals):
        if part is not None:
            problems += part.problems
            unknown += [f"{part.tab}: {h}" for h in part.unknown_columns]
    used = {id(summary_tab), id(deals_tab)}
    readout = tuple(r for part in (summary, deals) if part is not None for r in part.readout)
    money = input_currency([t for t in (summary_tab, deals_tab) if t is not None], readout)
    mixed = any(p.code == "mixed_currency" for p in problems)  # the deal reader's, past ours
    if not mixed:
        problems += money.problems
    return ParsedInput(
        summary=summary,
        deals=deals,
        funnel=used_funnel,
        problems=tuple(problems),
        unknown_columns=tuple(unknown),
        skipped_tabs=tuple(t.name for t in all_tabs if id(t) not in used),
        readout=readout,
        # a mix anywhere in the input: no one currency (money.code saw the first rows only)
        currency=None if mixed else money.code,
    )


def _check_pinned_present(pins: Pins, tabs: Sequence[Tab]) -> None:
    """A pinned column that has gone is an error: reading on without it would move a number
    silently."""
    if not pins.columns:
        return
    seen = {normalize(c) for tab in tabs for row in tab.rows[:30] for c in row
            if isinstance(c, str)}
    missing = [h for h in pins.columns if normalize(h) not in seen]
    if missing:
        names = ", ".join(f"'{t.name}'" for t in tabs) or None
        raise LayoutError.say("error.pinned_column_gone", column=missing[0], names=names)
