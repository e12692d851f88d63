"""The service's commands, loaded by the ``sheets-sync`` group when named (cli.py) or added to a
group by ``register(group)``:

    serve [--with-scheduler]      the app under waitress (a production WSGI server)
    scheduler                     the scheduler as its own process (with Celery: only enqueues)
    worker                        a Celery worker that runs syncs (SHEETS_SYNC_EXECUTOR=celery)
    tokens create|list|revoke     API / dashboard tokens (stored hashed; shown once)
    demo                          the README's `make run`: emulator + service + a scheduled job
"""

from __future__ import annotations

import contextlib
import gc
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
import waitress
from flask import Flask
from sqlalchemy.orm import Session

from sheets_sync.app import create_app
from sheets_sync.app.store_ext import (
    attach_google_access,
    get_store,
    google_access,
    make_runner,
    start_scheduler,
)
from sheets_sync.cli_errors import fail_cleanly
from sheets_sync.demo import main as demo_command
from sheets_sync.prefork import bound_socket, serve_forked
from sheets_sync.process import log_to_stderr, sigterm_as_interrupt, wait_for_signal
from sheets_sync.quota.access import from_settings
from sheets_sync.scheduler.service import SyncScheduler
from sheets_sync.settings import ScaleSettings
from sheets_sync.store.tokens import create_token, list_tokens, revoke_token


def load_app() -> Flask:
    return create_app()


@contextmanager
def store_session() -> Iterator[Session]:
    """A session of the configured store, for the token commands."""
    with get_store(load_app()).session() as s:
        yield s


def prepare_syncs(app: Flask) -> ScaleSettings:
    """Set this app up to run syncs: its service accounts and quota limiter (in Redis with
    Celery, else in memory) go into ``app.extensions`` for its runners. The checked scale
    settings (sheets_sync/settings.py)."""
    settings = ScaleSettings.from_config(app.config)
    attach_google_access(app, from_settings(settings))
    return settings


def start_sync_scheduler(app: Flask, settings: ScaleSettings | None = None) -> SyncScheduler:
    """The scheduler in this process, handing due jobs to the configured executor."""
    return start_scheduler(app, settings or prepare_syncs(app))


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Processes serving the port, each with --threads threads: a report is "
                   "pure Python, so it takes processes to use more than one core (POSIX).")
@click.option("--with-scheduler", is_flag=True,
              help="Run the scheduler in this process too (one-process setups).")
@fail_cleanly
def serve(host: str, port: int, threads: int, processes: int, with_scheduler: bool) -> None:
    """Serve the API and the dashboard with waitress."""
    log_to_stderr()
    if processes > 1 and not hasattr(os, "fork"):
        raise click.UsageError("--processes above 1 needs os.fork (Linux or macOS); on this "
                               "system run one process, or several behind a proxy.")
    sock = bound_socket(host, port)

    def process(index: int, sock: socket.socket) -> None:
        # The first process runs the scheduler when asked and says what is served.
        serve_socket(sock, threads, with_scheduler and index == 0,
                     f"http://{host}:{port}/" if index == 0 else None, processes)

    if processes == 1:
        sigterm_as_interrupt()
        with contextlib.suppress(KeyboardInterrupt):
            process(0, sock)
        return
    # Forked processes sharing the port (sheets_sync/prefork.py); each makes its own app after
    # the fork, so no database connection or thread crosses it.
    sys.exit(serve_forked(processes, process, sock))


def serve_socket(sock: socket.socket, threads: int, with_scheduler: bool, url: str | None,
                 processes: int) -> None:
    """One serving process: its app on ``sock``, the scheduler when asked; ``url``: say what is
    served (the first process)."""
    app = load_app()
    settings = prepare_syncs(app)  # runs started from the API share the quota too
    sched = start_sync_scheduler(app, settings) if with_scheduler else None
    if url is not None:
        many = f" from {processes} processes" if processes > 1 else ""
        click.echo(f"Serving on {url}{many} (database: {get_store(app).safe_url}"
                   f"{', with scheduler' if sched else ''})")
        if processes > 1 and str(app.config.get("RATE_LIMIT_STORAGE_URL")
                                 or "memory://").startswith("memory"):
            click.echo("The API's rate limits are counted in each process (memory://): set "
                       "SHEETS_SYNC_RATE_LIMIT_STORAGE_URL to redis://... to count them "
                       "once.", err=True)
        if processes > 1 and settings.limiter_url is None:
            click.echo("Google's quota is counted in each process: set "
                       "SHEETS_SYNC_QUOTA_REDIS_URL to share it.", err=True)
    # What is loaded by now lives as long as the process: kept out of the collector's
    # scans, which then cover only what requests make (docs/performance.md, section 1).
    gc.collect()
    gc.freeze()
    try:
        waitress.serve(app, sockets=[sock], threads=threads, ident="sheets-sync")
    finally:
        if sched is not None:
            sched.shutdown(wait=False)


