"""A run's data status: "ok" when nothing in the input was ignored or doubted, "check" when the
report says what was (funnel_kpi.report.funnel_report.FunnelReport.status) (2026-12-07)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision, down_revision = "0004", "0003"  # Alembic's chain (no branch labels, no dependencies)


def upgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch:
        batch.add_column(sa.Column("data_status", sa.String(10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch:
        batch.drop_column("data_status")
