"""runtime state: guard_state, account_days, control_changes, equity_snapshots

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # one row per account: the whole guard state as JSON, rewritten with every signal and outcome
    op.create_table(
        "guard_state",
        sa.Column("account", sa.String(16), primary_key=True),
        sa.Column("state_json", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    # the day-start balance per Prague day, readable without decoding the state
    op.create_table(
        "account_days",
        sa.Column("account", sa.String(16), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("start_balance", sa.Float, nullable=False),
        sa.Column("end_balance", sa.Float, nullable=True),
    )
    op.create_table(
        "control_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("changed_by", sa.String(120), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_control_changes_key_changed_at", "control_changes", ["key", "changed_at"])
    op.create_table(
        "equity_snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("account", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("balance", sa.Float, nullable=False),
        sa.Column("equity", sa.Float, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("day_start_balance", sa.Float, nullable=False),
        sa.Column("open_positions", sa.Integer, nullable=False),
    )
    op.create_index("ix_equity_snapshots_account_at", "equity_snapshots", ["account", "at"])


def downgrade() -> None:
    op.drop_table("equity_snapshots")  # drops its index with it
    op.drop_table("control_changes")
    op.drop_table("account_days")
    op.drop_table("guard_state")
