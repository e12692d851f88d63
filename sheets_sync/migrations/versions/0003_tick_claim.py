"""A job's last claimed scheduler tick, so two scheduler processes run each tick once
(2026-11-23)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sheets_sync.store.models import UTCDateTime

revision, down_revision = "0003", "0002"  # Alembic's chain (no branch labels, no dependencies)


def upgrade() -> None:
    with op.batch_alter_table("sync_jobs") as batch:
        batch.add_column(sa.Column("last_tick_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_jobs") as batch:
        batch.drop_column("last_tick_at")
