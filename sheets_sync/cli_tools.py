"""``sheets-sync excel-setup`` and ``sheets-sync emulator`` (loaded by cli.py when named)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from excel_udfs.setup import setup_steps, write_config
from sheets_emulator.cli import main as emulator_main


@click.command("excel-setup")
@click.option("--folder", type=click.Path(file_okay=False), default=".",
              help="Where to write xlwings.conf (next to your workbook).")
@click.option("--interpreter", default=None, help="Python for Excel on Windows (INTERPRETER_WIN).")
@click.option("--lang", type=click.Choice(["ru", "en"]), default="en")
def excel_setup(folder: str, interpreter: str | None, lang: str) -> None:
    """Write an xlwings.conf naming the UDF module and print how to import the functions."""
    path = write_config(Path(folder), interpreter=interpreter)
    click.echo(f"wrote {path}")
    click.echo(setup_steps(lang))


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def emulator(ctx: click.Context) -> None:
    """Run the local Google Sheets API emulator (same options as python -m sheets_emulator)."""
    sys.exit(emulator_main(list(ctx.args)))
