"""Run one sync job and record it: the lock, the sync, the run row, the report, the pausing.

A run row with status "running" is the job's lock (a partial unique index allows one per job), so
two triggers at once give one run, across threads and processes alike; no transaction is held
while the spreadsheet is read and written. A run left "running" by a process that died is closed
as interrupted once it is older than the lock's time-to-live. After ``max_failures`` failed runs
in a row the job is paused with the reason, which the API and the dashboard show.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from funnel_kpi import DEFAULT_FUNNEL, FunnelError, funnel_from_dict
from sheets_sync.backends.base import Backend
from sheets_sync.errors import SyncError
from sheets_sync.store import Store
from sheets_sync.store.models import Job, JobReport, Run, utcnow

log = logging.getLogger(__name__)
BackendFactory = Callable[..., Backend]


class JobNotFound(LookupError):
    pass


class AlreadyRunning(RuntimeError):
    """The job is running now (here or in another process); this trigger made no run."""


@dataclass(frozen=True)
class RunnerSettings:
    xlsx_root: Path | None = None
    max_failures: int = 3  # consecutive failed runs before a job is paused; 0: never pause
    lock_ttl: timedelta = timedelta(hours=1)


def _default_factory(ref: str, *, xlsx_root: Path | None = None) -> Backend:
    from sheets_sync.connect import open_backend

    return open_backend(ref, xlsx_root=xlsx_root)


class Runner:
    def __init__(self, store: Store, settings: RunnerSettings | None = None, *,
                 backend_factory: BackendFactory = _default_factory,
                 on_paused: Callable[[int], None] | None = None) -> None:
        self.store = store
        self.settings = settings or RunnerSettings()
        self.backend_factory = backend_factory
        self.on_paused = on_paused

    def _start(self, job_id: int, trigger: str) -> tuple[int, dict[str, Any]] | None:
        """Take the job's lock by inserting its running run; the job's fields for the sync."""
        now = utcnow()
        with self.store.session() as s:
            job = s.get(Job, job_id)
            if job is None:
                raise JobNotFound(job_id)
            if trigger == "schedule" and not job.enabled:
                return None
            spec = {"spreadsheet": job.spreadsheet, "input_tabs": job.input_tabs,
                    "funnel": job.funnel, "output_tab": job.output_tab, "state": job.state}
            s.execute(update(Run)
                      .where(Run.job_id == job_id, Run.status == "running",
                             Run.started_at < now - self.settings.lock_ttl)
                      .values(status="failed", finished_at=now, error_code="interrupted",
                              error="The run was interrupted (its process stopped); the next "
                                    "run starts afresh."))
            s.commit()
            run = Run(job_id=job_id, trigger=trigger, status="running", started_at=now,
                      api_calls=0, retries=0, cells_read=0, cells_written=0, problems=0)
            s.add(run)
            try:
                s.commit()
            except IntegrityError:
                s.rollback()
                raise AlreadyRunning(f"Job {job_id} is running now; wait for that run to "
                                     "finish.") from None
            return run.id, spec

    def run(self, job_id: int, trigger: str, *, force: bool = False) -> Run | None:
        """Run the job now; the finished run, or None for a paused job's scheduled trigger.
        Raises JobNotFound or AlreadyRunning (then nothing is recorded)."""
        started = self._start(job_id, trigger)
        if started is None:
            return None
        run_id, spec = started
        result: dict[str, Any] = {}
        backend: Backend | None = None
        state: dict[str, Any] | None = None
        report: dict[str, Any] | None = None
        try:
            from sheets_sync.job import SyncOptions, SyncState, run_sync

            funnel = funnel_from_dict(spec["funnel"]) if spec["funnel"] else DEFAULT_FUNNEL
            backend = self.backend_factory(spec["spreadsheet"], xlsx_root=self.settings.xlsx_root)
            options = SyncOptions(output_tab=spec["output_tab"], tab_names=spec["input_tabs"],
                                  funnel=funnel, force=force)
            outcome = run_sync(backend, options, SyncState.from_json(spec["state"]))
            result = {"status": outcome.status, "api_calls": outcome.api_calls,
                      "retries": outcome.retries, "cells_read": outcome.cells_read,
                      "cells_written": outcome.cells_written, "input_hash": outcome.input_hash,
                      "problems": outcome.problems}
            state, report = outcome.state.to_json(), outcome.report.to_dict()
        except (SyncError, FunnelError) as e:
            code = getattr(e, "code", "bad_input")
            result = {"status": "failed", "error_code": code, "error": str(e)}
            state = report = None
        except Exception as e:  # a bug or an unmapped outside error: recorded, never lost
            log.exception("sync job %s failed unexpectedly", job_id)
            result = {"status": "failed", "error_code": "internal_error",
                      "error": f"Unexpected error ({e.__class__.__name__}: {e}). It was logged; "
                               "run the job again, and report it if it persists."}
            state = report = None
        if backend is not None and result["status"] == "failed":
            result["api_calls"], result["retries"] = backend.stats.requests, backend.stats.retries
        return self._finish(job_id, run_id, result, state, report)

    def _finish(self, job_id: int, run_id: int, result: dict[str, Any],
                state: dict[str, Any] | None, report: dict[str, Any] | None) -> Run | None:
        now = utcnow()
        paused = False
        with self.store.session() as s:
            run = s.get(Run, run_id)
            job = s.get(Job, job_id)
            if run is None or job is None:
                return None  # the job was deleted while it ran
            for key, value in result.items():
                setattr(run, key, value)
            run.finished_at = now
            if result["status"] == "failed":
                job.consecutive_failures += 1
                limit = self.settings.max_failures
                if limit and job.consecutive_failures >= limit and job.enabled:
                    job.enabled = False
                    job.paused_reason = pause_reason(job.consecutive_failures, now,
                                                     result.get("error") or "")
                    paused = True
            else:
                job.consecutive_failures = 0
                job.state = state
                if report is not None:
                    s.merge(JobReport(job_id=job_id, run_id=run_id, computed_at=now,
                                      report=report))
            s.commit()
        log.info("job %s run %s (%s): %s%s", job_id, run_id, run.trigger, result["status"],
                 f": {result['error']}" if result.get("error") else "")
        if paused:
            log.warning("job %s paused after %s failed runs in a row", job_id,
                        self.settings.max_failures)
        if paused and self.on_paused is not None:
            self.on_paused(job_id)
        return run


def pause_reason(failures: int, when: datetime, error: str) -> str:
    return (f"Paused after {failures} failed runs in a row (last at "
            f"{when:%Y-%m-%d %H:%M} UTC): {error} Fix the cause, then resume the job.")
