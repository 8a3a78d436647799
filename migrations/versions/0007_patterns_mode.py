"""patterns: counted per mode, so dry-run (and replay) outcomes never move a live signal's confidence

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # every count so far came from dry-run runs: the runtime had no live broker before this
    with op.batch_alter_table("patterns") as batch:
        batch.add_column(sa.Column("mode", sa.String(6), nullable=False, server_default="dryrun"))
        batch.drop_index("ix_patterns_pattern_hash")
        batch.create_index("ix_patterns_mode_pattern_hash", ["mode", "pattern_hash"], unique=True)
        batch.create_check_constraint("ck_patterns_mode", "mode IN ('dryrun', 'live')")


def downgrade() -> None:
    # one row per hash again: live counts are folded away (only dry-run rows survive)
    op.execute("DELETE FROM patterns WHERE mode <> 'dryrun'")
    with op.batch_alter_table("patterns") as batch:
        batch.drop_constraint("ck_patterns_mode", type_="check")
        batch.drop_index("ix_patterns_mode_pattern_hash")
        batch.create_index("ix_patterns_pattern_hash", ["pattern_hash"], unique=True)
        batch.drop_column("mode")
