"""Why a notification failed as a catalogue key and its parameters (funnel_kpi.errors.Said), so
the job page and the API say it in the reader's language; ``detail`` keeps the English sentence.
Rows recorded before have none and show their English detail (2026-12-07)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sheets_sync.store.models import JsonType

revision, down_revision = "0007", "0006"  # Alembic's chain (no branch labels, no dependencies)


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("detail_key", sa.String(80), nullable=True))
        batch.add_column(sa.Column("detail_params", JsonType, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("detail_params")
        batch.drop_column("detail_key")
