"""Apply the Alembic migrations (sheets_sync/migrations) to a database, from code.

Several processes may start at once (the web server and the scheduler): on PostgreSQL an advisory
lock lets one migrate while the other waits; SQLite has no transactional DDL here, so a loser that
finds a table already made tries once more and then sees the database at head.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError

from sheets_sync.errors import StoreError

LOCK_KEY = 0x5EE75_5C  # any constant; identifies this project's migration lock
SCRIPT_LOCATION = "sheets_sync:migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _upgrade_once(engine: Engine, revision: str) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def upgrade(engine: Engine, revision: str = "head") -> None:
    try:
        try:
            _upgrade_once(engine, revision)
        except (OperationalError, ProgrammingError) as e:
            if "already exists" not in str(e):
                raise
            _upgrade_once(engine, revision)
    except SQLAlchemyError as e:
        url = engine.url.render_as_string(hide_password=True)
        raise StoreError.say("error.store_prepare", url=url, kind=e.__class__.__name__,
                             why=str(e).splitlines()[0]) \
            from e


def downgrade(engine: Engine, revision: str = "base") -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
