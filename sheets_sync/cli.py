"""The ``sheets-sync`` command. Errors become one sentence on stderr and exit code 2, here only.

The commands that read a file and report on it (compute, inspect, plan, kpis) are here and
import only the core and the file backends; the others are loaded when named (``LAZY``,
cli_lazy.py): the service's (Flask, SQLAlchemy, the scheduler, Celery), sync and a Google
reference (gspread), the add-ons' build, the emulator."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import click

from funnel_kpi import (
    DEFAULT_FUNNEL,
    NO_PINS,
    Analysis,
    Funnel,
    Pins,
    analyse,
    config_from_toml,
    registry,
)
from sheets_sync.cli_errors import fail_cleanly  # the one place errors become CLI output
from sheets_sync.cli_lazy import LazyGroup, load
from sheets_sync.files import is_xlsx, open_file
from sheets_sync.inspect_view import inspect_dict, inspect_text
from sheets_sync.plan_view import plan_dict, plan_text
from sheets_sync.render import DEFAULT_OUTPUT_TABS
from sheets_sync.text_report import text_report

EXIT_CHECK = 3  # compute: the report was made, but something in the input was ignored or doubted
# Commands imported when named: what they need is more than reading a file.
LAZY = {
    "sync": "sheets_sync.cli_sync:sync",
    "excel-setup": "sheets_sync.cli_tools:excel_setup",
    "emulator": "sheets_sync.cli_tools:emulator",
    "addon": "sheets_sync.addon_cli:addon",
    "serve": "sheets_sync.cli_service:serve",
    "scheduler": "sheets_sync.cli_service:scheduler",
    "worker": "sheets_sync.cli_service:worker",
    "tokens": "sheets_sync.cli_service:tokens",
    "demo": "sheets_sync.demo:main",
}


def load_config(config: str | None) -> tuple[Funnel, Pins]:
    return config_from_toml(config) if config else (DEFAULT_FUNNEL, NO_PINS)


@click.group(cls=LazyGroup, lazy=LAZY)
@click.version_option(package_name="funnel-kpi")
def main() -> None:
    """Funnel KPIs for shared spreadsheets: compute, sync to Google Sheets or .xlsx, serve."""


def input_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The options of commands that read a spreadsheet and report on it (compute, inspect)."""
    for option in reversed((
        click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table"),
        click.option("--lang", type=click.Choice(["ru", "en"]), default=None,
                     help="Language of the output (default: the workbook's)."),
        click.option("--config", type=click.Path(exists=True, dir_okay=False), default=None,
                     help="funnel.toml: a custom funnel, pinned columns, pipeline order."),
        click.option("--tab", "tabs", multiple=True, help="Input tab to read (repeatable)."),
        click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
                     help="The date to compute as of (default: today)."),
    )):
        fn = option(fn)
    return fn


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
@input_options
@fail_cleanly
def compute(path: str, fmt: str, lang: str | None, config: str | None, tabs: Sequence[str],
            today: Any) -> None:
    """Compute the report of an .xlsx, .csv or .tsv file and print it.

    Exit status: 0 when the report is ok, 3 when it is "check" (something in the input was
    ignored or doubted: the report says what, first), 2 when it failed."""
    analysis, lang_of_book = _analyse_ref(path, config, tabs, today)
    report = analysis.report
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(text_report(report, lang or lang_of_book), nl=False)
    if report.status == "check":
        sys.exit(EXIT_CHECK)


