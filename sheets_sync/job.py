"""One sync: read the input tabs, compute the report, write the KPI tab (only when it changed).

The job keeps a small ``SyncState`` between runs (the service in SQL, the CLI in a JSON file): the
spreadsheet's layout, so a steady-state Google sync needs no metadata request; the hashes of the
last input and output, so an unchanged input costs one read and no write; and the columns each
input tab had, so a renamed or deleted column fails loudly instead of silently changing KPIs.

A backend that can tell whether the spreadsheet changed between its read and its write (Google:
the Drive revision) makes a write that raced a user's edit a "stale" one: the sync then runs once
more, from a fresh read, and the outcome is "stale" only when that second write raced too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, Protocol, runtime_checkable

from funnel_kpi import (
    DEFAULT_FUNNEL,
    NO_PINS,
    Analysis,
    Funnel,
    FunnelError,
    FunnelReport,
    Pins,
    analyse,
    config_from_dict,
)
from sheets_sync.backends.base import Backend, Layout, Snapshot, grid_hash
from sheets_sync.backends.google import GoogleBackend
from sheets_sync.errors import InputError
from sheets_sync.number_formats import currency_of
from sheets_sync.plan_view import latest_gap
from sheets_sync.render import DEFAULT_OUTPUT_TABS, output_tab_for, render, written_by_sync
from sheets_sync.tab_names import name_problem

log = logging.getLogger(__name__)

Columns = dict[str, list[str]]


@dataclass
class SyncState:
    layout: Layout | None = None
    input_hash: str | None = None
    output_hash: str | None = None
    columns: Columns = field(default_factory=dict)  # input tab -> recognised column fields

    def to_json(self) -> dict[str, Any]:
        return {"layout": self.layout.to_json() if self.layout else None,
                "input_hash": self.input_hash, "output_hash": self.output_hash,
                "columns": self.columns}

    @classmethod
    def from_json(cls, d: dict[str, Any] | None) -> SyncState:
        if not d:
            return cls()
        layout = Layout.from_json(d["layout"]) if d.get("layout") else None
        return cls(layout, d.get("input_hash"), d.get("output_hash"), dict(d.get("columns", {})))


@dataclass(frozen=True)
class SyncOptions:
    output_tab: str | None = None  # default: "KPI" or "Показатели" by the spreadsheet's locale
    tab_names: Sequence[str] | None = None  # input tabs; default: found by their headers
    funnel: Funnel = DEFAULT_FUNNEL
    force: bool = False  # write even when the input is unchanged
    today: date | None = None
    pins: Pins = NO_PINS  # columns, pipeline order, won/lost values the user pinned


@runtime_checkable
class RevisionChecked(Protocol):
    def mark(self) -> str:
        """The spreadsheet's revision before the read (one cheap request)."""
        ...

    def moved_since(self, version: str) -> bool:
        """Whether anyone but this backend changed the spreadsheet since ``mark()`` gave
        ``version`` (called after the write; one cheap request)."""
        ...


@dataclass(frozen=True)
class SyncOutcome:
    # "written", "unchanged", or "stale": written, but the input changed between the read and
    # the write (twice running), so the KPI tab may show the older input until the next sync
    status: str
    report: FunnelReport
    output_tab: str
    input_hash: str
    cells_read: int
    cells_written: int
    api_calls: int
    retries: int
    seconds: float
    state: SyncState
    plan: dict[str, Any] | None = None  # the KPI tab's plan section (sheets_sync.plan_view)

    @property
    def problems(self) -> int:
        return len(self.report.problems)


def check_columns(previous: Columns, now: Columns) -> None:
    """Fail when a column the last sync used is gone (renamed or deleted)."""
    for tab, cols in previous.items():
        if tab not in now:
            continue  # the tab itself is gone or unrecognised: compute reports that
        lost = [c for c in cols if c not in now[tab]]
        if lost:
            raise InputError.say("error.columns_gone", tab=tab, columns=", ".join(lost))


