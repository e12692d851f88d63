"""The store and the scheduler as Flask extensions: ``init_store(app)``, a session per request."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from sheets_sync.notify.notifier import notifier_for
from sheets_sync.scheduler.runner import Runner, RunnerSettings
from sheets_sync.scheduler.service import SchedulerSettings, SyncScheduler
from sheets_sync.store import Store

STORE_KEY = "sheets_sync.store"
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


def make_runner(app: Flask) -> Runner:
    cfg = app.config
    settings = RunnerSettings(xlsx_root=Path(cfg["XLSX_ROOT"]),
                              max_failures=int(cfg["MAX_CONSECUTIVE_FAILURES"]),
                              lock_ttl=timedelta(seconds=float(cfg["RUN_LOCK_TTL_SECONDS"])))
    return Runner(get_store(app), settings,
                  after_run=notifier_for(app, get_store(app)).after_run)


def runner() -> Runner:
    app: Any = current_app
    if "sheets_sync.runner" not in app.extensions:
        app.extensions["sheets_sync.runner"] = make_runner(app)
    r: Runner = app.extensions["sheets_sync.runner"]
    return r


def make_scheduler(app: Flask) -> SyncScheduler:
    cfg = app.config
    settings = SchedulerSettings(misfire_grace_seconds=int(cfg["MISFIRE_GRACE_SECONDS"]),
                                 coalesce=bool(cfg["SCHEDULER_COALESCE"]),
                                 workers=int(cfg["SCHEDULER_WORKERS"]),
                                 reconcile_seconds=float(cfg["SCHEDULER_RECONCILE_SECONDS"]))
    sched = SyncScheduler(get_store(app), make_runner(app), settings)
    sched.on_pass = notifier_for(app, get_store(app)).send_due_digests  # weekly digests
    return sched


def start_scheduler(app: Flask) -> SyncScheduler:
    """Run the scheduler inside this process (``serve --with-scheduler``, the demo)."""
    sched = make_scheduler(app)
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