@main.command()
@click.argument("spreadsheet")
@input_options
@fail_cleanly
def inspect(spreadsheet: str, fmt: str, lang: str | None, config: str | None,
            tabs: Sequence[str], today: Any) -> None:
    """Show how every column of SPREADSHEET (.xlsx, .csv, .tsv, or a Google id or URL) is read:
    its role, the evidence, three sample values, and the columns ignored.

    Pin what is read wrong in a funnel.toml ([columns] "Header" = "stage key or field") and
    pass it with --config. Exit status as for compute: 0 ok, 3 check, 2 failed."""
    analysis, lang_of_book = _analyse_ref(spreadsheet, config, tabs, today)
    if fmt == "json":
        click.echo(json.dumps(inspect_dict(analysis), ensure_ascii=False, indent=2))
    else:
        click.echo(inspect_text(analysis, lang or lang_of_book), nl=False)
    if analysis.report.status == "check":
        sys.exit(EXIT_CHECK)


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--target", type=float, default=None,
              help="Revenue the month needs (default: the sheet's plan of that month).")
@click.option("--target-paid", type=float, default=None,
              help="Or a target in payments (a count) instead of revenue.")
@click.option("--month", default=None,
              help="The month to plan, YYYY-MM (default: the one after the last complete).")
@input_options
@fail_cleanly
def plan(path: str, target: float | None, target_paid: float | None, month: str | None,
         fmt: str, lang: str | None, config: str | None, tabs: Sequence[str],
         today: Any) -> None:
    """The plan of an .xlsx, .csv or .tsv file (or a Google id or URL): why the last complete
    month with a plan missed or beat it, in money, split between the first stage, each step's
    conversion and the average deal; and what the month planned needs at every stage, with
    the marketing budget, from the trailing months (a range from their least to their most).

    Exit status as for compute: 0 ok, 3 check, 2 failed."""
    if target is not None and target_paid is not None:
        raise click.UsageError("give --target or --target-paid, not both")
    analysis, lang_of_book = _analyse_ref(path, config, tabs, today)
    d = plan_dict(analysis, target=target if target_paid is None else target_paid,
                  month=month, target_of="revenue" if target_paid is None else "paid")
    if fmt == "json":
        click.echo(json.dumps(d, ensure_ascii=False, indent=2))
    else:
        click.echo(plan_text(d, lang or lang_of_book), nl=False)
    if analysis.report.status == "check":
        sys.exit(EXIT_CHECK)


def _analyse_ref(ref: str, config: str | None, tabs: Sequence[str], today: Any,
                 ) -> tuple[Analysis, str]:
    """Read a file or a Google spreadsheet and analyse it; the language of its locale."""
    funnel, pins = load_config(config)
    # A file opens without loading the Google client; a Google id or URL loads it now.
    backend = (open_file(ref, hashes=False) if is_xlsx(ref)
               else load("sheets_sync.connect:open_backend")(ref))
    snapshot = backend.read(DEFAULT_OUTPUT_TABS, tab_names=tabs or None)
    analysis = analyse(snapshot.tabs, funnel, tab_names=tabs or None,
                       locale=snapshot.layout.locale,
                       today=today.date() if today else date.today(), pins=pins)
    return analysis, snapshot.layout.lang


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json"]),
              default="table")
@click.option("--lang", type=click.Choice(["ru", "en"]), default="en")
def kpis(fmt: str, lang: str) -> None:
    """List every KPI: id, name, unit, formula and the spreadsheet function that computes it;
    then every spreadsheet function with its arguments (json: what GET /api/v1/kpis returns)."""
    if fmt == "markdown":
        click.echo(registry.markdown(lang), nl=False)
        return
    if fmt == "json":
        click.echo(json.dumps(registry.catalogue(), ensure_ascii=False, indent=2))
        return
    ru = lang == "ru"
    for k in registry.REGISTRY.values():
        unit = registry.UNIT_NAMES[k.unit][ru]
        click.echo(f"{k.id:<28} {k.name(lang):<40} {unit:<11} {k.formula_text(lang)}")
        if k.function:
            click.echo(f"{'':<28} = {registry.kpi_usage(k)}")
    click.echo("\n" + ("Функции для таблиц:" if ru else "Spreadsheet functions:"))
    for f in registry.FUNCTIONS.values():
        click.echo(f.usage())
        for a in f.args:
            click.echo(f"    {registry.arg_text(a, lang)}")


if __name__ == "__main__":  # pragma: no cover
    main()
