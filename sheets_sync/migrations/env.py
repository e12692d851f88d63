"""Alembic environment: migrations run on the connection the service hands over
(``config.attributes["connection"]``, see sheets_sync/store/migrate.py), or on
``SHEETS_SYNC_DATABASE_URL`` when run by the ``alembic`` command."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from sheets_sync.store import make_engine
from sheets_sync.store.models import Base

config = context.config
target_metadata = Base.metadata


def run(connection: Connection) -> None:
    # Batch mode lets later migrations alter tables on SQLite (it copies the table).
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    url = os.environ.get("SHEETS_SYNC_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("Set SHEETS_SYNC_DATABASE_URL to the database to migrate.")
    with make_engine(url).begin() as conn:
        run(conn)
