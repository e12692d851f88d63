"""Exceptions of the service and the CLI: one tree, each class with the ``code`` the API, the
runs table and the CLI show, and the HTTP status the API answers with. Outside errors (gspread,
requests, openpyxl, calamine, SQLAlchemy, Redis) are turned into these at the boundary that
meets them; ``app/errors.py`` turns them into JSON (or a dashboard page), ``cli_service``'s
``fail_cleanly`` into one line on stderr.

    SheetsSyncError               code                http  anything sheets_sync refuses
    ├── SyncError                 sync_failed          422  a sync could not be done
    │   ├── SourceError           source_error         502  the spreadsheet cannot be reached
    │   │   ├── NotFound          not_found            404  no such spreadsheet / file
    │   │   ├── NotShared         not_shared           403  no access (names the e-mail)
    │   │   ├── QuotaExceeded     quota_exceeded       429  Google's quota, after the retries
    │   │   └── Unavailable       unavailable          503  Google or the network failed
    │   ├── InputError            bad_input            422  the input is there but unusable
    │   │   └── (TableError, backends/csv_file.py: a CSV that is not a table)
    │   └── WriteConflict         write_conflict       409  the file changed since it was read
    ├── PackageError              bad_workbook         422  an .xlsx package cannot be edited
    ├── StoreError                store_unavailable    503  the database cannot be used
    ├── SettingsError             bad_setting          500  a setting (config, env) is unusable
    ├── ScheduleError             bad_schedule         422  a cron, interval or zone is wrong
    ├── JobNotFound               job_not_found        404  no such job (deleted meanwhile)
    └── AlreadyRunning            already_running      409  the job is running now

A new root rather than ``SyncError`` as the root: a database, a setting or a busy job is not
"a sync could not be done", and a run's ``error_code`` (recorded from ``SyncError`` alone) keeps
its meaning. The core's errors (``funnel_kpi.errors.FunnelError``, with a ``code``) are a tree
of their own: the core does not know about HTTP. Nothing here imports anything of the package,
so every module may import it.

Both trees say their sentences the same way (``funnel_kpi.errors.Said``): a key of the
catalogue's ``[error]`` table and its parameters, ``raise InputError.say("error.no_file",
path=path)``; ``str(e)`` is English, ``e.text("ru")`` Russian. ``run_error_text`` and
``paused_text`` say a stored run's error and a paused job's reason again in a language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from funnel_kpi.catalogue import has, text
from funnel_kpi.errors import Param, Said, said_again


class SheetsSyncError(Said):
    """``str(e)`` is one sentence for the user that says what to do."""

    code = "sheets_sync_error"
    http_status = 500


class SyncError(SheetsSyncError):
    """A sync failed; ``str(e)`` is one sentence for the user."""

    code = "sync_failed"
    http_status = 422


class SourceError(SyncError):
    code = "source_error"
    http_status = 502


class NotFound(SourceError):
    code = "not_found"
    http_status = 404


class NotShared(SourceError):
    code = "not_shared"
    http_status = 403


class QuotaExceeded(SourceError):
    code = "quota_exceeded"
    http_status = 429


class Unavailable(SourceError):
    code = "unavailable"
    http_status = 503


class InputError(SyncError):
    code = "bad_input"
    http_status = 422


class WriteConflict(SyncError):
    code = "write_conflict"
    http_status = 409


class PackageError(SheetsSyncError):
    """The package cannot be edited as an .xlsx workbook; ``str(e)`` says why. The file
    backends turn it into an InputError for the sync."""

    code = "bad_workbook"
    http_status = 422


class StoreError(SheetsSyncError):
    """The database cannot be used (bad URL, no driver, unreachable, migration failed)."""

    code = "store_unavailable"
    http_status = 503


class SettingsError(SheetsSyncError):
    """A setting that cannot be used; ``str(e)`` names it and says what to write."""

    code = "bad_setting"
    http_status = 500


class ScheduleError(SheetsSyncError):
    """A schedule that cannot be used; ``str(e)`` says how to write a good one."""

    code = "bad_schedule"
    http_status = 422


class JobNotFound(SheetsSyncError):
    code = "job_not_found"
    http_status = 404

    def __init__(self, job_id: int, key: str = "error.job_not_found") -> None:
        super().__init__(key=key, params={"job_id": job_id})
        self.job_id = job_id


class AlreadyRunning(SheetsSyncError):
    """The job is running now (here or in another process); this trigger made no run.
    ``task_id``: the Celery task of the run holding the lock; ``stale_in``: seconds until that
    run counts as interrupted unless its lease is renewed."""

    code = "already_running"
    http_status = 409

    def __init__(self, message: str | None = None, /, *, task_id: str | None = None,
                 stale_in: float = 0.0, key: str | None = None,
                 params: Mapping[str, Param] | None = None) -> None:
        super().__init__(message, key=key, params=params)
        self.task_id = task_id
        self.stale_in = stale_in


def run_error_text(code: str | None, error: str | None, key: str | None,
                   params: Mapping[str, Any] | None, lang: str) -> str | None:
    """A failed run's error (as the runs table keeps it) in ``lang``: said again from its key;
    a run recorded before runs kept their key is said in Russian by its kind ([run_error]) with
    the English sentence as details."""
    again = said_again(key, params, lang)
    if again is not None:
        return again
    if lang == "ru" and code and has(f"run_error.{code}"):
        details = text("run_error.details", lang, text=error or "")
        return f"{text(f'run_error.{code}', lang)} {details}"
    return error


def paused_text(job: Any, lang: str) -> str | None:
    """A paused job's reason (``sync_jobs.paused_reason``, ``paused_params``) in ``lang``."""
    again = said_again("error.paused", job.paused_params, lang) if job.paused_params else None
    return again or job.paused_reason
