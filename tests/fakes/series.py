"""Small synthetic candle series built in code (seeded), for unit tests."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from domain.market.candles import MINUTE_MS, datetime_to_ms
from domain.market.quality import Ohlcv


def random_walk(start: datetime, minutes: int, *, seed: int = 7, price: float = 100.0,
                drift: float = 0.0, vol: float = 0.001) -> Ohlcv:
    rng = np.random.default_rng(seed)
    log_returns = drift + vol * rng.standard_normal(minutes)
    close = price * np.exp(np.cumsum(log_returns))
    open_ = np.concatenate([[price], close[:-1]])
    spread = np.abs(vol * rng.standard_normal(minutes)) * close
    high = np.maximum(open_, close) + spread
    low = np.minimum(open_, close) - spread
    volume = rng.uniform(1.0, 10.0, minutes)
    open_time = datetime_to_ms(start) + MINUTE_MS * np.arange(minutes, dtype=np.int64)
    return Ohlcv(open_time, open_, high, low, close, volume)


def write_csv(path: str, arrays: Ohlcv) -> None:
    rows = np.column_stack([arrays.open_time_ms, arrays.open, arrays.high, arrays.low, arrays.close, arrays.volume])
    with open(path, "w") as handle:
        handle.write("open_time,open,high,low,close,volume\n")
        for row in rows:
            handle.write(",".join([str(int(row[0]))] + [repr(float(v)) for v in row[1:]]) + "\n")
