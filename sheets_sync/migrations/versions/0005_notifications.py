"""Notifications: each job's channels, events and weekly digest, and every message sent or
failed (sheets_sync/notify) (2026-12-07)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sheets_sync.store.models import JsonType, UTCDateTime

revision, down_revision = "0005", "0004"  # Alembic's chain (no branch labels, no dependencies)


def upgrade() -> None:
    op.create_table(
        "notify_settings",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("events", JsonType, nullable=False),
        sa.Column("emails", JsonType, nullable=False),
        sa.Column("webhooks", JsonType, nullable=False),
        sa.Column("digest_weekday", sa.Integer(), nullable=True),
        sa.Column("digest_hour", sa.Integer(), nullable=True),
        sa.Column("last_digest_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["sync_jobs.id"], ondelete="CASCADE",
                                name=op.f("fk_notify_settings_job_id_sync_jobs")),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_notify_settings")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("event", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("target", sa.String(500), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["sync_jobs.id"], ondelete="CASCADE",
                                name=op.f("fk_notifications_job_id_sync_jobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index("ix_notifications_job_created", "notifications", ["job_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_notifications_job_created", table_name="notifications")
    op.drop_table("notifications")
    op.drop_table("notify_settings")
