"""Scale-out: a job's service account; a run's lease, Celery task and worker (2025-02-01)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sheets_sync.store.models import UTCDateTime

revision, down_revision = "0002", "0001"  # Alembic's chain (no branch labels, no dependencies)


def upgrade() -> None:
    with op.batch_alter_table("sync_jobs") as batch:
        batch.add_column(sa.Column("service_account", sa.String(320), nullable=True))
    with op.batch_alter_table("sync_runs") as batch:
        batch.add_column(sa.Column("lease_until", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("task_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("worker", sa.String(300), nullable=True))
    op.create_index("ix_sync_runs_task_id", "sync_runs", ["task_id"])


def downgrade() -> None:
    op.drop_index("ix_sync_runs_task_id", table_name="sync_runs")
    with op.batch_alter_table("sync_runs") as batch:
        batch.drop_column("worker")
        batch.drop_column("task_id")
        batch.drop_column("lease_until")
    with op.batch_alter_table("sync_jobs") as batch:
        batch.drop_column("service_account")
