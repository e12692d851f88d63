"""A click group whose commands are imported when one is named, so that ``sheets-sync
compute FILE`` loads what computing needs and not the service (Flask, SQLAlchemy, the
scheduler, Celery, gspread), which took longer than reading a big workbook
(docs/performance.md, section 5).

Commands are named here by ``"module:attribute"``; ``tests/test_cli_lazy.py`` checks that
every name resolves to a command and that computing on a file imports none of the service.
This is click's own pattern ("Lazily Loading Subcommands" in its documentation).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import click


def load(target: str) -> Any:
    """The attribute named by ``"package.module:attribute"``, importing its module now."""
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


class LazyGroup(click.Group):
    """A group with some commands given as ``name -> "module:attribute"``, loaded when named
    (or listed, as ``--help`` does)."""

    def __init__(self, *args: Any, lazy: Mapping[str, str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            command = load(self.lazy[cmd_name])
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.lazy[cmd_name]} is not a click command")
            return command
        return super().get_command(ctx, cmd_name)
