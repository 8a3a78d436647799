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
    # migration 0006: the pattern the signal was emitted under (none on older rows)
    sa.Column("pattern_hash", sa.String(64), nullable=True),
    sa.Column("pattern_name", sa.String(120), nullable=True),
    # migration 0008: the opening fill (entry_price is the price the signal was decided at; the
    # unprefixed slippage, spread and latency columns are the closing fill's)
    sa.Column("entry_fill_price", sa.Float, nullable=True),
    sa.Column("entry_slippage_bps", sa.Float, nullable=True),
    sa.Column("entry_spread_bps", sa.Float, nullable=True),
    sa.Column("entry_latency_ms", sa.Float, nullable=True),
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
    sa.Column("pattern_hash", sa.String(64), nullable=False),
    sa.Column("mode", sa.String(6), nullable=False, server_default="dryrun"),
    sa.Column("wins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("total", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("wins >= 0 AND total >= 0 AND wins <= total", name="ck_patterns_counts"),
    sa.CheckConstraint("mode IN ('dryrun', 'live')", name="ck_patterns_mode"),
)
# migration 0007: one counter per mode and pattern
sa.Index("ix_patterns_mode_pattern_hash", patterns.c.mode, patterns.c.pattern_hash, unique=True)

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

# The messages still to deliver and those delivered (migration 0004): application.runtime.outbox.
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dedup_key", sa.String(200), nullable=False, unique=True),
    sa.Column("signal_id", sa.String(64), nullable=True, unique=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("chat_id", sa.String(32), nullable=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("given_up_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.CheckConstraint("kind IN ('signal', 'alert')", name="ck_outbox_kind"),
    sa.CheckConstraint("attempts >= 0", name="ck_outbox_attempts"),
)
sa.Index("ix_outbox_pending", outbox.c.delivered_at, outbox.c.given_up_at, outbox.c.next_attempt_at)

# A live order written before it is sent and removed once booked (migration 0008):
# application.runtime.ports.OrderIntents.
order_intents = sa.Table(
    "order_intents",
    metadata,
    sa.Column("signal_id", sa.String(64), primary_key=True),
    sa.Column("mode", sa.String(6), nullable=False),
    sa.Column("signal_json", sa.Text, nullable=False),
    sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("mode IN ('dryrun', 'live')", name="ck_order_intents_mode"),
)

# Retraining asked for from the bot (migration 0005): application.bot.ports.RetrainRequests.
retrain_requests = sa.Table(
    "retrain_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("requested_by", sa.String(120), nullable=False),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("result", sa.Text, nullable=False, server_default=""),
)
sa.Index("ix_retrain_requests_status", retrain_requests.c.status, retrain_requests.c.id)
