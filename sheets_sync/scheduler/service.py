"""The scheduler: APScheduler with its SQLAlchemy job store in the service's database.

The ``sync_jobs`` table is the truth; the API only writes there. The scheduler reconciles its
APScheduler jobs with that table every few seconds (and at once when the API runs in the same
process), so jobs added, changed, paused or removed take effect without a restart. APScheduler's
stored next-run times survive restarts, which gives misfire grace and coalescing across downtime.
The job lock is the database's (see runner.py), so a second scheduler process cannot double a run,
and each tick is claimed once in the database (ticks.py), so it cannot run a tick twice either.
Reconciling runs in a thread of its own, never inside APScheduler's executor (see ``shutdown``).
A trigger hands the job to the scheduler's executor (sheets_sync/executor): by default it runs
the sync in this process; with Celery it only enqueues it for the workers.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from sheets_sync.executor import Executor
from sheets_sync.scheduler.runner import Runner
from sheets_sync.scheduler.ticks import TickExecutor, claim_tick, current_tick
from sheets_sync.scheduler.triggers import Schedule, ScheduleError
from sheets_sync.store import Store
from sheets_sync.store.models import Job

log = logging.getLogger(__name__)
JOB_PREFIX = "sync-job-"
APS_TABLE = "apscheduler_jobs"

# The scheduler of this process. APScheduler stores a job as a text reference to a module-level
# function plus its arguments, so the function finds the scheduler here; one per process.
_active: SyncScheduler | None = None


def run_scheduled(job_id: int) -> None:
    scheduler = _active
    if scheduler is None:
        log.warning("scheduled run of job %s skipped: no scheduler is running", job_id)
        return
    tick = current_tick()
    if tick is None:
        raise RuntimeError("run_scheduled runs under the scheduler's TickExecutor only")
    scheduler.fire(job_id, tick)


@dataclass(frozen=True)
class SchedulerSettings:
    misfire_grace_seconds: int = 300
    coalesce: bool = True
    workers: int = 4
    reconcile_seconds: float = 5.0


@dataclass(frozen=True)
class Reconciled:
    added: tuple[int, ...] = ()
    changed: tuple[int, ...] = ()
    removed: tuple[int, ...] = ()


def job_schedule(job: Job) -> Schedule | None:
    if not job.enabled or (job.schedule_cron is None and job.schedule_interval is None):
        return None
    return Schedule(job.schedule_cron, job.schedule_interval, job.timezone or "UTC")


class SyncScheduler:
    def __init__(self, store: Store, runner: Runner,
                 settings: SchedulerSettings | None = None,
                 executor: Executor | None = None) -> None:
        from sheets_sync.executor.inprocess import InProcessExecutor

        self.store = store
        self.runner = runner
        self.settings = settings or SchedulerSettings()
        self.executor: Executor = executor or InProcessExecutor(runner)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        s = self.settings
        self.aps = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=store.engine, tablename=APS_TABLE)},
            executors={"default": TickExecutor(s.workers)},
            job_defaults={"coalesce": s.coalesce, "max_instances": 1,
                          "misfire_grace_time": s.misfire_grace_seconds},
            timezone="UTC",
        )

    @property
    def running(self) -> bool:
        return bool(self.aps.running)

    def fire(self, job_id: int, tick: datetime) -> None:
        """The job's tick scheduled at ``tick``: run it unless another scheduler process
        claimed that tick (ticks.py)."""
        if not claim_tick(self.store, job_id, tick):
            log.info("job %s: the tick of %s was run by another scheduler process", job_id,
                     tick.isoformat())
            return
        self.executor.submit(job_id, "schedule")

    def start(self) -> None:
        global _active
        if _active is not None and _active is not self:
            raise RuntimeError("a scheduler is already running in this process")
        _active = self
        self.runner.on_paused = lambda _job_id: self.request_reconcile()
        self.aps.start()
        self.reconcile()
        self._stop.clear()
        self._thread = threading.Thread(target=self._reconcile_loop, name="sync-reconcile",
                                        daemon=True)
        self._thread.start()

    def shutdown(self, wait: bool = True) -> None:
        global _active
        # The loop stops first: APScheduler's shutdown holds its job store lock while it waits
        # for running jobs, so nothing that needs that lock may still be able to start.
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self.aps.running:
            self.aps.shutdown(wait=wait)
        if _active is self:
            _active = None

    def request_reconcile(self) -> None:
        """Reconcile soon, from the loop's thread (safe to call from a running job)."""
        self._wake.set()

    def _reconcile_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.settings.reconcile_seconds)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.reconcile()
            except Exception:  # the database may be down for a while; the next pass retries
                log.exception("could not reconcile scheduled jobs")

    def reconcile(self) -> Reconciled:
        """Make APScheduler's jobs match the enabled, scheduled rows of ``sync_jobs``."""
        with self._lock:
            if not self.aps.running:
                return Reconciled()
            with self.store.session() as s:
                wanted: dict[str, tuple[int, Schedule]] = {}
                for job in s.scalars(select(Job)):
                    sched = job_schedule(job)
                    if sched is not None:
                        wanted[f"{JOB_PREFIX}{job.id}"] = (job.id, sched)
            have = {j.id: j for j in self.aps.get_jobs(jobstore="default")}
            added: list[int] = []
            changed: list[int] = []
            removed: list[int] = []
            for aps_id, (job_id, sched) in wanted.items():
                current = have.get(aps_id)
                if current is not None and current.name == sched.fingerprint():
                    continue
                try:
                    trigger = sched.trigger()
                except ScheduleError as e:  # a row edited by hand; the API never stores one
                    log.error("job %s has a bad schedule: %s", job_id, e)
                    continue
                self.aps.add_job(run_scheduled, trigger, args=[job_id], id=aps_id,
                                 name=sched.fingerprint(), jobstore="default",
                                 replace_existing=True)
                (changed if current is not None else added).append(job_id)
            for aps_id in have:
                if aps_id not in wanted:
                    with contextlib.suppress(JobLookupError):
                        self.aps.remove_job(aps_id, jobstore="default")
                    removed.append(int(aps_id.removeprefix(JOB_PREFIX)))
            return Reconciled(tuple(added), tuple(changed), tuple(removed))
