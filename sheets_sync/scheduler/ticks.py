"""Each scheduler tick of a job runs once, however many scheduler processes fire it.

Every APScheduler process fires every tick of a job it knows, and they share one job store
without locking it, so two processes can both find a tick due. The run lock (runner.py) keeps
their runs from overlapping, but a short sync can end before the other process wakes, and the
tick would run twice. So a tick is claimed before it runs: one conditional UPDATE moves
``sync_jobs.last_tick_at`` to the tick's scheduled time, only where it is older; the process
whose UPDATE changed the row runs the tick, the other finds it claimed.

APScheduler 3 tells the scheduled times to its executor, not to the job's function, so the
executor here passes them on in a thread-local (``current_tick``).
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from apscheduler.executors.base import run_job
from apscheduler.executors.pool import ThreadPoolExecutor
from sqlalchemy import or_, update

from sheets_sync.store import Store
from sheets_sync.store.models import Job

_local = threading.local()


def current_tick() -> datetime | None:
    """The scheduled time of the tick the calling job function runs for (None outside)."""
    return getattr(_local, "tick", None)


def _run_for_tick(tick: datetime, *args: Any) -> Any:
    _local.tick = tick
    try:
        return run_job(*args)
    finally:
        _local.tick = None


class TickExecutor(ThreadPoolExecutor):  # type: ignore[misc]
    """APScheduler's thread pool executor, passing each run its tick (the latest of its
    scheduled times: with coalescing, missed ticks run once as the last of them)."""

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        # as BasePoolExecutor._do_submit_job (APScheduler 3.11), with the tick set around it
        def done(f: Any) -> None:
            exc = f.exception()
            if exc:
                self._run_job_error(job.id, exc, exc.__traceback__)
            else:
                self._run_job_success(job.id, f.result())

        f = self._pool.submit(_run_for_tick, max(run_times), job, job._jobstore_alias,
                              run_times, self._logger.name)
        f.add_done_callback(done)


def claim_tick(store: Store, job_id: int, tick: datetime) -> bool:
    """True when this process claimed the job's tick scheduled at ``tick``; False when another
    process claimed it (or a later one) first, or the job is gone."""
    with store.session() as s:
        claimed = s.execute(
            update(Job)
            .where(Job.id == job_id, or_(Job.last_tick_at.is_(None), Job.last_tick_at < tick))
            .values(last_tick_at=tick)
            .execution_options(synchronize_session=False))
        s.commit()
        return bool(claimed.rowcount)  # type: ignore[attr-defined]
