"""Was the call right? Each backtest trade labelled from the candles, after the run.

A trade's direction was right when the close of the candle ending ``horizon_minutes`` after its
signal is beyond the close of the candle ending at the signal, on the called side (the training
labels' rule, domain.features.labels, with no dead zone: an unchanged price is not right). Where
either candle is missing, or the trade has no horizon, the label is None: unknown, not wrong.

It reads the candles the run read and changes nothing the engine decided, so it runs beside the
engine (the run loop stays the runtime's).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import attrs
import numpy as np

from application.backtest.trades import BacktestTrades, Trade
from domain.market.candles import MINUTE_MS, Direction, Pair, datetime_to_ms
from domain.market.quality import Ohlcv


def label_directions(result: BacktestTrades, candles: Mapping[Pair, Ohlcv]) -> BacktestTrades:
    labels = direction_labels(result.trades, candles)
    trades = tuple(attrs.evolve(t, direction_right=right) for t, right in zip(result.trades, labels, strict=True))
    return attrs.evolve(result, trades=trades)


def direction_labels(trades: Sequence[Trade], candles: Mapping[Pair, Ohlcv]) -> list[bool | None]:
    by_symbol = {pair.symbol: series for pair, series in candles.items()}
    return [_label(t, by_symbol.get(t.pair, Ohlcv.empty())) for t in trades]


def _label(trade: Trade, series: Ohlcv) -> bool | None:
    if trade.horizon_minutes is None:
        return None
    signal_ms = datetime_to_ms(datetime.fromisoformat(trade.signal_at))
    # the candles that close at the signal and at the horizon open one minute earlier
    wanted = np.array([signal_ms, signal_ms + trade.horizon_minutes * MINUTE_MS], dtype=np.int64) - MINUTE_MS
    i = np.searchsorted(series.open_time_ms, wanted)
    if np.any(i >= len(series)) or np.any(series.open_time_ms[np.minimum(i, len(series) - 1)] != wanted):
        return None
    before, after = series.close[i]
    return bool(Direction(trade.direction).sign * (after - before) > 0)
