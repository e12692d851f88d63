"""Run one sync job and record it: the lock, the sync, the run row, the report, the pausing.

A run row with status "running" is the job's lock (a partial unique index allows one per job), so
two triggers at once give one run, across threads, processes and machines alike; no transaction
is held while the spreadsheet is read and written. The running process keeps renewing a lease in
the row (heartbeat.py); a run whose lease ran out (its process died), or older than the lock's
time-to-live, is closed as interrupted and counted as a failure (dead_runs.py) by the next
trigger of its job, or sooner by any scheduler process's sweep. A run started by a Celery
task records the task's id, so a second delivery of that task (after its worker died, or twice
by the broker) is told apart from another trigger. After ``max_failures`` failed runs in a row
the job is paused with the reason, which the API and the dashboard show.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from funnel_kpi import Analysis, FunnelError, analyse
from funnel_kpi.errors import param_text, phrase
from sheets_sync.backends.base import Backend
from sheets_sync.connect import open_backend
from sheets_sync.errors import AlreadyRunning, JobNotFound, SyncError
from sheets_sync.files import is_xlsx
from sheets_sync.job import SyncOptions, SyncState, job_config, run_sync
from sheets_sync.quota.access import GoogleAccess
from sheets_sync.render import DEFAULT_OUTPUT_TABS
from sheets_sync.scheduler.dead_runs import close_dead_runs, count_failure
from sheets_sync.scheduler.heartbeat import Heartbeat
from sheets_sync.settings import RunnerSettings
from sheets_sync.store import Store
from sheets_sync.store.models import INTERRUPTED, Job, JobReport, Run, utcnow

log = logging.getLogger(__name__)
BackendFactory = Callable[..., Backend]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Runner:
    def __init__(self, store: Store, settings: RunnerSettings | None = None, *,
                 backend_factory: BackendFactory | None = None,
                 on_paused: Callable[[int], None] | None = None,
                 access: GoogleAccess | None = None,
                 after_run: Callable[[int, int, bool], None] | None = None) -> None:
        """``backend_factory`` replaces how backends are opened (tests); else ``access``
        (quota/access.py, from ``app.extensions``) opens them with its service accounts and
        quota limiter; with neither, as the CLI does (connect.open_backend)."""
        self.store = store
        self.settings = settings or RunnerSettings()
        self.backend_factory = backend_factory
        self.on_paused = on_paused
        self.access = access
        self.after_run = after_run  # (job id, run id, paused), once the run is recorded

    def _access(self) -> GoogleAccess | None:
        return None if self.backend_factory is not None else self.access

    def _start(self, job_id: int, trigger: str,
               task_id: str | None = None) -> tuple[int, dict[str, Any]] | None:
        """Take the job's lock by inserting its running run; the job's fields for the sync."""
        now = utcnow()
        with self.store.session() as s:
            # first, so that a dead run's failure may pause the job before this trigger runs
            closed = close_dead_runs(s, lock_ttl=self.settings.lock_ttl,
                                     max_failures=self.settings.max_failures, job_id=job_id,
                                     now=now)
            if any(c.paused for c in closed) and self.on_paused is not None:
                self.on_paused(job_id)
            job = s.get(Job, job_id)
            if job is None:
                raise JobNotFound(job_id)
            if trigger == "schedule" and not job.enabled:
                return None
            if task_id is not None and s.scalar(select(Run.id).where(
                    Run.job_id == job_id, Run.task_id == task_id, Run.status != "running",
                    or_(Run.error_code.is_(None), Run.error_code != INTERRUPTED)).limit(1)):
                log.info("job %s: task %s was delivered again after it ran; skipped", job_id,
                         task_id)
                return None
            access = self._access()
            if access is not None and not is_xlsx(job.spreadsheet):
                account = access.account_for(job_id, job.service_account)
                if job.service_account != account.name:
                    job.service_account = account.name  # kept: its sheets are shared with it
            spec = {"spreadsheet": job.spreadsheet, "input_tabs": job.input_tabs,
                    "funnel": job.funnel, "output_tab": job.output_tab, "state": job.state,
                    "account": job.service_account}
            s.commit()
            run = Run(job_id=job_id, trigger=trigger, status="running", started_at=now,
                      lease_until=now + self.settings.lease, task_id=task_id,
                      worker=worker_name(),
                      api_calls=0, retries=0, cells_read=0, cells_written=0, problems=0)
            s.add(run)
            try:
                s.commit()
            except IntegrityError:
                s.rollback()
                raise self._already_running(s, job_id, now) from None
            return run.id, spec

    def _already_running(self, s: Any, job_id: int, now: datetime) -> AlreadyRunning:
        holder = s.scalar(select(Run).where(Run.job_id == job_id, Run.status == "running"))
        task_id, stale_in = None, 0.0
        if holder is not None:
            task_id = holder.task_id
            until = holder.lease_until or holder.started_at + self.settings.lock_ttl
            stale_in = max(0.0, (until - now).total_seconds())
        return AlreadyRunning(key="error.already_running", params={"job_id": job_id},
                              task_id=task_id, stale_in=stale_in)

    def _backend(self, spec: dict[str, Any]) -> Backend:
        root = self.settings.xlsx_root
        if self.backend_factory is not None:
            return self.backend_factory(spec["spreadsheet"], xlsx_root=root)
        access = self._access()
        if access is None:
            return open_backend(spec["spreadsheet"], xlsx_root=root)
        account = access.account_for(0, spec["account"]) if spec["account"] else None
        return access.open_backend(spec["spreadsheet"], account, xlsx_root=root)

    def inspect(self, job_id: int) -> Analysis:
        """Read the job's spreadsheet and analyse it as a run would, writing nothing: how each
        column is read (the dashboard's "Inspect columns"). Raises JobNotFound, SyncError or
        FunnelError."""
        with self.store.session() as s:
            job = s.get(Job, job_id)
            if job is None:
                raise JobNotFound(job_id)
            spec: dict[str, Any] = {"spreadsheet": job.spreadsheet,
                                    "input_tabs": job.input_tabs, "funnel": job.funnel,
                                    "output_tab": job.output_tab,
                                    "account": job.service_account}
        funnel, pins = job_config(spec["funnel"])
        outputs = (spec["output_tab"],) if spec["output_tab"] else DEFAULT_OUTPUT_TABS
        snapshot = self._backend(spec).read(outputs, None, spec["input_tabs"])
        return analyse(snapshot.tabs, funnel, tab_names=spec["input_tabs"],
                       locale=snapshot.layout.locale, today=utcnow().date(), pins=pins)

    def run(self, job_id: int, trigger: str, *, force: bool = False,
            task_id: str | None = None) -> Run | None:
        """Run the job now; the finished run, or None when nothing ran (a paused job's
        scheduled trigger, or a Celery task ``task_id`` delivered again after it ran).
        Raises JobNotFound or AlreadyRunning (then nothing is recorded)."""
        started = self._start(job_id, trigger, task_id)
        if started is None:
            return None
        run_id, spec = started
        with Heartbeat(self.store, run_id, self.settings.heartbeat):
            result, state, report, backend = self._sync(job_id, spec, force)
        if backend is not None and result["status"] == "failed":
            result["api_calls"], result["retries"] = backend.stats.requests, backend.stats.retries
        return self._finish(job_id, run_id, result, state, report)

    def _sync(self, job_id: int, spec: dict[str, Any], force: bool
              ) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any] | None,
                         Backend | None]:
        result: dict[str, Any] = {}
        backend: Backend | None = None
        state: dict[str, Any] | None = None
        report: dict[str, Any] | None = None
        try:
            funnel, pins = job_config(spec["funnel"])
            backend = self._backend(spec)
            options = SyncOptions(output_tab=spec["output_tab"], tab_names=spec["input_tabs"],
                                  funnel=funnel, force=force, pins=pins)
            outcome = run_sync(backend, options, SyncState.from_json(spec["state"]))
            result = {"status": outcome.status, "api_calls": outcome.api_calls,
                      "retries": outcome.retries, "cells_read": outcome.cells_read,
                      "cells_written": outcome.cells_written, "input_hash": outcome.input_hash,
                      "problems": outcome.problems, "data_status": outcome.report.status}
            state, report = outcome.state.to_json(), outcome.report.to_dict()
            if outcome.plan:  # the KPI tab's plan section, for the dashboard
                report["plan"] = outcome.plan
        except (SyncError, FunnelError) as e:  # FunnelError: the core's, with its own code
            result = {"status": "failed", "error_code": e.code, "error": str(e),
                      "error_key": e.key, "error_params": dict(e.params) if e.key else None}
            state = report = None
        except Exception as e:  # a bug or an unmapped outside error: recorded, never lost
            log.exception("sync job %s failed unexpectedly", job_id)
            said = phrase("error.unexpected", kind=e.__class__.__name__, why=str(e))
            result = {"status": "failed", "error_code": "internal_error",
                      "error": param_text(said), "error_key": said["key"],
                      "error_params": said["params"]}
            state = report = None
        return result, state, report, backend

    def _finish(self, job_id: int, run_id: int, result: dict[str, Any],
                state: dict[str, Any] | None, report: dict[str, Any] | None) -> Run | None:
        now = utcnow()
        paused = False
        with self.store.session() as s:
            run = s.get(Run, run_id)
            job = s.get(Job, job_id)
            if run is None or job is None:
                return None  # the job was deleted while it ran
            # Closed as interrupted meanwhile (older than the lock's time-to-live): that
            # counted as a failure already; the run's own outcome replaces it.
            counted = run.status != "running"
            result = {"error_code": None, "error": None, "error_key": None, "error_params": None,
                      **result}
            for key, value in result.items():
                setattr(run, key, value)
            run.finished_at = now
            if result["status"] == "failed":
                if not counted:
                    said, params = result.get("error_key"), result.get("error_params") or {}
                    error = phrase(said, **params) if said else result.get("error") or ""
                    paused = count_failure(s, job_id, now, self.settings.max_failures, error)
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
        if self.after_run is not None:  # notifications: handed to a thread (sheets_sync/notify)
            self.after_run(job_id, run_id, paused)
        return run


__all__ = ["AlreadyRunning", "JobNotFound", "Runner", "RunnerSettings", "worker_name"]
