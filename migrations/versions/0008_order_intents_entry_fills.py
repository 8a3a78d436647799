"""order_intents (the write-ahead record of a live order) and risk_book's entry-fill columns

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # written, and committed, before a live order is sent; removed once the order's outcome is
    # booked. A row left by a runtime killed in between is what lets the restart book the broker's
    # position as this runtime's signal instead of reporting it as unknown
    op.create_table(
        "order_intents",
        sa.Column("signal_id", sa.String(64), primary_key=True),
        sa.Column("mode", sa.String(6), nullable=False),
        sa.Column("signal_json", sa.Text, nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mode IN ('dryrun', 'live')", name="ck_order_intents_mode"),
    )
    # the opening fill as the broker (or the paper model) made it; entry_price stays the price the
    # signal was decided at, and the unprefixed cost columns stay the closing fill's
    with op.batch_alter_table("risk_book") as batch:
        batch.add_column(sa.Column("entry_fill_price", sa.Float, nullable=True))
        batch.add_column(sa.Column("entry_slippage_bps", sa.Float, nullable=True))
        batch.add_column(sa.Column("entry_spread_bps", sa.Float, nullable=True))
        batch.add_column(sa.Column("entry_latency_ms", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("risk_book") as batch:
        for column in ("entry_latency_ms", "entry_spread_bps", "entry_slippage_bps", "entry_fill_price"):
            batch.drop_column(column)
    op.drop_table("order_intents")
