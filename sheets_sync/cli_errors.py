"""The one place the command line turns errors into output: ``@fail_cleanly`` on every command
(cli.py, cli_service.py, the demo's ``python -m sheets_sync.demo``).

Any of sheets_sync's errors (one root, sheets_sync/errors.py) or the core's (FunnelError) is its
own sentence on stderr; anything else is still one line, with the error's kind to report; both
exit 2, never with a traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from funnel_kpi import FunnelError
from sheets_sync.errors import SheetsSyncError

F = TypeVar("F", bound=Callable[..., Any])


def fail_cleanly(fn: F) -> F:
    """The one place the CLI turns errors into output: any of sheets_sync's (one root,
    sheets_sync/errors.py) or the core's as one line on stderr and exit 2, no traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (SheetsSyncError, FunnelError) as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(2)
        except (click.exceptions.Exit, click.Abort, click.ClickException, KeyboardInterrupt):
            raise
        except Exception as e:
            # A failure nothing mapped (a library's EOFError on a file another program is
            # rewriting): still one sentence and exit 2, with the error's kind to report.
            logging.getLogger("sheets_sync").debug("unmapped error", exc_info=True)
            click.echo(f"error: unexpected {type(e).__name__}: {e}. Nothing was written; run "
                       "it again, and report this message if it persists.", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]
