"""Table definitions (SQLAlchemy Core). The schema itself is created by the alembic migrations in
migrations/; these objects only describe it for queries and must match them."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

risk_book = sa.Table(
    "risk_book",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("signal_id", sa.String(64), nullable=False, unique=True),
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

# Covers the /stats queries (filter on entry_time, read the rest from the index): migration 0002.
sa.Index("ix_risk_book_stats", risk_book.c.entry_time, risk_book.c.mode, risk_book.c.tier, risk_book.c.result,
         risk_book.c.r_realized, risk_book.c.model_version)

patterns = sa.Table(
    "patterns",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("pattern_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("wins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("total", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("wins >= 0 AND total >= 0 AND wins <= total", name="ck_patterns_counts"),
)

model_deployments = sa.Table(
    "model_deployments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("version", sa.String(64), nullable=False),
    sa.Column("model_path", sa.String(500), nullable=False),
    sa.Column("deployed_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("metrics_json", sa.Text, nullable=False, server_default="{}"),
    sa.Column("rollback_reason", sa.Text, nullable=True),
)

# Runtime state (migration 0003): what a restart must find again.

guard_state = sa.Table(
    "guard_state",
    metadata,
    sa.Column("account", sa.String(16), primary_key=True),
    sa.Column("state_json", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

account_days = sa.Table(
    "account_days",
    metadata,
    sa.Column("account", sa.String(16), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("start_balance", sa.Float, nullable=False),
    sa.Column("end_balance", sa.Float, nullable=True),
)

control_changes = sa.Table(
    "control_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("changed_by", sa.String(120), nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("ix_control_changes_key_changed_at", control_changes.c.key, control_changes.c.changed_at)

equity_snapshots = sa.Table(
    "equity_snapshots",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account", sa.String(16), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("balance", sa.Float, nullable=False),
    sa.Column("equity", sa.Float, nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("day_start_balance", sa.Float, nullable=False),
    sa.Column("open_positions", sa.Integer, nullable=False),
)
sa.Index("ix_equity_snapshots_account_at", equity_snapshots.c.account, equity_snapshots.c.at)
