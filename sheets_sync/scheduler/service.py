"""The scheduler: APScheduler fed from the ``sync_jobs`` table, one per scheduler process.

The ``sync_jobs`` table is the truth; the API only writes there. Each scheduler process keeps its
own APScheduler jobs in memory (APScheduler 3's job stores must never be shared between
schedulers: a process is not told of jobs another one added, and one that starts with none
sleeps until it adds one itself) and reconciles them with that table every
``reconcile_seconds`` (at once when the API runs in the same process): jobs added, changed,
paused or removed by any process take effect here within that period. Every process computes
the same ticks of a job (an interval counts from the job's creation), and a tick is run once by
whichever process claims it first in the database (ticks.py); so any scheduler process takes
over the jobs of one that stopped, and the others keep to the schedule. A job's first tick in a
process is the first after the job's row last changed (its last tick, run or edit), or after
``misfire_grace_seconds`` ago if that is later: a tick missed while no scheduler ran still
happens, once (coalescing).
Each reconcile pass also closes the runs whose process died (dead_runs.py), so such a run is
marked interrupted within the run lease plus one period, whether its job fires again or not.
The job lock is the database's (see runner.py), so no two runs of a job ever overlap.
Reconciling runs in a thread of its own, never inside APScheduler's executor (see ``shutdown``).
A trigger hands the job to the scheduler's executor (sheets_sync/executor): by default it runs
the sync in this process; with Celery it only enqueues it for the workers.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select
from sqlalchemy.orm import load_only

from sheets_sync.errors import ScheduleError
from sheets_sync.executor import Executor, InProcessExecutor
from sheets_sync.scheduler.dead_runs import Closed, close_dead_runs
from sheets_sync.scheduler.runner import Runner
from sheets_sync.scheduler.ticks import TickExecutor, claim_tick, current_tick
from sheets_sync.scheduler.triggers import Schedule
from sheets_sync.settings import SchedulerSettings
from sheets_sync.store import Store
from sheets_sync.store.models import Job, utcnow

log = logging.getLogger(__name__)
JOB_PREFIX = "sync-job-"

@dataclass(frozen=True)
class Reconciled:
    added: tuple[int, ...] = ()
    changed: tuple[int, ...] = ()
    removed: tuple[int, ...] = ()


def job_schedule(job: Job) -> Schedule | None:
    if not job.enabled or (job.schedule_cron is None and job.schedule_interval is None):
        return None
    return Schedule(job.schedule_cron, job.schedule_interval, job.timezone or "UTC",
                    anchor=job.created_at)


def first_tick(job: Job, sched: Schedule, now: datetime, grace: timedelta) -> datetime | None:
    """The job's first tick to schedule: after the row last changed (a tick claimed, a run
    recorded, an edit through the API: a changed or resumed schedule starts afresh), but no
    earlier than ``grace`` ago (older ticks are missed anyway)."""
    since = max(job.last_tick_at or job.created_at, job.updated_at, now - grace)
    return sched.first_tick_after(since)


class SyncScheduler:
    def __init__(self, store: Store, runner: Runner,
                 settings: SchedulerSettings | None = None,
                 executor: Executor | None = None) -> None:
        self.store = store
        self.runner = runner
        self.settings = settings or SchedulerSettings()
        self.executor: Executor = executor or InProcessExecutor(runner)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.on_pass: Callable[[], object] | None = None  # each reconcile pass, after it
        s = self.settings
        self.aps = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},
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

    def run_scheduled(self, job_id: int) -> None:
        """APScheduler's job function. Its store is in memory, so it holds this bound method
        itself (a job store that persists would need a module-level function and a global)."""
        tick = current_tick()
        if tick is None:
            raise RuntimeError("run_scheduled runs under the scheduler's TickExecutor only")
        self.fire(job_id, tick)

    def start(self) -> None:
        self.runner.on_paused = lambda _job_id: self.request_reconcile()
        self.aps.start()
        self.sweep()
        self.reconcile()
        self._stop.clear()
        self._thread = threading.Thread(target=self._reconcile_loop, name="sync-reconcile",
                                        daemon=True)
        self._thread.start()

    def shutdown(self, wait: bool = True) -> None:
        # The loop stops first: APScheduler's shutdown holds its job store lock while it waits
        # for running jobs, so nothing that needs that lock may still be able to start.
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self.aps.running:
            self.aps.shutdown(wait=wait)

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
                self.sweep()
                self.reconcile()
                if self.on_pass is not None:  # the weekly digests due (sheets_sync/notify)
                    self.on_pass()
            except Exception:  # the database may be down for a while; the next pass retries
                log.exception("could not reconcile scheduled jobs")

    def sweep(self) -> list[Closed]:
        """Close the runs of any job whose process died, counting each as a failure."""
        settings = self.runner.settings
        with self.store.session() as s:
            closed = close_dead_runs(s, lock_ttl=settings.lock_ttl,
                                     max_failures=settings.max_failures)
        for c in closed:
            log.warning("job %s: run %s closed as interrupted (its process stopped renewing "
                        "its lease)%s", c.job_id, c.run_id,
                        "; the job is paused" if c.paused else "")
            if self.runner.after_run is not None:  # notifications (sheets_sync/notify)
                self.runner.after_run(c.job_id, c.run_id, c.paused)
        return closed

    def reconcile(self) -> Reconciled:
        """Make APScheduler's jobs match the enabled, scheduled rows of ``sync_jobs``."""
        with self._lock:
            if not self.aps.running:
                return Reconciled()
            now = utcnow()
            grace = timedelta(seconds=self.settings.misfire_grace_seconds)
            wanted: dict[str, tuple[Job, Schedule]] = {}
            with self.store.session() as s:
                columns = load_only(Job.id, Job.enabled, Job.schedule_cron,
                                    Job.schedule_interval, Job.timezone, Job.created_at,
                                    Job.updated_at, Job.last_tick_at)
                for job in s.scalars(select(Job).options(columns)):
                    sched = job_schedule(job)
                    if sched is not None:
                        wanted[f"{JOB_PREFIX}{job.id}"] = (job, sched)
            have = {j.id: j for j in self.aps.get_jobs(jobstore="default")}
            added: list[int] = []
            changed: list[int] = []
            removed: list[int] = []
            for aps_id, (job, sched) in wanted.items():
                current = have.get(aps_id)
                if current is not None and current.name == sched.fingerprint():
                    continue
                try:
                    trigger = sched.trigger()
                    when = first_tick(job, sched, now, grace)
                except ScheduleError as e:  # a row edited by hand; the API never stores one
                    log.error("job %s has a bad schedule: %s", job.id, e)
                    continue
                if when is None:  # no tick left (cannot happen with cron or interval)
                    continue
                self.aps.add_job(self.run_scheduled, trigger, args=[job.id], id=aps_id,
                                 name=sched.fingerprint(), jobstore="default",
                                 next_run_time=when.astimezone(trigger.timezone),
                                 replace_existing=True)
                (changed if current is not None else added).append(job.id)
                log.info("job %s %s: next tick at %s", job.id,
                         "rescheduled" if current is not None else "scheduled", when.isoformat())
            for aps_id in have:
                if aps_id not in wanted:
                    with contextlib.suppress(JobLookupError):
                        self.aps.remove_job(aps_id, jobstore="default")
                    removed.append(int(aps_id.removeprefix(JOB_PREFIX)))
                    log.info("job %s unscheduled: paused, without a schedule, or deleted",
                             removed[-1])
            return Reconciled(tuple(added), tuple(changed), tuple(removed))
