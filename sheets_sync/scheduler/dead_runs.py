"""Runs whose process died: closed as interrupted and counted as a failure of their job.

A running run's process renews the run's lease (heartbeat.py). A run whose lease ran out, or
that is older than the lock's time-to-live, has lost its process: it is closed as ``failed`` with
error code ``interrupted`` and counts as one more failure of its job, which is paused after
``max_failures`` failures in a row like any failing job. Every scheduler process sweeps for such
runs on each reconcile pass (service.py) and every trigger sweeps its job's runs before it takes
the job's lock (runner.py), so a dead run is closed within the lease plus one reconcile period,
whether its job fires again or not.

Several processes may sweep at once. A run is closed by one conditional UPDATE (only while it is
still running and still dead), and only the process whose UPDATE changed the row counts the
failure, in the same transaction: a dead run counts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from funnel_kpi import text
from funnel_kpi.errors import Param, phrase, sentence
from sheets_sync.store.models import INTERRUPTED, Job, Run, utcnow

INTERRUPTED_MESSAGE = text("error.interrupted")  # the English; the key is kept with the run


@dataclass(frozen=True)
class Closed:
    """A dead run closed by this process; ``paused``: its job was paused for it."""

    job_id: int
    run_id: int
    paused: bool


def pause_reason(failures: int, when: datetime, error: Param) -> dict[str, Any]:
    """The parameters of "error.paused": ``error`` is the last run's (its phrase, or its
    English sentence for an error said by no key)."""
    return {"failures": failures, "when": f"{when:%Y-%m-%d %H:%M}", "error": error}


def _dead(now: datetime, lock_ttl: timedelta) -> ColumnElement[bool]:
    return and_(Run.status == "running",
                or_(Run.started_at < now - lock_ttl,
                    and_(Run.lease_until.is_not(None), Run.lease_until < now)))


def close_dead_runs(session: Session, *, lock_ttl: timedelta, max_failures: int,
                    job_id: int | None = None, now: datetime | None = None) -> list[Closed]:
    """Close the dead runs (of ``job_id``, or of every job); the runs this call closed.
    Commits each closed run with its job's failure count."""
    now = now or utcnow()
    query = select(Run.id, Run.job_id).where(_dead(now, lock_ttl))
    if job_id is not None:
        query = query.where(Run.job_id == job_id)
    closed: list[Closed] = []
    for run_id, run_job in session.execute(query).all():
        done: Any = session.execute(
            update(Run).where(Run.id == run_id, _dead(now, lock_ttl))
            .values(status="failed", finished_at=now, error_code=INTERRUPTED,
                    error=INTERRUPTED_MESSAGE, error_key="error.interrupted", error_params={})
            .execution_options(synchronize_session=False))
        if not done.rowcount:  # renewed meanwhile, or closed by another process
            session.rollback()
            continue
        paused = count_failure(session, run_job, now, max_failures, phrase("error.interrupted"))
        session.commit()
        closed.append(Closed(run_job, run_id, paused))
    return closed


def count_failure(session: Session, job_id: int, now: datetime, max_failures: int,
                  error: Param) -> bool:
    """One more failed run of the job, pausing it at ``max_failures`` (0: never); True when
    this paused it. The caller commits."""
    session.execute(update(Job).where(Job.id == job_id)
                    .values(consecutive_failures=Job.consecutive_failures + 1)
                    .execution_options(synchronize_session=False))
    row = session.execute(select(Job.consecutive_failures, Job.enabled)
                          .where(Job.id == job_id)).one_or_none()
    if row is None or not max_failures or row.consecutive_failures < max_failures \
            or not row.enabled:
        return False
    reason = pause_reason(row.consecutive_failures, now, error)
    paused: Any = session.execute(
        update(Job).where(Job.id == job_id, Job.enabled.is_(True))
        .values(enabled=False, paused_reason=sentence("error.paused", "en", reason),
                paused_params=reason)
        .execution_options(synchronize_session=False))
    return bool(paused.rowcount)
