"""Candle series built in code, and an in-memory CandleStore that passes the store contract."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from adapters.replay import MemoryCandleStore
from domain.market.candles import MINUTE_MS, datetime_to_ms
from domain.market.quality import Ohlcv

T0 = datetime_to_ms(datetime(2021, 1, 1, tzinfo=UTC))


def make_candles(n: int, start_ms: int = T0, seed: int = 0, price: float = 100.0) -> Ohlcv:
    """A consistent random walk of ``n`` contiguous minutes."""
    rng = np.random.default_rng(seed)
    close = price * np.exp(np.cumsum(rng.normal(0, 0.001, n)))
    open_ = np.concatenate([[price], close[:-1]])
    spread = np.abs(rng.normal(0, 0.0005, n)) * close
    high = np.maximum(open_, close) + spread
    low = np.minimum(open_, close) - spread
    volume = rng.uniform(1, 10, n)
    times = start_ms + MINUTE_MS * np.arange(n, dtype=np.int64)
    return Ohlcv(times, open_, high, low, close, volume)


def drop_minutes(candles: Ohlcv, *indices: int) -> Ohlcv:
    keep = np.ones(len(candles), dtype=bool)
    keep[list(indices)] = False
    return candles.take(keep)


def with_value(candles: Ohlcv, column: str, index: int, value: float) -> Ohlcv:
    columns = {name: getattr(candles, name).copy() for name in ("open_time_ms", "open", "high", "low", "close", "volume")}
    columns[column][index] = value
    return Ohlcv(**columns)


# the production in-memory store passes the same store contract as the parquet one
InMemoryCandleStore = MemoryCandleStore
