from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from adapters.clock import ReplayClock
from adapters.files import OhlcvCsvReader, candle_files
from adapters.predictors.baseline import BaselineMomentumPredictor
from adapters.replay import ArrayCandleSource, MemoryCandleStore
from application.data.candle_source import LoadedCandleSource
from application.data.ports import CandleFileError
from application.data.replay_files import load_replay_files
from domain.market.candles import CandleWindow, Direction, Pair
from domain.market.indicators import wilder_atr
from domain.market.quality import Ohlcv
from tests.fakes.series import random_walk, write_csv

BTC = Pair("BTCUSDT")
START = datetime(2024, 3, 1, tzinfo=UTC)


def test_window_returns_only_candles_closed_by_end() -> None:
    source = ArrayCandleSource({BTC: random_walk(START, 100)})
    window = source.window(BTC, START + timedelta(minutes=10, seconds=30), 5)
    assert len(window) == 5
    assert window.last_close_time == START + timedelta(minutes=10)
    assert source.coverage(BTC) == (START, START + timedelta(minutes=100))
    assert source.coverage(Pair("ETHUSDT")) is None


def replay(paths, pairs=(BTC,)):
    store = MemoryCandleStore()
    load_replay_files(candle_files(paths, list(pairs)), OhlcvCsvReader(), store)
    return LoadedCandleSource(store.load)


def test_csv_files_are_merged_by_open_time(tmp_path: Path) -> None:
    series = random_walk(START, 50)
    write_csv(str(tmp_path / "BTCUSDT-a.csv"), series)
    later = series.take(slice(40, 50))
    write_csv(str(tmp_path / "BTCUSDT-b.csv"), Ohlcv.concat([later, random_walk(START + timedelta(minutes=50), 20, seed=9)]))
    write_csv(str(tmp_path / "ETHUSDT.csv"), random_walk(START, 5))
    source = replay([tmp_path])
    window = source.window(BTC, START + timedelta(days=1), 1000)
    assert len(window) == 70 and window.is_contiguous()
    assert window.close[0] == series.close[0]
    assert source.coverage(Pair("ETHUSDT")) is None  # not asked for


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("open_time,open,high,low,close\n", "header must name"),
        ("open_time,open,high,low,close,volume\n60000,1,2,0.5,1.5,3\n120000,1,2,0.5,abc,3\n", "line 3"),
        ("open_time,open,high,low,close,volume\n60000,1,1.2,0.5,1.5,3\n", "line 2"),
        ("open_time,open,high,low,close,volume\n60000,1,2,0.5,1.5,3,9\n", "line 2"),
    ],
)
def test_bad_csv_refuses_the_replay_naming_file_and_line(tmp_path: Path, body: str, fragment: str) -> None:
    path = tmp_path / "BTCUSDT.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(body)
    with pytest.raises(CandleFileError) as info:
        replay([path])
    assert str(path) in str(info.value) and fragment in str(info.value)


def test_files_that_disagree_on_a_minute_refuse_the_replay(tmp_path: Path) -> None:
    series = random_walk(START, 10)
    write_csv(str(tmp_path / "BTCUSDT-a.csv"), series)
    changed = Ohlcv(series.open_time_ms, series.open, series.high * 1.01, series.low, series.close, series.volume)
    write_csv(str(tmp_path / "BTCUSDT-b.csv"), changed)
    with pytest.raises(CandleFileError, match="differs from an earlier file"):
        replay([tmp_path])


def _window(close: np.ndarray) -> CandleWindow:
    n = len(close)
    return CandleWindow(BTC, np.arange(n, dtype=np.int64) * 60_000, close, close * 1.001, close * 0.999, close,
                        np.ones(n))


def test_baseline_follows_15_minute_momentum_deterministically() -> None:
    rng = np.random.default_rng(1)
    noise = 1 + 0.0005 * rng.standard_normal(61)
    rising = 100 * np.exp(np.linspace(0, 0.01, 61)) * noise
    predictor = BaselineMomentumPredictor()
    up = predictor.predict(_window(rising))
    down = predictor.predict(_window(rising[::-1].copy()))
    assert up.direction is Direction.LONG and down.direction is Direction.SHORT
    assert 0.5 < up.probability < 1
    assert predictor.predict(_window(rising)) == up


def test_baseline_probability_grows_with_momentum_and_refuses_gaps() -> None:
    predictor = BaselineMomentumPredictor()
    rng = np.random.default_rng(2)
    noise = 0.001 * rng.standard_normal(61)
    weak = predictor.predict(_window(100 * np.exp(np.cumsum(noise + 0.0001))))
    strong = predictor.predict(_window(100 * np.exp(np.cumsum(noise + 0.0008))))
    assert strong.probability > weak.probability
    gapped = _window(100 + np.arange(61.0))
    gapped = CandleWindow(BTC, np.concatenate([[0], np.arange(2, 62)]) * 60_000, gapped.open, gapped.high,
                          gapped.low, gapped.close, gapped.volume)
    assert predictor.predict(gapped) is None
    assert predictor.predict(_window(np.full(61, 100.0))) is None


def test_wilder_atr_matches_hand_computation() -> None:
    high = np.array([10, 11, 12, 11, 13.0])
    low = np.array([9, 10, 10, 10, 11.0])
    close = np.array([9.5, 10.5, 11, 10.5, 12.5])
    window = CandleWindow(BTC, np.arange(5) * 60_000, close, high, low, close, np.ones(5))
    # true ranges after the first bar: 1.5, 2, 1, 2.5 ; period 2 -> (1.5+2)/2=1.75 -> 1.375 -> 1.9375
    assert wilder_atr(window, 2) == pytest.approx(1.9375)
    assert wilder_atr(window, 5) is None


def test_replay_clock_jumps_forward_only() -> None:
    clock = ReplayClock(START)
    clock.sleep_until(START + timedelta(minutes=5))
    assert clock.now() == START + timedelta(minutes=5)
    clock.sleep_until(START)
    assert clock.now() == START + timedelta(minutes=5)
    with pytest.raises(ValueError, match="speed"):
        ReplayClock(START, speed=0)
