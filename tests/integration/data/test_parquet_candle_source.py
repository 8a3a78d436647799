"""ParquetCandleSource returns exactly the closed candles a brute-force filter finds."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np

from adapters.parquet import ParquetCandleSource, ParquetCandleStore
from domain.market.candles import MINUTE_MS, Pair, datetime_to_ms, ms_to_datetime
from tests.fakes.candles import drop_minutes, make_candles

BTC = Pair("BTCUSDT")


def test_windows_match_a_brute_force_filter(tmp_path: Path) -> None:
    candles = drop_minutes(make_candles(5000), *range(1000, 1300), 4000)
    store = ParquetCandleStore(tmp_path)
    store.merge(BTC, candles, "test")
    parquet = ParquetCandleSource(store)
    rng = np.random.default_rng(0)
    start = ms_to_datetime(int(candles.open_time_ms[0]))
    for minutes in rng.integers(-10, 5100, 200).tolist():
        end = start + timedelta(minutes=minutes, seconds=int(rng.integers(0, 60)))
        length = int(rng.integers(0, 700))
        got = parquet.window(BTC, end, length)
        closed = candles.open_time_ms + MINUTE_MS <= datetime_to_ms(end)
        want = np.flatnonzero(closed)[-length:] if length else np.array([], dtype=int)
        assert np.array_equal(got.open_time_ms, candles.open_time_ms[want])
        assert np.array_equal(got.close, candles.close[want])
    first, last = int(candles.open_time_ms[0]), int(candles.open_time_ms[-1]) + MINUTE_MS
    assert parquet.coverage(BTC) == (ms_to_datetime(first), ms_to_datetime(last))


def test_refresh_sees_new_data(tmp_path: Path) -> None:
    store = ParquetCandleStore(tmp_path)
    candles = make_candles(200)
    store.merge(BTC, candles.take(slice(0, 100)), "a")
    source = ParquetCandleSource(store)
    end = ms_to_datetime(int(candles.open_time_ms[-1]) + MINUTE_MS)
    assert len(source.window(BTC, end, 500)) == 100
    store.merge(BTC, candles, "b")
    assert len(source.window(BTC, end, 500)) == 100  # cached
    source.refresh(BTC)
    assert len(source.window(BTC, end, 500)) == 200