@click.command()
@fail_cleanly
def scheduler() -> None:
    """Run scheduled syncs, or enqueue them for workers (until Ctrl-C or SIGTERM)."""
    log_to_stderr()
    app = load_app()
    settings = prepare_syncs(app)
    sched = start_sync_scheduler(app, settings)
    where = ("enqueued for `sheets-sync worker`" if settings.executor == "celery"
             else "run in this process")
    click.echo(f"Scheduler running (database: {sched.store.safe_url}; syncs are {where}); "
               "Ctrl-C stops it.")
    # The bounds other processes can count on (docs/reliability.md, "Scheduler takeover").
    pickup = sched.settings.reconcile_seconds
    dead = sched.runner.settings.lease.total_seconds() + pickup
    click.echo(f"Job changes made elsewhere are picked up within {pickup:g} s; a run whose "
               f"process died is marked interrupted within {dead:g} s.")
    try:
        wait_for_signal()
    finally:
        sched.shutdown()


@click.command()
@click.option("--concurrency", default=8, show_default=True, type=click.IntRange(1, 256),
              help="Syncs at once in this worker (they mostly wait on Google).")
@click.option("--pool", default="threads", show_default=True,
              type=click.Choice(["threads", "prefork", "solo"]),
              help="Celery's pool: threads, or processes (prefork).")
@click.option("--loglevel", default="INFO", show_default=True)
@fail_cleanly
def worker(concurrency: int, pool: str, loglevel: str) -> None:
    """Run syncs from the queue (SHEETS_SYNC_EXECUTOR=celery); SIGTERM finishes them first."""
    from sheets_sync.executor.worker import run_worker_command  # optional: celery, redis

    log_to_stderr()
    app = load_app()
    settings = prepare_syncs(app)
    run_worker_command(make_runner(app), settings, google_access(app),
                       concurrency=concurrency, pool=pool, loglevel=loglevel)


@click.group()
def tokens() -> None:
    """API and dashboard tokens."""


@tokens.command("create")
@click.argument("name")
@fail_cleanly
def tokens_create(name: str) -> None:
    """Make a token named NAME and print it (it is shown only this once)."""
    with store_session() as s:
        secret, info = create_token(s, name)
    click.echo(secret)
    click.echo(f"token {info.id} ({info.name}) made; keep it: it is not stored, only its "
               "hash.", err=True)


@tokens.command("list")
@fail_cleanly
def tokens_list() -> None:
    """List tokens (id, prefix, name, created, last used, revoked)."""
    with store_session() as s:
        rows = list_tokens(s)
    if not rows:
        click.echo("no tokens; make one with `sheets-sync tokens create NAME`")
    for r in rows:
        used = f"{r.last_used_at:%Y-%m-%d %H:%M}" if r.last_used_at else "never"
        state = f"revoked {r.revoked_at:%Y-%m-%d}" if r.revoked_at else "live"
        click.echo(f"{r.id:>4}  {r.prefix}…  {r.name:<24} created "
                   f"{r.created_at:%Y-%m-%d %H:%M}  used {used}  {state}")


@tokens.command("revoke")
@click.argument("ref")
@fail_cleanly
def tokens_revoke(ref: str) -> None:
    """Revoke a token by its id or its prefix (as `tokens list` shows them)."""
    with store_session() as s:
        info = revoke_token(s, ref)
    if info is None:
        click.echo(f"error: no token {ref!r}: see `sheets-sync tokens list`", err=True)
        sys.exit(2)
    click.echo(f"token {info.id} ({info.name}) revoked")


# `sheets-sync demo` is `python -m sheets_sync.demo`: the one command, its options and help
COMMANDS = {"serve": serve, "scheduler": scheduler, "worker": worker, "tokens": tokens,
            "demo": demo_command}


def register(group: click.Group) -> None:
    """Add the service's commands to ``group`` (the CLI loads them one by one instead:
    cli.py, cli_lazy.py)."""
    for name, command in COMMANDS.items():
        group.add_command(command, name)
