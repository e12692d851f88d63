"""A spreadsheet file by its path: an .xlsx workbook or a .csv/.tsv table, and the backend
that reads it. The half of ``connect.open_backend`` that needs no Google client, so that
``sheets-sync compute FILE`` does not load gspread."""

from __future__ import annotations

from pathlib import Path

from sheets_sync.backends.base import Backend
from sheets_sync.backends.csv_file import CsvBackend
from sheets_sync.backends.isolated import Isolated
from sheets_sync.backends.xlsx import XlsxBackend
from sheets_sync.errors import InputError

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
TABLE_SUFFIXES = (".csv", ".tsv", ".txt")


def is_table(ref: str) -> bool:
    return ref.lower().endswith(TABLE_SUFFIXES)


def is_xlsx(ref: str) -> bool:
    """A local file (an .xlsx workbook or a CSV/TSV table), not a Google reference. The name
    is older than CSV files: every caller means "a file in the workbook folder"."""
    return ref.lower().endswith(WORKBOOK_SUFFIXES) or is_table(ref)


def open_file(ref: str, *, xlsx_root: Path | None = None, hashes: bool = True) -> Backend:
    """The backend of the file ``ref`` (``is_xlsx(ref)``). ``xlsx_root``, when given, confines
    the path to that folder (the service sets it), and the file is read in a child process
    under a memory limit (isolated.py); without it (the CLI) it is read in this process.
    ``hashes=False``: a workbook's snapshot has no version or input hash (only a sync uses
    them)."""
    path = Path(ref)
    if xlsx_root is not None:
        root = xlsx_root.resolve()
        path = (root / ref).resolve()
        if not path.is_relative_to(root):
            raise InputError.say("error.outside_root", root=str(root), ref=ref)
    if xlsx_root is None:
        return CsvBackend(path) if is_table(ref) else XlsxBackend(path, hashes=hashes)
    # The service reads in a child: every native parser (calamine, fastexcel) runs there,
    # so a big tab is read by rows in the child rather than by columns in this process.
    return Isolated(CsvBackend(path) if is_table(ref) else XlsxBackend(path, column_rows=None))
