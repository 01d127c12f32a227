"""drift reports

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drift_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("dataset", sa.String(length=250), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=True),
        sa.Column("model_version", sa.String(length=250), nullable=True),
        sa.Column("reference_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("current_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("drifted", sa.Boolean(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("n_columns", sa.Integer(), nullable=False),
        sa.Column("n_drifted", sa.Integer(), nullable=False),
        sa.Column("report_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_drift_reports_dataset_created", "drift_reports", ["dataset", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_drift_reports_dataset_created", table_name="drift_reports")
    op.drop_table("drift_reports")
