"""The service's commands, added to the ``sheets-sync`` group by ``register(main)``:

    serve [--with-scheduler]      the app under waitress (a production WSGI server)
    scheduler                     the scheduler as its own process (with Celery: only enqueues)
    worker                        a Celery worker that runs syncs (SHEETS_SYNC_EXECUTOR=celery)
    tokens create|list|revoke     API / dashboard tokens (stored hashed; shown once)
    demo                          the README's `make run`: emulator + service + a scheduled job
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def fail_cleanly(fn: F) -> F:
    """The database's and the sync's errors as one line on stderr and exit 2, no traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from funnel_kpi import FunnelError
        from sheets_sync.errors import SyncError
        from sheets_sync.executor.settings import SettingsError
        from sheets_sync.store import StoreError

        try:
            return fn(*args, **kwargs)
        except (StoreError, SyncError, FunnelError, SettingsError) as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(2)
        except (click.exceptions.Exit, click.Abort, click.ClickException, KeyboardInterrupt):
            raise
        except Exception as e:
            # A failure nothing mapped (a library's EOFError on a file another program is
            # rewriting): still one sentence and exit 2, with the error's kind to report.
            logging.getLogger("sheets_sync").debug("unmapped error", exc_info=True)
            click.echo(f"error: unexpected {type(e).__name__}: {e}. Nothing was written; run "
                       "it again, and report this message if it persists.", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def load_app() -> Any:
    from sheets_sync.app import create_app

    return create_app()


def scale_settings(app: Any) -> Any:
    from sheets_sync.executor.settings import ScaleSettings

    return ScaleSettings.from_config(app.config)


def prepare_syncs(app: Any) -> Any:
    """Set this process up to run syncs: its service accounts and quota limiter (in Redis with
    Celery, else in memory), and its runs' lease. Returns the scale settings."""
    from sheets_sync.quota.access import from_settings, install

    settings = scale_settings(app)
    install(from_settings(settings))
    return settings


def start_sync_scheduler(app: Any, settings: Any = None) -> Any:
    """The scheduler in this process, handing due jobs to the configured executor."""
    from dataclasses import replace
    from datetime import timedelta

    from sheets_sync.app.store_ext import SCHEDULER_KEY, make_scheduler
    from sheets_sync.executor import make_executor

    settings = settings or prepare_syncs(app)
    sched = make_scheduler(app)
    sched.runner.settings = replace(sched.runner.settings,
                                    heartbeat=timedelta(seconds=settings.heartbeat))
    sched.executor = make_executor(settings, sched.runner)
    sched.start()
    app.extensions[SCHEDULER_KEY] = sched
    return sched


def log_to_stderr() -> None:
    """Long-running commands log runs, skips and errors; the default would show warnings only."""
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # a line per plugin on every start


def sigterm_as_interrupt() -> None:
    """SIGTERM (a service manager's stop) unwinds like Ctrl-C, so cleanup code runs."""
    def interrupt(*_: Any) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)


def wait_for_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


def register(group: click.Group) -> None:
    @group.command()
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
    @click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
    @click.option("--with-scheduler", is_flag=True,
                  help="Run the scheduler in this process too (one-process setups).")
    @fail_cleanly
    def serve(host: str, port: int, threads: int, with_scheduler: bool) -> None:
        """Serve the API and the dashboard with waitress."""
        import waitress

        log_to_stderr()
        app = load_app()
        settings = prepare_syncs(app)  # runs started from the API share the quota too
        sched = start_sync_scheduler(app, settings) if with_scheduler else None
        click.echo(f"Serving on http://{host}:{port}/ (database: "
                   f"{app.extensions['sheets_sync.store'].safe_url}"
                   f"{', with scheduler' if sched else ''})")
        sigterm_as_interrupt()
        try:
            waitress.serve(app, host=host, port=port, threads=threads, ident="sheets-sync")
        except KeyboardInterrupt:
            pass
        finally:
            if sched is not None:
                sched.shutdown(wait=False)

    @group.command()
    @fail_cleanly
    def scheduler() -> None:
        """Run scheduled syncs, or enqueue them for workers (until Ctrl-C or SIGTERM)."""
        log_to_stderr()
        app = load_app()
        sched = start_sync_scheduler(app)
        where = ("enqueued for `sheets-sync worker`" if scale_settings(app).executor == "celery"
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

    @group.command()
    @click.option("--concurrency", default=8, show_default=True, type=click.IntRange(1, 256),
                  help="Syncs at once in this worker (they mostly wait on Google).")
    @click.option("--pool", default="threads", show_default=True,
                  type=click.Choice(["threads", "prefork", "solo"]),
                  help="Celery's pool: threads, or processes (prefork).")
    @click.option("--loglevel", default="INFO", show_default=True)
    @fail_cleanly
    def worker(concurrency: int, pool: str, loglevel: str) -> None:
        """Run syncs from the queue (SHEETS_SYNC_EXECUTOR=celery); SIGTERM finishes them first."""
        from sheets_sync.executor.worker import run_worker_command

        log_to_stderr()
        app = load_app()
        run_worker_command(app, prepare_syncs(app), concurrency=concurrency, pool=pool,
                           loglevel=loglevel)

    @group.group()
    def tokens() -> None:
        """API and dashboard tokens."""

    @tokens.command("create")
    @click.argument("name")
    @fail_cleanly
    def tokens_create(name: str) -> None:
        """Make a token named NAME and print it (it is shown only this once)."""
        from sheets_sync.store.tokens import create_token

        app = load_app()
        with app.extensions["sheets_sync.store"].session() as s:
            secret, info = create_token(s, name)
        click.echo(secret)
        click.echo(f"token {info.id} ({info.name}) made; keep it: it is not stored, only its "
                   "hash.", err=True)

    @tokens.command("list")
    @fail_cleanly
    def tokens_list() -> None:
        """List tokens (id, prefix, name, created, last used, revoked)."""
        from sheets_sync.store.tokens import list_tokens

        app = load_app()
        with app.extensions["sheets_sync.store"].session() as s:
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
        from sheets_sync.store.tokens import revoke_token

        app = load_app()
        with app.extensions["sheets_sync.store"].session() as s:
            info = revoke_token(s, ref)
        if info is None:
            click.echo(f"error: no token {ref!r}: see `sheets-sync tokens list`", err=True)
            sys.exit(2)
        click.echo(f"token {info.id} ({info.name}) revoked")

    @group.command()
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
                  help="0: any free port.")
    @click.option("--once", is_flag=True, help="Set up, sync once, print, and exit.")
    @fail_cleanly
    def demo(host: str, port: int, once: bool) -> None:
        """Run the demo: emulator, service, scheduler and a scheduled job (no Google account)."""
        from sheets_sync.demo import run_demo

        run_demo(host=host, port=port, once=once)
