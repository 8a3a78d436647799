"""outbox: the messages (signals, alerts) still to deliver, written with what they report

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        # one row per message ever meant: "signal:<id>", or an alert's kind, pair, hour and recipient,
        # so a retried insert (or an alert raised again after a restart) adds nothing
        sa.Column("dedup_key", sa.String(200), nullable=False, unique=True),
        # no foreign key: retention deletes old dry-run risk_book rows, delivered or not
        sa.Column("signal_id", sa.String(64), nullable=True, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        # None: the configured chat; else a private chat (an allowed user's id)
        sa.Column("chat_id", sa.String(32), nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        # set while a drainer sends it: a row still claimed after a crash may have gone out
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("given_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.CheckConstraint("kind IN ('signal', 'alert')", name="ck_outbox_kind"),
        sa.CheckConstraint("attempts >= 0", name="ck_outbox_attempts"),
    )
    # the drainer's query: what is still pending, oldest due first
    op.create_index("ix_outbox_pending", "outbox", ["delivered_at", "given_up_at", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("outbox")  # drops its index with it
