"""risk_book: one row per signal and its outcome

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_book",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("signal_id", sa.String(64), nullable=False),
        sa.Column("pair", sa.String(20), nullable=False),
        sa.Column("tier", sa.String(10), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("direction", sa.String(5), nullable=False),
        sa.Column("entry_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entry_price", sa.Float, nullable=False),
        sa.Column("tp_price", sa.Float, nullable=False),
        sa.Column("sl_price", sa.Float, nullable=False),
        sa.Column("rr_expected", sa.Float, nullable=False),
        sa.Column("size", sa.Float, nullable=True),
        sa.Column("result", sa.String(1), nullable=True),
        sa.Column("exit_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("exit_price", sa.Float, nullable=True),
        sa.Column("r_realized", sa.Float, nullable=True),
        sa.Column("time_to_tp_sl_seconds", sa.Float, nullable=True),
        sa.Column("slippage_bps", sa.Float, nullable=True),
        sa.Column("slippage_expected_bps", sa.Float, nullable=True),
        sa.Column("spread_bps", sa.Float, nullable=True),
        sa.Column("latency_ms", sa.Float, nullable=True),
        sa.Column("mode", sa.String(6), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.CheckConstraint("result IN ('W', 'L') OR result IS NULL", name="ck_risk_book_result"),
        sa.CheckConstraint("mode IN ('dryrun', 'live')", name="ck_risk_book_mode"),
    )
    op.create_index("ix_risk_book_signal_id", "risk_book", ["signal_id"], unique=True)
    op.create_index("ix_risk_book_entry_time", "risk_book", ["entry_time"])
    op.create_index("ix_risk_book_pair", "risk_book", ["pair"])
    op.create_index("ix_risk_book_mode", "risk_book", ["mode"])


def downgrade() -> None:
    op.drop_table("risk_book")
