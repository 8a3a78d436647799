"""risk_book: the pattern a signal was emitted under (pattern_hash, pattern_name)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # nullable: rows written before patterns were computed have none, and a scan whose pattern
    # store could not be read still records its signal with its pattern (the key needs no store)
    with op.batch_alter_table("risk_book") as batch:
        batch.add_column(sa.Column("pattern_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("pattern_name", sa.String(120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("risk_book") as batch:
        batch.drop_column("pattern_name")
        batch.drop_column("pattern_hash")
