"""Settings of the scale-out setup: where syncs run, the shared quota, the service accounts.

``SCALE_DEFAULTS`` is merged into the app's defaults (sheets_sync/app/config.py), so every key
can be set in the instance config or as ``SHEETS_SYNC_<KEY>`` (JSON-parsed: numbers, lists).
This module imports nothing heavy: the app's config imports it on every start.

    SettingsError       a setting that cannot be used; ``str(e)`` names it and says what to write
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SCALE_DEFAULTS: dict[str, Any] = {
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
EXECUTORS = ("inprocess", "celery")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class SettingsError(ValueError):
    """A scale-out setting that cannot be used."""


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
        def get(key: str) -> Any:
            return config.get(key, SCALE_DEFAULTS[key])

        executor = str(get("EXECUTOR")).strip().lower()
        if executor not in EXECUTORS:
            raise SettingsError(f"SHEETS_SYNC_EXECUTOR={executor!r} is not an executor: use "
                                "'inprocess' (the default) or 'celery'.")
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
        raise SettingsError(f"SHEETS_SYNC_{key} must be a non-empty text, not {value!r}.")
    return value.strip()


def _redis_url(value: Any, key: str) -> None:
    if not isinstance(value, str) or not value.startswith(REDIS_SCHEMES):
        raise SettingsError(f"SHEETS_SYNC_{key} must be a Redis URL (redis://host:6379/0), not "
                            f"{value!r}: the queue's markers and the quota buckets live in Redis.")


def _number(value: Any, key: str, *, zero: bool = False) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not (number >= 0 if zero else number > 0):
        raise SettingsError(f"SHEETS_SYNC_{key} must be a number of seconds above "
                            f"{'or at ' if zero else ''}0, not {value!r}.")
    return number


def _count(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise SettingsError(f"SHEETS_SYNC_{key} must be a whole number above 0, not {value!r}.")
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise SettingsError(f"SHEETS_SYNC_{key} must be a whole number above 0, not {value!r}.")
    return number


def _flag(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError(f"SHEETS_SYNC_{key} must be true or false, not {value!r}.")


def _names(value: Any) -> tuple[str, ...]:
    """A list of key files, or one text with them separated by commas."""
    if value is None:
        return ()
    items: Sequence[Any] = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, Sequence):
        raise SettingsError("SHEETS_SYNC_SERVICE_ACCOUNTS must be a list of key files, e.g. "
                            '\'["/keys/a.json", "/keys/b.json"]\'.')
    return tuple(str(i).strip() for i in items if str(i).strip())
