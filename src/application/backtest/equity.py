"""The backtest's equity minute by minute, open positions marked to market.

At each minute t of the period (the close time of the 1-minute candle that opened at t - 1 min):

    equity(t) = initial balance + P/L of the trades closed by t
              + sum over the trades open at t of  sign * (close(t) - entry fill) * units - opening commission

which is how the runtime's account marks a position (domain.risk.account.Position.unrealized_pnl,
swap aside: paper positions pay none). A trade is open from its signal (when it filled) until its
exit; at the exit minute its realised P/L replaces the mark. A pair's close is carried forward over
a missing candle. The curve follows the account the guard watched: trade P/L, not the latency-
penalised record. Positions still open when the window ends are not in the record and not marked.

Vectorised: per pair, the open trades' summed units and entry values are step functions of time
(a difference array, cumulated), so the cost is one pass over the minutes per pair.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np

from application.backtest.trades import Trade
from domain.evaluation.equity import EquitySeries
from domain.execution.instruments import Instruments, InstrumentSpec
from domain.market.candles import MINUTE_MS, Direction, FloatArray, IntArray, Pair, datetime_to_ms
from domain.market.quality import Ohlcv


def minute_grid(start: datetime, end: datetime) -> IntArray:
    """Every whole minute from ``start`` (rounded up) to ``end``, both included."""
    first = -(-datetime_to_ms(start) // MINUTE_MS) * MINUTE_MS
    return np.arange(first, datetime_to_ms(end) + 1, MINUTE_MS, dtype=np.int64)


def equity_curve(trades: Sequence[Trade], candles: Mapping[Pair, Ohlcv], instruments: Instruments,
                 initial_balance: float, start: datetime, end: datetime) -> EquitySeries:
    grid = minute_grid(start, end)
    equity = np.full(len(grid), float(initial_balance))
    by_symbol = {pair.symbol: (pair, series) for pair, series in candles.items()}
    for symbol in sorted({t.pair for t in trades}):
        if symbol not in by_symbol:
            raise ValueError(f"no candles for {symbol}: its open trades cannot be marked")
        pair, series = by_symbol[symbol]
        mine = [t for t in trades if t.pair == symbol]
        equity += _pair_pnl(mine, _closes_at(series, grid), grid, instruments.spec_for(pair))
    return EquitySeries(grid, equity)


def _closes_at(series: Ohlcv, grid: IntArray) -> FloatArray:
    """The last close known at each minute; before the first candle, its close (no trade is open then)."""
    if not len(series):
        return np.zeros(len(grid))
    index = np.searchsorted(series.open_time_ms + MINUTE_MS, grid, side="right") - 1
    closes: FloatArray = series.close[np.maximum(index, 0)]
    return closes


def _pair_pnl(trades: Sequence[Trade], close: FloatArray, grid: IntArray, spec: InstrumentSpec) -> FloatArray:
    n = len(grid)
    opened = np.searchsorted(grid, [_ms(t.signal_at) for t in trades], side="left")
    closed = np.searchsorted(grid, [_ms(t.exit_at) for t in trades], side="left")
    signed_units = np.array([Direction(t.direction).sign * t.lots * spec.contract_size for t in trades])
    cost = np.array([spec.commission(t.entry_fill, t.lots) for t in trades])
    entry_value = signed_units * np.array([t.entry_fill for t in trades]) + cost
    units, value, count, realised = (np.zeros(n + 1) for _ in range(4))
    for diff, amount in ((units, signed_units), (value, entry_value), (count, np.ones(len(trades)))):
        np.add.at(diff, opened, amount)
        np.add.at(diff, closed, -amount)
    np.add.at(realised, closed, [t.pnl for t in trades])
    open_now = np.cumsum(count)[:n] > 0.5
    # where nothing is open the mark is exactly 0, not the residue of adding and removing floats
    marked = np.where(open_now, close * np.cumsum(units)[:n] - np.cumsum(value)[:n], 0.0)
    pnl: FloatArray = np.cumsum(realised)[:n] + marked
    return pnl


def _ms(iso: str) -> int:
    return datetime_to_ms(datetime.fromisoformat(iso))
