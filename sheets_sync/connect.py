"""Pick the backend for a spreadsheet reference: an .xlsx path, or a Google id or URL."""

from __future__ import annotations

from pathlib import Path

from sheets_sync.backends.base import Backend


def is_xlsx(ref: str) -> bool:
    return ref.lower().endswith((".xlsx", ".xlsm"))


def open_backend(ref: str, *, xlsx_root: Path | None = None) -> Backend:
    """``xlsx_root``, when given, confines .xlsx paths to that folder (the service sets it)."""
    if is_xlsx(ref):
        from sheets_sync.backends.xlsx import XlsxBackend
        from sheets_sync.errors import InputError

        path = Path(ref)
        if xlsx_root is not None:
            root = xlsx_root.resolve()
            path = (root / ref).resolve()
            if not path.is_relative_to(root):
                raise InputError(f".xlsx files must be inside {root}; {ref!r} is not.")
        return XlsxBackend(path)
    from sheets_sync.backends.google import GoogleBackend
    from sheets_sync.google_client import make_client

    return GoogleBackend(make_client(), ref)
