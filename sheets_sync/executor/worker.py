"""``sheets-sync worker``: check the setup, give the process its runner, run Celery's worker."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import click
import redis

from sheets_sync.executor.settings import ScaleSettings, SettingsError


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
        raise SettingsError(f"The broker at {safe_url(settings.broker_url)} does not answer "
                            f"({e}): start Redis there, or set SHEETS_SYNC_CELERY_BROKER_URL."
                            ) from e
    return client


def run_worker_command(app: Any, settings: ScaleSettings, *, concurrency: int, pool: str,
                       loglevel: str) -> None:
    from sheets_sync.app.store_ext import get_store, make_runner
    from sheets_sync.executor.celery_app import (
        WorkerContext,
        install_worker,
        make_celery,
        run_worker,
    )
    from sheets_sync.quota.access import installed

    if settings.executor != "celery":
        raise SettingsError("Workers run syncs that the scheduler enqueues, which it does only "
                            "with SHEETS_SYNC_EXECUTOR=celery: set it (and "
                            "SHEETS_SYNC_CELERY_BROKER_URL) for the scheduler and the workers.")
    markers = check_broker(settings)
    runner = make_runner(app)
    runner.settings = replace(runner.settings, heartbeat=timedelta(seconds=settings.heartbeat))
    install_worker(WorkerContext(runner, markers, settings.key_prefix))
    access = installed()
    accounts = ", ".join(a.name for a in access.accounts) if access else "default"
    quota = "off" if access is None or access.limiter is None else (
        f"{settings.account_reads}/{settings.account_writes} per account, "
        f"{settings.project_reads}/{settings.project_writes} per project (reads/writes per "
        f"{settings.window:g} s)")
    click.echo(f"Worker: broker {safe_url(settings.broker_url)}, queue {settings.queue!r}, "
               f"database {get_store(app).safe_url}, {concurrency} at once ({pool}); "
               f"service accounts: {accounts}; quota: {quota}.")
    run_worker(make_celery(settings), settings, concurrency=concurrency, pool=pool,
               loglevel=loglevel)
