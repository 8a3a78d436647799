"""retrain_requests: retraining asked for from the bot, picked up by `tradeai retrain --if-requested`

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # one row per request; the bot only inserts, the retrain job claims the oldest pending one
    # and writes its outcome, so a request is never run twice and its result stays readable
    op.create_table(
        "retrain_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("requested_by", sa.String(120), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        # pending -> running -> done | failed
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_retrain_requests_status", "retrain_requests", ["status", "id"])


def downgrade() -> None:
    op.drop_table("retrain_requests")  # drops its index with it
