"""Hand-built backtest trade records (application.backtest.trades.Trade) for tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from application.backtest.trades import Trade

T0 = datetime(2024, 3, 6, 10, 0, tzinfo=UTC)  # a Wednesday: London is open


def at(minute: int) -> str:
    return (T0 + timedelta(minutes=minute)).isoformat()


def trade_record(pair: str = "BTCUSDT", direction: str = "LONG", opened: int = 0, closed: int = 10,
                 entry_fill: float = 100.0, lots: float = 1.0, pnl: float = 10.0, *, horizon: int | None = 2,
                 tier: str = "LOW", confidence: float = 0.6, session: str = "london",
                 right: bool | None = None) -> Trade:
    return Trade(signal_id=f"{pair}-{opened}", pair=pair, direction=direction, tier=tier, confidence=confidence,
                 signal_at=at(opened), entry=entry_fill, entry_fill=entry_fill, lots=lots, stop=1.0,
                 take_profit=1.0, exit_reason="time", exit_at=at(closed), exit_fill=entry_fill, pnl=pnl,
                 r_multiple=pnl / 10.0, latency_ms=0.0, late=False, pnl_penalised=pnl, session=session,
                 horizon_minutes=horizon, direction_right=right)