def _analyse(snapshot: Snapshot, options: SyncOptions, *, today: date) -> Analysis:
    try:
        return analyse(snapshot.tabs, options.funnel, tab_names=options.tab_names,
                       locale=snapshot.layout.locale, today=today, pins=options.pins,
                       currency=currency_of(snapshot.layout.locale))
    except FunnelError as e:
        raise InputError.say("error.kpi_tab_left", why=e) from e


def job_config(config: dict[str, Any] | None) -> tuple[Funnel, Pins]:
    """A job's stored funnel config (funnel_kpi.config_from_dict); one the core refuses is the
    input's fault, an InputError like any other (the API checks it when the job is saved, so
    only a row edited by hand gets here)."""
    try:
        return config_from_dict(config or {})
    except FunnelError as e:
        raise InputError.like(e) from e


def check_output_tab(backend: Backend, output_tab: str) -> None:
    """A name the backend cannot take fails here, with the rule, not inside the writer."""
    problem = name_problem(output_tab, excel=not isinstance(backend, GoogleBackend))
    if problem:
        raise InputError.say("error.output_tab_name", tab=output_tab, problem=problem)


def run_sync(backend: Backend, options: SyncOptions, state: SyncState | None = None,
             *, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> SyncOutcome:
    first = _run_sync(backend, options, state, now)
    if first.status != "stale":
        return first
    log.info("the input changed while the KPI tab %r was written; syncing again",
             first.output_tab)
    again = _run_sync(backend, options, first.state, now)
    if again.status == "unchanged":
        # The input read again is the one the first write used: what moved the revision was
        # not an input (another tab, formats), so the first write stands.
        again = replace(again, status="written", cells_written=first.cells_written)
    return replace(again, seconds=first.seconds + again.seconds)


def _run_sync(backend: Backend, options: SyncOptions, state: SyncState | None,
              now: Callable[[], datetime]) -> SyncOutcome:
    started = time.perf_counter()
    state = state or SyncState()
    if options.output_tab:
        outputs: tuple[str, ...] = (options.output_tab,)
    elif state.layout:
        outputs = (output_tab_for(state.layout.locale),)
    else:
        outputs = DEFAULT_OUTPUT_TABS
    # Before the values: an edit landing after this is one the write may not show.
    revision = backend.mark() if isinstance(backend, RevisionChecked) else ""
    snapshot: Snapshot = backend.read(outputs, state.layout, options.tab_names)
    analysis = _analyse(snapshot, options, today=options.today or now().date())
    output_tab = options.output_tab or output_tab_for(snapshot.layout.locale)
    check_output_tab(backend, output_tab)
    if snapshot.output_a1 is not None and not written_by_sync(snapshot.output_a1):
        raise InputError.say("error.output_tab_foreign", tab=output_tab)
    report, columns = analysis.report, analysis.columns()
    check_columns(state.columns, columns)
    unchanged = (not options.force and state.input_hash == snapshot.input_hash
                 and snapshot.output_hash is not None and snapshot.output_hash == state.output_hash)
    cells_written = 0
    layout = snapshot.layout
    output_hash = state.output_hash
    status = "unchanged" if unchanged else "written"
    plan = latest_gap(analysis)
    if not unchanged:
        grid = render(report, lang=layout.lang, title=output_tab, synced_at=now(),
                      source=layout.title, input_hash=snapshot.input_hash, plan=plan)
        result = backend.write(grid, snapshot)
        cells_written, layout = result.cells, result.layout
        output_hash = grid_hash(grid)
        if isinstance(backend, RevisionChecked) and backend.moved_since(revision):
            status = "stale"
    new_state = replace(state, layout=layout, input_hash=snapshot.input_hash,
                        output_hash=output_hash, columns=columns)
    stats = backend.stats
    return SyncOutcome(status, report, output_tab,
                       snapshot.input_hash, snapshot.cells, cells_written, stats.requests,
                       stats.retries, time.perf_counter() - started, new_state, plan)
