"""Indicators against the reference implementation (`ta`, test-only) and the leakage guard, on
real candles read from ../shared/data (never copied into the project)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from adapters.features import PandasFeatureCalculator
from application.features.leakage import CheckLeakage
from domain.features.definitions import FeatureSpec, contiguous_runs
from domain.market.candles import CandleWindow, Pair, datetime_to_ms
from domain.market.indicators import wilder_atr
from domain.market.quality import Ohlcv

try:
    import ta
except ImportError:  # the reference implementation is a test-only dependency (dev extra)
    if os.environ.get("CI", "").lower() == "true":
        raise
    pytest.skip("the reference implementation `ta` is not installed", allow_module_level=True)

pytestmark = pytest.mark.shared_data

ROWS = 150_000  # the first ~100 days of ETH: several blocks, inner gaps included
SPEC = FeatureSpec()
SETTLED = 500  # bars after which Wilder's ATR has forgotten how it was seeded (13/14)^500 ~ 1e-16


@pytest.fixture(scope="module")
def eth(spot_1m_dir: Path) -> Ohlcv:
    frame = pd.read_csv(spot_1m_dir / "ETHUSDT.csv.gz", nrows=ROWS)
    return Ohlcv(*(frame[c].to_numpy() for c in ("open_time", "open", "high", "low", "close", "volume")))


@pytest.fixture(scope="module")
def features(eth: Ohlcv) -> dict[str, np.ndarray]:
    return PandasFeatureCalculator().market_features(eth, SPEC)


def long_runs(candles: Ohlcv, minimum: int = 5_000) -> list[tuple[int, int]]:
    runs = [(lo, hi) for lo, hi in contiguous_runs(candles.open_time_ms).bounds() if hi - lo >= minimum]
    assert len(runs) >= 2, "expected several contiguous blocks in the sample"
    return runs


def run_frame(candles: Ohlcv, lo: int, hi: int) -> pd.DataFrame:
    return pd.DataFrame({"high": candles.high[lo:hi], "low": candles.low[lo:hi], "close": candles.close[lo:hi],
                         "volume": candles.volume[lo:hi]})


def test_atr_agrees_with_ta_once_the_seed_is_forgotten(eth: Ohlcv, features: dict[str, np.ndarray]) -> None:
    for lo, end in long_runs(eth)[:3]:
        hi = min(end, lo + 8_000)  # ta's ATR is a Python loop: a few thousand bars per run is plenty
        frame = run_frame(eth, lo, hi)
        reference = ta.volatility.AverageTrueRange(frame["high"], frame["low"], frame["close"], window=14).average_true_range()
        ours = features["natr_14"][lo:hi] * eth.close[lo:hi]
        np.testing.assert_allclose(ours[SETTLED:], reference.to_numpy()[SETTLED:], rtol=1e-9)


def test_atr_is_the_runtime_wilder_atr(eth: Ohlcv, features: dict[str, np.ndarray]) -> None:
    lo, hi = long_runs(eth)[0]
    for end in (lo + 14, lo + 1_000, hi - 1):
        part = eth.take(slice(lo, end + 1))
        window = CandleWindow(Pair("ETHUSDT"), part.open_time_ms, part.open, part.high, part.low, part.close,
                              part.volume)
        assert features["natr_14"][end] * eth.close[end] == pytest.approx(wilder_atr(window), rel=1e-10)


def test_returns_agree_with_ta_rate_of_change(eth: Ohlcv, features: dict[str, np.ndarray]) -> None:
    for lo, hi in long_runs(eth):
        close = pd.Series(eth.close[lo:hi])
        for w in SPEC.return_windows:
            roc = ta.momentum.ROCIndicator(close, window=w).roc().to_numpy()
            np.testing.assert_allclose(features[f"ret_{w}"][lo + w: hi], np.log1p(roc[w:] / 100), rtol=1e-9,
                                       atol=1e-13)


def test_realized_volatility_agrees_with_ta_bollinger_width(eth: Ohlcv, features: dict[str, np.ndarray]) -> None:
    # ta's Bollinger bands use the population standard deviation: (high band - mean) / 2 is the rolling std
    for lo, hi in long_runs(eth):
        returns = pd.Series(np.log(eth.close[lo:hi])).diff()
        for w in SPEC.volatility_windows:
            bands = ta.volatility.BollingerBands(returns, window=w, window_dev=2)
            std = ((bands.bollinger_hband() - bands.bollinger_mavg()) / 2).to_numpy()
            np.testing.assert_allclose(features[f"rv_{w}"][lo + w + 1: hi], std[w + 1:], rtol=1e-6, atol=1e-12)


def test_spread_proxies_are_plausible_for_eth(eth: Ohlcv, features: dict[str, np.ndarray]) -> None:
    # ETH spot trades at a spread of about 0.1 bp; bar ranges add noise, but a proxy in the
    # tens of percent or exactly zero everywhere would mean a broken formula
    for name in ("cs_spread_60", "ar_spread_60"):
        median_bps = np.nanmedian(features[name]) * 1e4
        assert 0 < median_bps < 50, (name, median_bps)


def test_no_leakage_on_real_candles(eth: Ohlcv) -> None:
    fit = (datetime_to_ms(pd.Timestamp("2020-06-01", tz="UTC").to_pydatetime()),
           datetime_to_ms(pd.Timestamp("2020-07-01", tz="UTC").to_pydatetime()))
    report = CheckLeakage(PandasFeatureCalculator())(Pair("ETHUSDT"), eth, *fit, samples=12, seed=42)
    assert report.passed, report.failures
