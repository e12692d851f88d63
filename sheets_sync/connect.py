"""Pick the backend for a spreadsheet reference: a file path (.xlsx, or a .csv/.tsv table), or a
Google id or URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sheets_sync.backends.base import Backend

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
TABLE_SUFFIXES = (".csv", ".tsv", ".txt")


def is_table(ref: str) -> bool:
    return ref.lower().endswith(TABLE_SUFFIXES)


def is_xlsx(ref: str) -> bool:
    """A local file (an .xlsx workbook or a CSV/TSV table), not a Google reference. The name
    is older than CSV files: every caller means "a file in the workbook folder"."""
    return ref.lower().endswith(WORKBOOK_SUFFIXES) or is_table(ref)


def open_backend(ref: str, *, xlsx_root: Path | None = None) -> Backend:
    """``xlsx_root``, when given, confines file paths to that folder (the service sets it), and
    files are read in a child process under a memory limit (isolated.py); the CLI gives no
    ``xlsx_root`` and reads in its own process."""
    if is_xlsx(ref):
        from sheets_sync.errors import InputError

        path = Path(ref)
        if xlsx_root is not None:
            root = xlsx_root.resolve()
            path = (root / ref).resolve()
            if not path.is_relative_to(root):
                raise InputError(f"Workbook files must be inside {root}; {ref!r} is not.")
        backend: Backend
        if is_table(ref):
            from sheets_sync.backends.csv_file import CsvBackend

            backend = CsvBackend(path)
        else:
            from sheets_sync.backends.xlsx import XlsxBackend

            backend = XlsxBackend(path)
        if xlsx_root is not None:
            from sheets_sync.backends.isolated import Isolated

            backend = Isolated(backend)
        return backend
    if "." in Path(ref).name and not ref.lower().startswith(("http://", "https://")):
        from sheets_sync.errors import InputError

        raise InputError(f"{Path(ref).name} is neither an .xlsx workbook nor a .csv/.tsv table "
                         "(nor a Google spreadsheet id or URL): save it as one of those.")
    from sheets_sync.backends.google import GoogleBackend, spreadsheet_id

    spreadsheet_id(ref)  # refuse anything but an id or a docs.google.com URL before any I/O
    return GoogleBackend(google_client(), ref)


def google_client() -> Any:
    """gspread's client; a key file that cannot be used becomes one clear SourceError. The
    message names the file and the kind of error only: the error's own text could quote the
    key, and a run's error is shown in the API, on the dashboard and in logs."""
    import os

    from google.auth.exceptions import GoogleAuthError

    from sheets_sync.errors import SourceError
    from sheets_sync.google_client import make_client

    try:
        return make_client()
    except (ValueError, KeyError, TypeError, OSError, GoogleAuthError) as e:
        where = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS") or "gspread's default path"
        raise SourceError(
            f"The Google service-account key ({where}) cannot be used ({type(e).__name__}): "
            "download a new JSON key for the service account and point "
            "GOOGLE_APPLICATION_CREDENTIALS at it.") from None
