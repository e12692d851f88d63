"""Jobs, runs, latest reports and API tokens (2025-01-01)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sheets_sync.store.models import JsonType, UTCDateTime

revision, down_revision = "0001", None  # Alembic's chain (no branch labels, no dependencies)


def upgrade() -> None:
    op.create_table(
        "sync_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("spreadsheet", sa.String(1000), nullable=False),
        sa.Column("input_tabs", JsonType, nullable=True),
        sa.Column("funnel", JsonType, nullable=True),
        sa.Column("output_tab", sa.String(100), nullable=True),
        sa.Column("schedule_cron", sa.String(200), nullable=True),
        sa.Column("schedule_interval", sa.Integer(), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("paused_reason", sa.Text(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("state", JsonType, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_jobs")),
    )
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("api_calls", sa.Integer(), nullable=False),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("cells_read", sa.Integer(), nullable=False),
        sa.Column("cells_written", sa.Integer(), nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=True),
        sa.Column("problems", sa.Integer(), nullable=False),
        sa.Column("error_code", sa.String(40), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["sync_jobs.id"], ondelete="CASCADE",
                                name=op.f("fk_sync_runs_job_id_sync_jobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    op.create_index("ix_sync_runs_job_started", "sync_runs", ["job_id", "started_at"])
    op.create_index("uq_sync_runs_one_running", "sync_runs", ["job_id"], unique=True,
                    sqlite_where=sa.text("status = 'running'"),
                    postgresql_where=sa.text("status = 'running'"))
    op.create_table(
        "sync_reports",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.Column("report", JsonType, nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["sync_jobs.id"], ondelete="CASCADE",
                                name=op.f("fk_sync_reports_job_id_sync_jobs")),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_sync_reports")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("api_tokens")
    op.drop_table("sync_reports")
    op.drop_index("uq_sync_runs_one_running", table_name="sync_runs")
    op.drop_index("ix_sync_runs_job_started", table_name="sync_runs")
    op.drop_table("sync_runs")
    op.drop_table("sync_jobs")
