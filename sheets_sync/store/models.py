"""The service's tables: sync jobs, their runs, the latest report of each job, API tokens.

A running run doubles as the job's lock: a partial unique index allows one row with status
"running" per job, so two triggers at once (threads or processes, SQLite or PostgreSQL) give one
run. The migrations in sheets_sync/migrations create exactly these tables (a test compares them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Constraint names are fixed so that migrations can name them on every database.
NAMING = {"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
          "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
          "pk": "pk_%(table_name)s"}
JsonType = JSON().with_variant(JSONB(), "postgresql")
# "stale": written, but the input changed between the read and the write (job.py)
RUN_STATUSES = ("running", "written", "unchanged", "stale", "failed")
# The error_code of a "failed" run whose process stopped mid-run (scheduler/dead_runs.py).
INTERRUPTED = "interrupted"
TRIGGERS = ("schedule", "manual", "api")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite keeps no time zone and returns naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Job(Base):
    __tablename__ = "sync_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    spreadsheet: Mapped[str] = mapped_column(String(1000))  # Google id or URL, or .xlsx path
    input_tabs: Mapped[list[str] | None] = mapped_column(JsonType, nullable=True)
    funnel: Mapped[dict[str, Any] | None] = mapped_column(JsonType, nullable=True)
    output_tab: Mapped[str | None] = mapped_column(String(100), nullable=True)
    schedule_cron: Mapped[str | None] = mapped_column(String(200), nullable=True)
    schedule_interval: Mapped[int | None] = mapped_column(Integer, nullable=True)  # seconds
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    paused_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The reason said again in any language (0006): the parameters of the catalogue's
    # "error.paused" (scheduler/dead_runs.py); None for a job paused before.
    paused_params: Mapped[dict[str, Any] | None] = mapped_column(JsonType, nullable=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[dict[str, Any] | None] = mapped_column(JsonType, nullable=True)  # SyncState
    # The Google service account the job syncs with (its e-mail), kept once given (0002).
    service_account: Mapped[str | None] = mapped_column(String(320), nullable=True)
    # When a scheduler process last claimed a tick of this job (0003; scheduler/ticks.py).
    last_tick_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    runs: Mapped[list[Run]] = relationship(back_populates="job", cascade="all, delete-orphan",
                                           passive_deletes=True)


class Run(Base):
    __tablename__ = "sync_runs"
    __table_args__ = (
        Index("ix_sync_runs_job_started", "job_id", "started_at"),
        Index("ix_sync_runs_task_id", "task_id"),
        # The job lock: at most one running run per job.
        Index("uq_sync_runs_one_running", "job_id", unique=True,
              sqlite_where=text("status = 'running'"),
              postgresql_where=text("status = 'running'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("sync_jobs.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(20))  # one of TRIGGERS
    status: Mapped[str] = mapped_column(String(20))  # one of RUN_STATUSES
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    api_calls: Mapped[int] = mapped_column(Integer, default=0)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    cells_read: Mapped[int] = mapped_column(Integer, default=0)
    cells_written: Mapped[int] = mapped_column(Integer, default=0)
    input_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    problems: Mapped[int] = mapped_column(Integer, default=0)
    # The report's status (0004): "ok", or "check" when the input had anything ignored or
    # doubted; None for a run that made no report.
    data_status: Mapped[str | None] = mapped_column(String(10), nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The error said again in any language (0006): its [error] key in funnel_kpi/catalogue.toml
    # and its parameters (funnel_kpi.errors.Said); None for a run recorded before, or for an
    # error nothing said by key (then ``error`` is all there is).
    error_key: Mapped[str | None] = mapped_column(String(80), nullable=True)
    error_params: Mapped[dict[str, Any] | None] = mapped_column(JsonType, nullable=True)
    # Who runs it (0002): the running process keeps pushing lease_until ahead (a run whose lease
    # ran out was interrupted); task_id is the Celery task's, worker is "host:pid".
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    task_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    worker: Mapped[str | None] = mapped_column(String(300), nullable=True)

    job: Mapped[Job] = relationship(back_populates="runs")


class JobReport(Base):
    """The report of a job's latest successful run (one row per job, replaced each time)."""

    __tablename__ = "sync_reports"

    job_id: Mapped[int] = mapped_column(ForeignKey("sync_jobs.id", ondelete="CASCADE"),
                                        primary_key=True)
    run_id: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    report: Mapped[dict[str, Any]] = mapped_column(JsonType)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))  # first characters, to tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class JobNotify(Base):
    """What a job wants to be told, and where (0005; sheets_sync/store/notifications.py). No
    secret is kept here: the SMTP password, the webhook signing secret and the Telegram bot
    token are the service's config only."""

    __tablename__ = "notify_settings"

    job_id: Mapped[int] = mapped_column(ForeignKey("sync_jobs.id", ondelete="CASCADE"),
                                        primary_key=True)
    lang: Mapped[str] = mapped_column(String(2), default="en")
    events: Mapped[list[str]] = mapped_column(JsonType)
    emails: Mapped[list[str]] = mapped_column(JsonType)
    # [{"kind": "slack", "url": ...} | {"kind": "telegram", "chat_id": ...}]
    webhooks: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    digest_weekday: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 0 = Monday
    digest_hour: Mapped[int | None] = mapped_column(Integer, nullable=True)  # job's time zone
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    job: Mapped[Job] = relationship()


class Notification(Base):
    """One message sent or failed (0005): the target with its secret parts masked."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_job_created", "job_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("sync_jobs.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    event: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(500))
    outcome: Mapped[str] = mapped_column(String(10))  # "sent" or "failed"
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The same said by a catalogue key (0007), for the reader's language; none before 0007.
    detail_key: Mapped[str | None] = mapped_column(String(80), nullable=True)
    detail_params: Mapped[dict[str, Any] | None] = mapped_column(JsonType, nullable=True)
