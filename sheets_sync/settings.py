"""The settings of the service's parts, built from the app's config in one place:

    SYNC_DEFAULTS                       the keys below with their defaults, merged into the app's
                                        (app/config.py), so each can be set in the instance config
                                        or as ``SHEETS_SYNC_<KEY>`` (JSON-parsed: numbers, lists)
    Settings.from_config(config)        every part's settings, checked (SettingsError says which
    ├── .runner:    RunnerSettings      one job's run: the workbook folder, pausing, the lock
    ├── .scheduler: SchedulerSettings   APScheduler and the reconcile loop
    └── .scale:     ScaleSettings       the executor (in process or Celery), the quota buckets
                                        and the service accounts (quota/access.py builds the
                                        limiter and the Google access from them)

``config`` is any mapping (``app.config``, a test's dict); keys it lacks take the defaults here.
This module imports nothing heavy and nothing of the package but its errors: the scheduler, the
executor, the quota and the app all import it, and it imports none of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sheets_sync.errors import SettingsError

BEATS_PER_LEASE = 3  # a run's lease outlives two missed heartbeats (scheduler/heartbeat.py)

RUN_DEFAULTS: dict[str, Any] = {
    "XLSX_ROOT": None,  # .xlsx jobs are confined to this folder; default <instance>/workbooks
    "MAX_CONSECUTIVE_FAILURES": 3,  # a job is paused after this many failed runs in a row
    "RUN_LOCK_TTL_SECONDS": 3600,  # a "running" run older than this was interrupted
    "MISFIRE_GRACE_SECONDS": 300,  # a run missed by less than this still happens (once)
    "SCHEDULER_COALESCE": True,
    "SCHEDULER_WORKERS": 4,
    "SCHEDULER_RECONCILE_SECONDS": 5.0,  # how soon a scheduler process sees API changes
}

SCALE_DEFAULTS: dict[str, Any] = {  # executor, Celery, quotas, accounts: docs/deploy.md
    "EXECUTOR": "inprocess",  # "celery": the scheduler only enqueues, `sheets-sync worker` syncs
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CELERY_QUEUE": "sheets-sync",
    # A task a worker took and never finished goes to another worker after this long; it must
    # be longer than the longest sync (quota waits included, see QUOTA_MAX_WAIT_SECONDS).
    "CELERY_VISIBILITY_TIMEOUT": 900,
    "CELERY_RESTORE_SECONDS": 10,  # how often workers look for such tasks
    "REDIS_KEY_PREFIX": "sheets-sync:",  # quota buckets and the broker's keys live under it
    "QUOTA_ENABLED": True,
    "QUOTA_REDIS_URL": None,  # default: the broker with celery; in this process's memory without
    # Requests per QUOTA_WINDOW_SECONDS; Google's: 60 per service account, 300 per project.
    "QUOTA_ACCOUNT_READS": 60,
    "QUOTA_ACCOUNT_WRITES": 60,
    "QUOTA_PROJECT_READS": 300,
    "QUOTA_PROJECT_WRITES": 300,
    "QUOTA_WINDOW_SECONDS": 60.0,
    "QUOTA_BURST": 3,  # requests that may go at once after a quiet spell
    "QUOTA_MARGIN_SECONDS": 1.0,  # requests reach Google a little after they leave
    "QUOTA_MAX_WAIT_SECONDS": 600.0,  # a request booked further ahead fails the sync instead
    "SERVICE_ACCOUNTS": [],  # key files; empty: GOOGLE_APPLICATION_CREDENTIALS alone
    "RUN_HEARTBEAT_SECONDS": 10.0,  # a running run unheard of for 3x this was interrupted
}
SYNC_DEFAULTS: dict[str, Any] = {**RUN_DEFAULTS, **SCALE_DEFAULTS}
EXECUTORS = ("inprocess", "celery")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


@dataclass(frozen=True)
class RunnerSettings:
    xlsx_root: Path | None = None
    max_failures: int = 3  # consecutive failed runs before a job is paused; 0: never pause
    lock_ttl: timedelta = timedelta(hours=1)
    heartbeat: timedelta = timedelta(seconds=10)  # how often a running run renews its lease

    @property
    def lease(self) -> timedelta:
        return self.heartbeat * BEATS_PER_LEASE

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RunnerSettings:
        get = _getter(config)
        root = get("XLSX_ROOT")
        return cls(xlsx_root=Path(root) if root else None,
                   max_failures=_whole(get("MAX_CONSECUTIVE_FAILURES"),
                                       "MAX_CONSECUTIVE_FAILURES"),
                   lock_ttl=timedelta(seconds=_number(get("RUN_LOCK_TTL_SECONDS"),
                                                      "RUN_LOCK_TTL_SECONDS")),
                   heartbeat=timedelta(seconds=_number(get("RUN_HEARTBEAT_SECONDS"),
                                                       "RUN_HEARTBEAT_SECONDS")))


@dataclass(frozen=True)
class SchedulerSettings:
    misfire_grace_seconds: int = 300
    coalesce: bool = True
    workers: int = 4
    # How often the process re-reads the jobs table and sweeps dead runs, busy or idle: the
    # bound on how soon it sees a job added, changed or removed by another process.
    reconcile_seconds: float = 5.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SchedulerSettings:
        get = _getter(config)
        return cls(misfire_grace_seconds=_whole(get("MISFIRE_GRACE_SECONDS"),
                                                "MISFIRE_GRACE_SECONDS"),
                   coalesce=_flag(get("SCHEDULER_COALESCE"), "SCHEDULER_COALESCE"),
                   workers=_count(get("SCHEDULER_WORKERS"), "SCHEDULER_WORKERS"),
                   reconcile_seconds=_number(get("SCHEDULER_RECONCILE_SECONDS"),
                                             "SCHEDULER_RECONCILE_SECONDS"))


@dataclass(frozen=True)
class ScaleSettings:
    """The checked settings; made by ``from_config``, whose defaults are SCALE_DEFAULTS."""

    executor: str
    broker_url: str
    queue: str
    visibility_timeout: float
    restore_seconds: float
    key_prefix: str
    quota_enabled: bool
    quota_redis_url: str | None
    account_reads: int
    account_writes: int
    project_reads: int
    project_writes: int
    window: float
    burst: int
    margin: float
    max_wait: float
    service_accounts: tuple[str, ...]
    heartbeat: float

    @property
    def limiter_url(self) -> str | None:
        """The Redis that holds the quota buckets; None: this process's memory."""
        if self.quota_redis_url:
            return self.quota_redis_url
        return self.broker_url if self.executor == "celery" else None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ScaleSettings:
        get = _getter(config)
        executor = str(get("EXECUTOR")).strip().lower()
        if executor not in EXECUTORS:
            raise SettingsError.say("error.setting_executor", value=repr(executor))
        broker = _text(get("CELERY_BROKER_URL"), "CELERY_BROKER_URL")
        if executor == "celery":
            _redis_url(broker, "CELERY_BROKER_URL")
        quota_url = get("QUOTA_REDIS_URL") or None
        if quota_url is not None:
            _redis_url(quota_url, "QUOTA_REDIS_URL")
        return cls(
            executor=executor,
            broker_url=broker,
            queue=_text(get("CELERY_QUEUE"), "CELERY_QUEUE"),
            visibility_timeout=_number(get("CELERY_VISIBILITY_TIMEOUT"),
                                       "CELERY_VISIBILITY_TIMEOUT"),
            restore_seconds=_number(get("CELERY_RESTORE_SECONDS"), "CELERY_RESTORE_SECONDS"),
            key_prefix=str(get("REDIS_KEY_PREFIX") or ""),
            quota_enabled=_flag(get("QUOTA_ENABLED"), "QUOTA_ENABLED"),
            quota_redis_url=quota_url,
            account_reads=_count(get("QUOTA_ACCOUNT_READS"), "QUOTA_ACCOUNT_READS"),
            account_writes=_count(get("QUOTA_ACCOUNT_WRITES"), "QUOTA_ACCOUNT_WRITES"),
            project_reads=_count(get("QUOTA_PROJECT_READS"), "QUOTA_PROJECT_READS"),
            project_writes=_count(get("QUOTA_PROJECT_WRITES"), "QUOTA_PROJECT_WRITES"),
            window=_number(get("QUOTA_WINDOW_SECONDS"), "QUOTA_WINDOW_SECONDS"),
            burst=_count(get("QUOTA_BURST"), "QUOTA_BURST"),
            margin=_number(get("QUOTA_MARGIN_SECONDS"), "QUOTA_MARGIN_SECONDS", zero=True),
            max_wait=_number(get("QUOTA_MAX_WAIT_SECONDS"), "QUOTA_MAX_WAIT_SECONDS"),
            service_accounts=_names(get("SERVICE_ACCOUNTS")),
            heartbeat=_number(get("RUN_HEARTBEAT_SECONDS"), "RUN_HEARTBEAT_SECONDS"),
        )


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SettingsError.say("error.setting_text", key=key, value=repr(value))
    return value.strip()


