"""The one place the command line turns errors into output: ``@fail_cleanly`` on every command
(cli.py, cli_service.py, the demo's ``python -m sheets_sync.demo``).

Any of sheets_sync's errors (one root, sheets_sync/errors.py) or the core's (FunnelError) is its
own sentence on stderr; anything else is still one line, with the error's kind to report; both
exit 2, never with a traceback.

The sentence is in the user's language (``error_lang``): the command's ``--lang`` where it has
one and it was given, else the environment's locale (LC_ALL, LC_MESSAGES, LANG: "ru..." is
Russian), else English.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from funnel_kpi import FunnelError, text
from sheets_sync.errors import SheetsSyncError
from sheets_sync.number_formats import lang_of

F = TypeVar("F", bound=Callable[..., Any])
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")  # the order POSIX gives them


def error_lang(chosen: Any = None) -> str:
    """The language of an error's sentence: ``chosen`` (a command's --lang), else the locale."""
    if chosen in ("ru", "en"):
        return str(chosen)
    for name in LOCALE_VARIABLES:
        value = os.environ.get(name)
        if value:  # the first one set decides, as for any program
            return lang_of(value)
    return "en"


def fail_cleanly(fn: F) -> F:
    """The one place the CLI turns errors into output: any of sheets_sync's (one root,
    sheets_sync/errors.py) or the core's as one line on stderr and exit 2, no traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (SheetsSyncError, FunnelError) as e:
            lang = error_lang(kwargs.get("lang"))
            click.echo(f"{text('error.cli_prefix', lang)}: {e.text(lang)}", err=True)
            sys.exit(2)
        except (click.exceptions.Exit, click.Abort, click.ClickException, KeyboardInterrupt):
            raise
        except Exception as e:
            # A failure nothing mapped (a library's EOFError on a file another program is
            # rewriting): still one sentence and exit 2, with the error's kind to report.
            logging.getLogger("sheets_sync").debug("unmapped error", exc_info=True)
            lang = error_lang(kwargs.get("lang"))
            said = text("error.cli_unexpected", lang).format(kind=type(e).__name__, why=e)
            click.echo(f"{text('error.cli_prefix', lang)}: {said}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]
