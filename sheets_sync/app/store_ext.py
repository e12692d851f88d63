"""The service's resources as Flask extensions, in ``app.extensions`` (no module globals):

    sheets_sync.store           the database (``init_store(app)``), a session per request
    sheets_sync.google_access   the service accounts and the quota limiter, for the processes
                                that run syncs (``attach_google_access``: serve, scheduler, worker)
    sheets_sync.runner          the runner of this app's API and dashboard (made on first use)
    sheets_sync.scheduler       a scheduler running in this process, if one is

Runners are made here from the app's config (sheets_sync/settings.py) and given the app's Google
access; the scheduler's executor is the caller's (cli_service picks it from the settings).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from sheets_sync.executor import make_executor
from sheets_sync.notify.notifier import notifier_for
from sheets_sync.quota.access import GoogleAccess
from sheets_sync.scheduler.runner import Runner
from sheets_sync.scheduler.service import SyncScheduler
from sheets_sync.settings import RunnerSettings, ScaleSettings, SchedulerSettings
from sheets_sync.store import Store

STORE_KEY = "sheets_sync.store"
ACCESS_KEY = "sheets_sync.google_access"
RUNNER_KEY = "sheets_sync.runner"
SCHEDULER_KEY = "sheets_sync.scheduler"


def init_store(app: Flask) -> Store:
    store = Store(app.config["DATABASE_URL"])
    if app.config["MIGRATE_ON_START"]:
        store.migrate()
    app.extensions[STORE_KEY] = store

    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        s = g.pop("db_session", None)
        if s is not None:
            s.close()

    return store


def get_store(app: Flask | None = None) -> Store:
    store: Store = (app or current_app).extensions[STORE_KEY]
    return store


def db() -> Session:
    """The request's session, opened on first use and closed when the request ends."""
    if "db_session" not in g:
        g.db_session = get_store().session()
    s: Session = g.db_session
    return s


def attach_google_access(app: Flask, access: GoogleAccess | None) -> None:
    """The Google access the app's runners open spreadsheets with (None: the default account,
    no quota limiter). Before the first runner is made."""
    app.extensions[ACCESS_KEY] = access


def google_access(app: Flask | None = None) -> GoogleAccess | None:
    access: GoogleAccess | None = (app or current_app).extensions.get(ACCESS_KEY)
    return access


def make_runner(app: Flask) -> Runner:
    return Runner(get_store(app), RunnerSettings.from_config(app.config),
                  access=google_access(app),
                  after_run=notifier_for(app, get_store(app)).after_run)


def runner() -> Runner:
    app: Any = current_app
    if RUNNER_KEY not in app.extensions:
        app.extensions[RUNNER_KEY] = make_runner(app)
    r: Runner = app.extensions[RUNNER_KEY]
    return r


def make_scheduler(app: Flask, scale: ScaleSettings | None = None) -> SyncScheduler:
    """A scheduler with a runner of its own; its syncs run where ``scale`` says (default: in
    this process)."""
    run = make_runner(app)
    executor = make_executor(scale, run) if scale is not None else None
    sched = SyncScheduler(get_store(app), run, SchedulerSettings.from_config(app.config),
                          executor)
    sched.on_pass = notifier_for(app, get_store(app)).send_due_digests  # weekly digests
    return sched


def start_scheduler(app: Flask, scale: ScaleSettings | None = None) -> SyncScheduler:
    """Run the scheduler inside this process (the ``serve`` and ``scheduler`` commands, the
    demo)."""
    sched = make_scheduler(app, scale)
    sched.start()
    app.extensions[SCHEDULER_KEY] = sched
    return sched


def local_scheduler(app: Flask | None = None) -> SyncScheduler | None:
    sched: SyncScheduler | None = (app or current_app).extensions.get(SCHEDULER_KEY)
    return sched if sched is not None and sched.running else None


def jobs_changed() -> None:
    """After the API changes a job: a scheduler in this process applies it now; one in another
    process applies it within SCHEDULER_RECONCILE_SECONDS."""
    sched = local_scheduler()
    if sched is not None:
        sched.reconcile()
