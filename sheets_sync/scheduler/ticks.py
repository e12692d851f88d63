"""Each scheduler tick of a job runs once, however many scheduler processes fire it.

Every APScheduler process fires every tick of a job it knows, and they share one job store
without locking it, so two processes can both find a tick due. The run lock (runner.py) keeps
their runs from overlapping, but a short sync can end before the other process wakes, and the
tick would run twice. So the process that fires a tick first claims it: one conditional UPDATE
moves ``sync_jobs.last_tick_at`` to now, and only where the last claim is older than half the
schedule's shortest gap between ticks. Fires of one tick come milliseconds apart; two real
ticks at least a whole gap apart. The clocks of the scheduler machines must agree to within
that half gap (NTP does far better).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update

from sheets_sync.scheduler.triggers import Schedule
from sheets_sync.store import Store
from sheets_sync.store.models import Job, utcnow

CLAIM_CAP = timedelta(minutes=5)  # two processes' fires of one tick are never this far apart


def claim_window(schedule: Schedule, now: datetime) -> timedelta:
    return min(schedule.shortest_gap(now) / 2, CLAIM_CAP)


def claim_tick(store: Store, job_id: int, schedule: Schedule,
               now: datetime | None = None) -> bool:
    """True when this process claimed the job's tick firing now; False when another process
    fired it already."""
    now = now or utcnow()
    window = claim_window(schedule, now)
    with store.session() as s:
        claimed = s.execute(
            update(Job)
            .where(Job.id == job_id,
                   or_(Job.last_tick_at.is_(None), Job.last_tick_at <= now - window))
            .values(last_tick_at=now)
            .execution_options(synchronize_session=False))
        s.commit()
        return bool(claimed.rowcount)  # type: ignore[attr-defined]
