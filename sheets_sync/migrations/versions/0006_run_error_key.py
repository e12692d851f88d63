"""A failed run's error as a catalogue key and its parameters (funnel_kpi.errors.Said), so the
dashboard and the notifications say it in the reader's language; ``error`` keeps the English
sentence. The same for a paused job's reason (``paused_params``: the parameters of the
catalogue's "error.paused"). Rows recorded before have none and are shown as before
(2026-12-07)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sheets_sync.store.models import JsonType

revision, down_revision = "0006", "0005"  # Alembic's chain (no branch labels, no dependencies)


def upgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch:
        batch.add_column(sa.Column("error_key", sa.String(80), nullable=True))
        batch.add_column(sa.Column("error_params", JsonType, nullable=True))
    with op.batch_alter_table("sync_jobs") as batch:
        batch.add_column(sa.Column("paused_params", JsonType, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_jobs") as batch:
        batch.drop_column("paused_params")
    with op.batch_alter_table("sync_runs") as batch:
        batch.drop_column("error_params")
        batch.drop_column("error_key")
