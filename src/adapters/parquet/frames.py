"""Stored candles as a pandas frame, for research and training code."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from adapters.parquet.store import ParquetCandleStore
from domain.market.candles import Pair, datetime_to_ms
from domain.market.extras import extras_of, has_extras


def read_frame(store: ParquetCandleStore, pair: Pair, start: datetime | None = None,
               end: datetime | None = None) -> pd.DataFrame:
    """open, high, low, close, volume indexed by a UTC DatetimeIndex of open times (``start <= t < end``),
    and quote_volume, trades, taker_buy_volume (NaN where unknown) when the stored months have them."""
    candles = store.load(pair, None if start is None else datetime_to_ms(start),
                         None if end is None else datetime_to_ms(end))
    index = pd.DatetimeIndex(pd.to_datetime(candles.open_time_ms, unit="ms", utc=True), name="open_time")
    return pd.DataFrame(
        {"open": candles.open, "high": candles.high, "low": candles.low, "close": candles.close,
         "volume": candles.volume, **(extras_of(candles) if has_extras(candles) else {})},
        index=index,
        copy=False,
    )
