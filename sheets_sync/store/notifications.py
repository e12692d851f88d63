"""Notification tables (0005; the models are in store/models.py): what each job wants to be
told, and every message sent or failed.

``notify_settings`` holds one row per job that asked for notifications: its channels (e-mail
addresses, Slack-compatible webhook URLs on the allowed hosts, Telegram chat ids), the events it
wants, its language and its weekly digest. No secret is kept here: the SMTP password, the webhook
signing secret and the Telegram bot token live in the service's config only.
``notifications`` records each delivery: when, which event and channel, the target with its
secret parts masked (sheets_sync.notify.mask), the outcome, the tries it took and why it failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from sheets_sync.store.models import JobNotify, Notification, utcnow

EVENTS = ("failed", "paused", "check", "out_of_control")
DEFAULT_EVENTS = ("failed", "paused")
DIGEST = "digest"  # the event of a weekly digest
CHANNELS = ("email", "slack", "telegram")
OUTCOMES = ("sent", "failed")


def settings_of(s: Session, job_id: int) -> JobNotify | None:
    return s.get(JobNotify, job_id)


def record(s: Session, *, job_id: int, run_id: int | None, event: str, channel: str,
           target: str, outcome: str, attempts: int, detail: str | None,
           said: Mapping[str, Any] | None = None) -> Notification:
    """``detail``: why it failed, in English; ``said``: the same as a catalogue phrase (its
    key and parameters), so it is said again in the reader's language."""
    row = Notification(job_id=job_id, run_id=run_id, created_at=utcnow(), event=event,
                       channel=channel, target=target[:500], outcome=outcome,
                       attempts=attempts, detail=detail,
                       detail_key=said["key"] if said else None,
                       detail_params=dict(said["params"]) if said else None)
    s.add(row)
    return row


def recent(s: Session, job_id: int, limit: int = 50) -> list[Notification]:
    return list(s.scalars(select(Notification).where(Notification.job_id == job_id)
                          .order_by(Notification.id.desc()).limit(limit)))


def digest_jobs(s: Session) -> list[JobNotify]:
    """Settings of every job with a weekly digest (a paused one's says it is paused)."""
    return list(s.scalars(select(JobNotify).where(JobNotify.digest_weekday.is_not(None),
                                                  JobNotify.digest_hour.is_not(None))))


def claim_digest(s: Session, job_id: int, due: datetime) -> bool:
    """True when this process claimed the job's digest scheduled at ``due``: one conditional
    UPDATE, so two scheduler processes send it once (as scheduler/ticks.py claims a tick)."""
    claimed = s.execute(
        update(JobNotify)
        .where(JobNotify.job_id == job_id,
               or_(JobNotify.last_digest_at.is_(None), JobNotify.last_digest_at < due))
        .values(last_digest_at=due)
        .execution_options(synchronize_session=False))
    s.commit()
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


__all__ = [
    "CHANNELS",
    "DEFAULT_EVENTS",
    "DIGEST",
    "EVENTS",
    "OUTCOMES",
    "JobNotify",
    "Notification",
    "claim_digest",
    "digest_jobs",
    "recent",
    "record",
    "settings_of",
]
