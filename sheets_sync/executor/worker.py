"""``sheets-sync worker``: check the setup, give the process its runner, run Celery's worker.
Imported only by that command (it needs Celery and redis: the `scale` extra)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import click
import redis

from sheets_sync.errors import SettingsError
from sheets_sync.executor.celery_app import WorkerContext, make_celery, run_worker
from sheets_sync.executor.inprocess import JobRunner
from sheets_sync.quota.access import GoogleAccess
from sheets_sync.settings import ScaleSettings


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{parts.hostname}{port}"))


def check_broker(settings: ScaleSettings) -> redis.Redis:
    client = redis.Redis.from_url(settings.broker_url, socket_timeout=10,
                                  socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as e:
        raise SettingsError.say("error.broker_silent", url=safe_url(settings.broker_url),
                                why=e) from e
    return client


def check_executor(settings: ScaleSettings) -> None:
    if settings.executor != "celery":
        raise SettingsError.say("error.worker_needs_celery")


def run_worker_command(runner: JobRunner, settings: ScaleSettings, access: GoogleAccess | None,
                       *, concurrency: int, pool: str, loglevel: str) -> None:
    """Run the worker with ``runner`` (its heartbeat and Google access set by the caller)."""
    check_executor(settings)
    markers = check_broker(settings)
    accounts = ", ".join(a.name for a in access.accounts) if access else "default"
    quota = "off" if access is None or access.limiter is None else (
        f"{settings.account_reads}/{settings.account_writes} per account, "
        f"{settings.project_reads}/{settings.project_writes} per project (reads/writes per "
        f"{settings.window:g} s)")
    click.echo(f"Worker: broker {safe_url(settings.broker_url)}, queue {settings.queue!r}, "
               f"database {runner.store.safe_url}, {concurrency} at once ({pool}); "
               f"service accounts: {accounts}; quota: {quota}.")
    celery = make_celery(settings, WorkerContext(runner, markers, settings.key_prefix))
    run_worker(celery, settings, concurrency=concurrency, pool=pool, loglevel=loglevel)
