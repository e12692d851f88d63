"""Exceptions of the sync layer. Outside errors (gspread, requests, openpyxl, calamine, SQLAlchemy)
are turned into these at the boundary that meets them; the CLI and the API turn these into output.

    SyncError                     a sync could not be done; str(e) says what to do
    ├── SourceError               the spreadsheet cannot be reached or read
    │   ├── NotFound              no such spreadsheet / file
    │   ├── NotShared             the service account has no access (names the e-mail to share with)
    │   ├── QuotaExceeded         Google's quota, still exhausted after the retries
    │   └── Unavailable           Google or the network failed after the retries
    ├── InputError                the input is there but unusable (layout, missing column, bad path)
    └── WriteConflict             the file changed since it was read; nothing was written
"""

from __future__ import annotations


class SyncError(Exception):
    """A sync failed; ``str(e)`` is one sentence for the user."""

    code = "sync_failed"


class SourceError(SyncError):
    code = "source_error"


class NotFound(SourceError):
    code = "not_found"


class NotShared(SourceError):
    code = "not_shared"


class QuotaExceeded(SourceError):
    code = "quota_exceeded"


class Unavailable(SourceError):
    code = "unavailable"


class InputError(SyncError):
    code = "bad_input"


class WriteConflict(SyncError):
    code = "write_conflict"
