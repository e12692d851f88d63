"""Pick the backend for a spreadsheet reference: a file path (.xlsx, or a .csv/.tsv table), or a
Google id or URL. ``open_backend`` is the one opener: the CLI, ``run_sync``'s callers and the
runner (with a service account's ``GoogleConnection`` from quota/access.py) all open through it;
a file goes to ``files.open_file``, which the CLI calls directly for a file path."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gspread

from sheets_sync.backends.base import Backend
from sheets_sync.backends.google import GoogleBackend, spreadsheet_id
from sheets_sync.errors import InputError
from sheets_sync.files import is_xlsx, open_file
from sheets_sync.google_client import make_client


@dataclass(frozen=True)
class GoogleConnection:
    """How a Google spreadsheet is reached: the client (one service account's), the quota's
    wait before each request (``throttle(kind)``), and the account's e-mail for messages."""

    client: gspread.Client
    throttle: Callable[[str], object] | None = None
    account_email: str | None = None


def open_backend(ref: str, *, xlsx_root: Path | None = None,
                 google: Callable[[], GoogleConnection] | None = None) -> Backend:
    """``xlsx_root``, when given, confines file paths to that folder (the service sets it), and
    files are read in a child process under a memory limit (isolated.py); the CLI gives no
    ``xlsx_root`` and reads in its own process. ``google`` gives the connection for a Google
    reference (called only for one); without it, the default account of
    GOOGLE_APPLICATION_CREDENTIALS (or the emulator) with no quota limiter."""
    if is_xlsx(ref):
        return open_file(ref, xlsx_root=xlsx_root)
    if "." in Path(ref).name and not ref.lower().startswith(("http://", "https://")):
        raise InputError.say("error.not_a_table_file", file=Path(ref).name)
    spreadsheet_id(ref)  # refuse anything but an id or a docs.google.com URL before any I/O
    conn = google() if google is not None else GoogleConnection(make_client())
    return GoogleBackend(conn.client, ref, throttle=conn.throttle,
                         account_email=conn.account_email)
