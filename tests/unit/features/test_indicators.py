"""The pandas calculator: Wilder ATR equal to the domain's, windows that never cross a gap,
the spread estimators on bars whose spread is known, optional inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from adapters.features import PandasFeatureCalculator
from adapters.features.liquidity import abdi_ranaldo, corwin_schultz
from domain.features.definitions import FeatureSpec
from domain.market.candles import CandleWindow, Pair
from domain.market.indicators import wilder_atr
from domain.market.quality import Ohlcv
from tests.fakes.candles import drop_minutes, make_candles

SPEC = FeatureSpec()
CALC = PandasFeatureCalculator()


def test_atr_equals_the_domain_wilder_atr_over_the_run_at_every_bar() -> None:
    candles = make_candles(300, seed=4)
    natr = CALC.market_features(candles, SPEC)["natr_14"]
    assert np.isnan(natr[:14]).all() and np.isfinite(natr[14:]).all()
    for end in (15, 16, 40, 299):
        part = candles.take(slice(0, end + 1))
        window = CandleWindow(Pair("BTCUSDT"), part.open_time_ms, part.open, part.high, part.low, part.close,
                              part.volume)
        assert natr[end] * candles.close[end] == pytest.approx(wilder_atr(window, 14), rel=1e-12)


def test_returns_volatility_range_and_volume_by_hand() -> None:
    candles = make_candles(200, seed=5)
    out = CALC.market_features(candles, SPEC)
    log_close = np.log(candles.close)
    assert out["ret_15"][100] == pytest.approx(log_close[100] - log_close[85], rel=1e-12)
    assert np.isnan(out["ret_60"][59]) and np.isfinite(out["ret_60"][60])
    returns = np.diff(log_close)[100 - 60: 100]
    assert out["rv_60"][100] == pytest.approx(returns.std(), rel=1e-9)
    assert out["hl_range"][7] == pytest.approx(np.log(candles.high[7] / candles.low[7]))
    lv = np.log1p(candles.volume[41:101])
    assert out["volume_z_60"][100] == pytest.approx((lv[-1] - lv.mean()) / lv.std(), rel=1e-9)


def test_every_window_restarts_after_a_gap() -> None:
    candles = drop_minutes(make_candles(400, seed=6), 200)
    out = CALC.market_features(candles, SPEC)
    alone = CALC.market_features(candles.take(slice(200, None)), SPEC)  # the run after the gap, on its own
    for name, values in out.items():
        assert values[200:].tobytes() == alone[name].tobytes(), name
    assert np.isfinite(out["ret_1"][199]) and np.isnan(out["ret_1"][200]) and np.isnan(out["natr_14"][200 + 13])


def test_corwin_schultz_recovers_the_range_when_prices_do_not_move() -> None:
    # with no volatility the high-low range is all spread: the estimate is 2(e^x - 1)/(1 + e^x), x = ln(H/L)
    high, low = pd.Series(np.full(10, 100.2)), pd.Series(np.full(10, 99.8))
    close = pd.Series(np.full(10, 100.0))
    x = np.log(100.2 / 99.8)
    estimate = corwin_schultz(high, low, close, window=3)
    assert np.isnan(estimate[2]) and estimate[3] == pytest.approx(2 * (np.exp(x) - 1) / (1 + np.exp(x)), rel=1e-12)


def test_corwin_schultz_removes_the_move_between_bars() -> None:
    # bar 1 trades wholly above bar 0's close (a jump): once bar 1 is shifted back by the jump the
    # two bars are the flat case above, as in Corwin's SAS code (prior close below the low)
    high, low = pd.Series([100.2, 101.2, 100.2]), pd.Series([99.8, 100.8, 99.8])
    close = pd.Series([99.8, 101.0, 100.0])
    jumped = corwin_schultz(high, low, close, window=1)
    flat = corwin_schultz(pd.Series([100.2] * 2), pd.Series([99.8] * 2), pd.Series([99.8, 100.0]), window=1)
    assert jumped[1] == pytest.approx(flat[1], rel=1e-12)
    raw = corwin_schultz(high, low, pd.Series([100.9, 101.0, 100.0]), window=1)  # no jump: wider 2-bar range
    assert raw[1] == 0.0 < jumped[1]


def test_abdi_ranaldo_recovers_a_bid_ask_bounce() -> None:
    # closes alternate at the ask and the bid around a fixed mid: the estimate is the spread
    spread = 0.002
    mid = np.log(100.0)
    high, low = pd.Series(np.full(12, np.exp(mid + spread / 2))), pd.Series(np.full(12, np.exp(mid - spread / 2)))
    close = pd.Series(np.exp(mid + np.tile([spread / 2, -spread / 2], 6)))
    estimate = abdi_ranaldo(high, low, close, window=4)
    assert estimate[4] == pytest.approx(spread, rel=1e-9) and np.isnan(estimate[3])


def test_spread_estimates_are_never_negative() -> None:
    out = CALC.market_features(make_candles(500, seed=8), SPEC)
    for name in ("cs_spread_60", "ar_spread_60"):
        assert np.nanmin(out[name]) >= 0


def test_optional_inputs_add_their_columns_and_ratio() -> None:
    candles = make_candles(100, seed=9)
    extras = {"quote_volume": candles.volume * candles.close, "trades": np.arange(100.0),
              "taker_buy_volume": candles.volume * 0.25}
    out = CALC.market_features(candles, SPEC, extras)
    assert set(out) == set(SPEC.market_columns(tuple(extras)))
    assert out["taker_buy_ratio"][10] == pytest.approx(0.25)
    assert out["log_trades"][3] == pytest.approx(np.log1p(3.0))
    assert "taker_buy_ratio" not in CALC.market_features(candles, SPEC)


def test_bad_optional_inputs_are_named() -> None:
    candles = make_candles(20)
    with pytest.raises(ValueError, match="unknown optional inputs \\['spread'\\]"):
        CALC.market_features(candles, SPEC, {"spread": np.ones(20)})
    with pytest.raises(ValueError, match="trades has 5 rows"):
        CALC.market_features(candles, SPEC, {"trades": np.ones(5)})


def test_empty_and_tiny_inputs() -> None:
    assert all(len(v) == 0 for v in CALC.market_features(Ohlcv.empty(), SPEC).values())
    one = CALC.market_features(make_candles(1), SPEC)
    assert all(np.isnan(v).all() or name in ("hl_range", "log_volume") for name, v in one.items())
