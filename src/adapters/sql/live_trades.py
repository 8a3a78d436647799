"""The risk book's closed live trades, for `tradeai microlot report`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from adapters.sql.tables import risk_book as rb
from adapters.sql.timeutil import utc
from application.execution.measure import LiveFill
from domain.evaluation.microlot import LiveTrade
from domain.market.candles import Direction
from domain.signals.signal import Mode


class LiveTradesError(Exception):
    """The store cannot be read, or one of its live rows is not a trade (named by signal_id)."""


def read_live_trades(engine: sa.Engine) -> list[LiveTrade]:
    query = (sa.select(rb.c.signal_id, rb.c.pair, rb.c.direction, rb.c.result, rb.c.tp_price, rb.c.sl_price,
                       rb.c.exit_price, rb.c.r_realized, rb.c.time_to_tp_sl_seconds, rb.c.slippage_bps,
                       rb.c.slippage_expected_bps, rb.c.spread_bps, rb.c.latency_ms)
             .where(rb.c.mode == Mode.LIVE.value, rb.c.result.is_not(None))
             .order_by(rb.c.exit_time, rb.c.id))
    return [_trade(row._mapping) for row in _rows(engine, query, "live trades")]


def read_live_fills(engine: sa.Engine) -> list[LiveFill]:
    """The closing fills of live trades that carry the broker's slippage, for `exec measure --risk-book`."""
    query = (sa.select(rb.c.pair, rb.c.exit_time, rb.c.slippage_bps)
             .where(rb.c.mode == Mode.LIVE.value, rb.c.result.is_not(None), rb.c.slippage_bps.is_not(None))
             .order_by(rb.c.exit_time, rb.c.id))
    return [LiveFill(row.pair, int(utc(row.exit_time).timestamp() * 1000), float(row.slippage_bps))
            for row in _rows(engine, query, "live fills")]


def _rows(engine: sa.Engine, query: sa.Select[Any], what: str) -> Sequence[sa.Row[Any]]:
    try:
        with engine.connect() as connection:
            return connection.execute(query).all()
    except sa.exc.SQLAlchemyError as exc:
        # the driver's own first line: neither the statement nor the URL (which may hold a password)
        detail = str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0]
        raise LiveTradesError(f"risk book: cannot read {what} ({detail})") from None


def _trade(row: sa.RowMapping) -> LiveTrade:
    try:
        won = row["result"] == "W"
        return LiveTrade(
            signal_id=row["signal_id"], pair=row["pair"], direction=Direction(row["direction"]), won=won,
            level=row["tp_price"] if won else row["sl_price"], real_exit=row["exit_price"],
            r_realized=row["r_realized"], time_to_tp_sl_seconds=row["time_to_tp_sl_seconds"],
            slippage_bps=row["slippage_bps"], slippage_expected_bps=row["slippage_expected_bps"],
            spread_bps=row["spread_bps"], latency_ms=row["latency_ms"])
    except (TypeError, ValueError) as exc:
        raise LiveTradesError(f"risk_book row {row['signal_id']!r}: {exc}") from None
