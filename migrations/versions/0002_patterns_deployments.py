"""patterns and model_deployments; covering index for the /stats queries

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Mirrored in adapters.sql.tables: the stats queries filter on entry_time and read only these
# columns, so Postgres answers them with an index-only scan (see docs/persistence.md).
STATS_INDEX_COLUMNS = ["entry_time", "mode", "tier", "result", "r_realized", "model_version"]


def upgrade() -> None:
    op.create_table(
        "patterns",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("pattern_hash", sa.String(64), nullable=False),
        sa.Column("wins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("wins >= 0 AND total >= 0 AND wins <= total", name="ck_patterns_counts"),
    )
    op.create_index("ix_patterns_pattern_hash", "patterns", ["pattern_hash"], unique=True)
    op.create_table(
        "model_deployments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("model_path", sa.String(500), nullable=False),
        sa.Column("deployed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("metrics_json", sa.Text, nullable=False, server_default="{}"),
        sa.Column("rollback_reason", sa.Text, nullable=True),
    )
    op.create_index("ix_model_deployments_deployed_at", "model_deployments", ["deployed_at"])
    op.create_index("ix_risk_book_stats", "risk_book", STATS_INDEX_COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_risk_book_stats", table_name="risk_book")
    op.drop_table("model_deployments")
    op.drop_table("patterns")
