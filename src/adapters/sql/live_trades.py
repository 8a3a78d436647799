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
                       rb.c.slippage_expected_bps, rb.c.spread_bps, rb.c.latency_ms, rb.c.entry_price,
                       rb.c.entry_fill_price, rb.c.entry_slippage_bps, rb.c.entry_spread_bps, rb.c.entry_latency_ms)
             .where(rb.c.mode == Mode.LIVE.value, rb.c.result.is_not(None))
             .order_by(rb.c.exit_time, rb.c.id))
    return [_trade(row._mapping) for row in _rows(engine, query, "live trades")]


def read_live_fills(engine: sa.Engine) -> list[LiveFill]:
    """The opening and closing fills of live trades that carry the broker's slippage, oldest first,
    for `exec measure --risk-book`."""
    live = rb.c.mode == Mode.LIVE.value
    opens = (sa.select(rb.c.pair, rb.c.entry_time.label("at"), rb.c.entry_slippage_bps.label("slippage"))
             .where(live, rb.c.entry_slippage_bps.is_not(None)))
    closes = (sa.select(rb.c.pair, rb.c.exit_time.label("at"), rb.c.slippage_bps.label("slippage"))
              .where(live, rb.c.result.is_not(None), rb.c.slippage_bps.is_not(None)))
    fills = [LiveFill(row.pair, int(utc(row.at).timestamp() * 1000), float(row.slippage))
             for query, what in ((opens, "live entry fills"), (closes, "live exit fills"))
             for row in _rows(engine, query, what)]
    return sorted(fills, key=lambda f: (f.time_ms, f.pair))


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
            spread_bps=row["spread_bps"], latency_ms=row["latency_ms"], entry=row["entry_price"],
            real_entry=row["entry_fill_price"], entry_slippage_bps=row["entry_slippage_bps"],
            entry_spread_bps=row["entry_spread_bps"], entry_latency_ms=row["entry_latency_ms"])
    except (TypeError, ValueError) as exc:
        raise LiveTradesError(f"risk_book row {row['signal_id']!r}: {exc}") from None
