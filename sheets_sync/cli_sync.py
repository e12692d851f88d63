"""``sheets-sync sync``: write a spreadsheet's KPI tab (loaded by cli.py when named: a sync
needs the job and the Google client, which computing on a file does not)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from sheets_sync.cli import load_config
from sheets_sync.cli_errors import fail_cleanly
from sheets_sync.connect import open_backend
from sheets_sync.job import SyncOptions, SyncState, run_sync


def default_state_path() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(base) / "sheets-sync" / "state.json"


@click.command()
@click.argument("spreadsheet")
@click.option("--tab", "tabs", multiple=True, help="Input tab to read (repeatable).")
@click.option("--output-tab", default=None, help='Default "KPI", or "Показатели" in ru_RU.')
@click.option("--config", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option("--force", is_flag=True, help="Write even when the input is unchanged.")
@click.option("--state", "state_path", type=click.Path(dir_okay=False), default=None,
              help="Where the CLI remembers layouts and hashes between syncs.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@fail_cleanly
def sync(spreadsheet: str, tabs: Sequence[str], output_tab: str | None, config: str | None,
         force: bool, state_path: str | None, fmt: str) -> None:
    """Sync SPREADSHEET (a Google id or URL, an .xlsx path, or a .csv/.tsv path whose KPI tab
    goes to <name>.kpi.xlsx beside it): write its KPI tab."""
    path = Path(state_path) if state_path else default_state_path()
    states: dict[str, Any] = json.loads(path.read_text("utf-8")) if path.exists() else {}
    backend = open_backend(spreadsheet)
    funnel, pins = load_config(config)
    options = SyncOptions(output_tab, tabs or None, funnel, force, pins=pins)
    outcome = run_sync(backend, options, SyncState.from_json(states.get(spreadsheet)))
    states[spreadsheet] = outcome.state.to_json()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(states, ensure_ascii=False, indent=1), "utf-8")
    summary = {"status": outcome.status, "output_tab": outcome.output_tab,
               "api_calls": outcome.api_calls, "retries": outcome.retries,
               "cells_read": outcome.cells_read, "cells_written": outcome.cells_written,
               "problems": outcome.problems, "data_status": outcome.report.status,
               "seconds": round(outcome.seconds, 3)}
    if fmt == "json":
        click.echo(json.dumps(summary, ensure_ascii=False))
    else:
        click.echo(f"{outcome.status}: tab {outcome.output_tab!r}, {outcome.api_calls} API "
                   f"calls, {outcome.cells_read} cells read, {outcome.cells_written} written, "
                   f"{outcome.seconds:.2f} s; data: {outcome.report.status}")
        for reason in outcome.report.status_reasons("en"):
            click.echo(f"  ! {reason}")
