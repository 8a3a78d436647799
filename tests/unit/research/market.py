"""A small market built in code: a seeded random walk of 1-minute candles and feature rows computed
from each candle's past only (a 15-minute return and a 60-minute volatility)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from application.features.ports import PairFeatures
from application.research.tape import Tape, build_tape
from domain.market.candles import Pair
from domain.market.quality import Ohlcv
from tests.fakes.series import random_walk

PAIR = Pair("BTCUSDT")
START = datetime(2024, 3, 4, tzinfo=UTC)  # a Monday, mid-day in Prague: no day roll in the first hours


def candles(minutes: int = 15 * 200, seed: int = 7, price: float = 60_000.0, vol: float = 0.001) -> Ohlcv:
    return random_walk(START, minutes, seed=seed, price=price, vol=vol)


def rows(bars: Ohlcv, gap_after: int | None = None) -> PairFeatures:
    """Feature rows from the 61st candle on; ``gap_after`` starts a new segment after that row."""
    log_close = np.log(bars.close)
    ret = np.full(len(bars), np.nan)
    ret[15:] = log_close[15:] - log_close[:-15]
    step = np.r_[np.nan, np.diff(log_close)]
    vol = np.array([np.nanstd(step[max(1, i - 59):i + 1]) if i >= 60 else np.nan for i in range(len(bars))])
    keep = slice(60, None)
    segment = np.zeros(len(bars) - 60, dtype=np.int32)
    if gap_after is not None:
        segment[gap_after + 1:] = 1
    return PairFeatures(PAIR, bars.open_time_ms[keep], segment,
                        {"ret_15": ret[keep] * 100, "rv_60": vol[keep] * 1000}, {})


def tape(minutes: int = 15 * 200, seed: int = 7, interval: int = 15, **walk: float) -> Tape:
    bars = candles(minutes, seed, **walk)
    return build_tape(rows(bars), bars, interval)
