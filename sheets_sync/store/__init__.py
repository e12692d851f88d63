"""The service's SQL store: an engine, sessions, and migrations applied on start.

    StoreError            the database cannot be used (sheets_sync/errors.py)

Any SQLAlchemy URL works (``SHEETS_SYNC_DATABASE_URL``); the default is a SQLite file in the
Flask instance folder. SQLite is set up for several threads and processes: WAL journal, a busy
timeout instead of "database is locked" at once, and foreign keys on (run rows cascade).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from sheets_sync.errors import StoreError
from sheets_sync.store.migrate import upgrade
from sheets_sync.store.models import ApiToken, Base, Job, JobReport, Run

__all__ = ["ApiToken", "Base", "Job", "JobReport", "Run", "Store", "StoreError"]

SQLITE_BUSY_SECONDS = 30


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    cur.close()


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise StoreError.say("error.store_url", url=url) from e
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_SECONDS,
                                                         "check_same_thread": False})
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return create_engine(parsed, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as e:
        raise StoreError.say("error.store_driver", driver=parsed.drivername) from e


class Store:
    """One database: its engine and a session factory. Attached to an app by ``init_app``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        return self.sessions()

    def migrate(self) -> None:
        upgrade(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()

    @property
    def safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)