def _redis_url(value: Any, key: str) -> None:
    if not isinstance(value, str) or not value.startswith(REDIS_SCHEMES):
        raise SettingsError.say("error.setting_redis", key=key, value=repr(value))


def _number(value: Any, key: str, *, zero: bool = False) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not (number >= 0 if zero else number > 0):
        raise SettingsError.say("error.setting_seconds_zero" if zero else "error.setting_seconds",
                                key=key, value=repr(value))
    return number


def _count(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise SettingsError.say("error.setting_count", key=key, value=repr(value))
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise SettingsError.say("error.setting_count", key=key, value=repr(value))
    return number


def _flag(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError.say("error.setting_flag", key=key, value=repr(value))


def _names(value: Any) -> tuple[str, ...]:
    """A list of key files, or one text with them separated by commas."""
    if value is None:
        return ()
    items: Sequence[Any] = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, Sequence):
        raise SettingsError.say("error.setting_accounts")
    return tuple(str(i).strip() for i in items if str(i).strip())


@dataclass(frozen=True)
class Settings:
    runner: RunnerSettings = field(default_factory=RunnerSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    scale: ScaleSettings | None = None  # None: not asked for (a web process that runs no sync)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        return cls(RunnerSettings.from_config(config), SchedulerSettings.from_config(config),
                   ScaleSettings.from_config(config))


def _getter(config: Mapping[str, Any]) -> Any:
    def get(key: str) -> Any:
        value = config.get(key)
        return SYNC_DEFAULTS[key] if value is None and key != "XLSX_ROOT" else value

    return get


def _whole(value: Any, key: str) -> int:
    """A whole number, 0 or more."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if isinstance(value, bool) or number < 0:
        raise SettingsError.say("error.setting_whole", key=key, value=repr(value))
    return number
