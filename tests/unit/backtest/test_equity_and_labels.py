"""The equity curve marks open trades to market minute by minute; each trade is labelled with
whether its direction was right over its horizon. Both pinned on hand-built trades and candles."""

from __future__ import annotations

from datetime import timedelta

import attrs
import numpy as np
import pytest

from application.backtest.equity import equity_curve, minute_grid
from application.backtest.outcomes import direction_labels, label_directions
from application.backtest.trades import BacktestTrades, Trade
from domain.execution.instruments import Instruments, InstrumentSpec
from domain.market.candles import MINUTE_MS, Pair, datetime_to_ms
from domain.market.quality import Ohlcv
from tests.unit.backtest.records import T0, trade_record

BTC, ETH = Pair.parse("BTCUSDT"), Pair.parse("ETHUSDT")
INSTRUMENTS = Instruments([InstrumentSpec("BTC", contract_size=2.0, commission_rate=0.01),
                           InstrumentSpec("ETH", contract_size=10.0, commission_rate=0.0)])


def _candles(closes: dict[int, float]) -> Ohlcv:
    """Candles given by the minute (from T0) at which each closes."""
    close = np.array(list(closes.values()), dtype=float)
    opens = np.array([datetime_to_ms(T0) + (m - 1) * MINUTE_MS for m in closes], dtype=np.int64)
    return Ohlcv(opens, close, close, close, close, np.ones(len(close)))


CANDLES = {
    BTC: _candles({m: 100.0 + m for m in range(-5, 11)}),  # closes 100 + minute
    ETH: _candles({0: 50.0, 2: 50.0, 3: 49.0, 5: 52.0, 6: 51.0}),  # no candle closes at 10:01 nor 10:04
}


def _trade(pair: str, direction: str, opened: int, closed: int, entry_fill: float, lots: float, pnl: float,
           horizon: int | None = 2) -> Trade:
    return trade_record(pair, direction, opened, closed, entry_fill, lots, pnl, horizon=horizon)


TRADES = (
    # 2 units long from 101, commission 0.01 * 101 * 1 lot * 2 = 2.02; closed at 10:04 for +5
    _trade("BTCUSDT", "LONG", 1, 4, 101.0, 1.0, 5.0),
    # 5 units short from 50, no commission; closed at 10:06 for -12
    _trade("ETHUSDT", "SHORT", 2, 6, 50.0, 0.5, -12.0),
)


def test_equity_is_realised_pnl_plus_open_trades_marked_at_each_minutes_close() -> None:
    curve = equity_curve(TRADES, CANDLES, INSTRUMENTS, 1000.0, T0, T0 + timedelta(minutes=10))
    assert list(curve.time_ms) == list(minute_grid(T0, T0 + timedelta(minutes=10)))
    expected = [1000.0,
                1000 - 2.02,  # 10:01 BTC opens: marked at 101, its commission paid
                1000 + 2 * 1 - 2.02,  # 10:02 BTC at 102; ETH opens at 50
                1000 + 2 * 2 - 2.02 + 5,  # 10:03 ETH at 49: +5 short
                1005 + 5,  # 10:04 BTC realised; ETH's candle is missing, its 49 carried
                1005 - 10,  # 10:05 ETH at 52
                1005 - 12, 993, 993, 993, 993]  # 10:06 ETH realised
    assert curve.equity == pytest.approx(np.array(expected))


def test_equity_without_trades_is_flat_and_a_trade_without_candles_is_refused() -> None:
    flat = equity_curve((), CANDLES, INSTRUMENTS, 1000.0, T0, T0 + timedelta(minutes=3))
    assert list(flat.equity) == [1000.0] * 4
    with pytest.raises(ValueError, match="no candles for BNBUSDT"):
        equity_curve((attrs.evolve(TRADES[0], pair="BNBUSDT"),), CANDLES, INSTRUMENTS, 1.0, T0, T0)


def test_minute_grid_starts_on_the_next_whole_minute() -> None:
    grid = minute_grid(T0 + timedelta(seconds=30), T0 + timedelta(minutes=2))
    assert list(grid) == [datetime_to_ms(T0) + MINUTE_MS, datetime_to_ms(T0) + 2 * MINUTE_MS]


def test_direction_is_right_when_the_close_at_the_horizon_moved_the_called_way() -> None:
    trades = [
        _trade("BTCUSDT", "LONG", 1, 4, 101.0, 1.0, 0.0),  # 101 -> 103 at 10:03
        _trade("BTCUSDT", "SHORT", 1, 4, 101.0, 1.0, 0.0),
        _trade("ETHUSDT", "SHORT", 2, 6, 50.0, 1.0, 0.0, horizon=1),  # 50 -> 49
        _trade("ETHUSDT", "LONG", 0, 6, 50.0, 1.0, 0.0, horizon=2),  # 50 -> 50: unchanged is not right
        _trade("ETHUSDT", "LONG", 2, 6, 50.0, 1.0, 0.0, horizon=2),  # no candle closes at 10:04
        _trade("ETHUSDT", "LONG", 1, 6, 50.0, 1.0, 0.0, horizon=1),  # none closes at the signal (10:01)
        _trade("BTCUSDT", "LONG", 9, 10, 109.0, 1.0, 0.0, horizon=5),  # the horizon is past the data
        _trade("BTCUSDT", "LONG", 1, 4, 101.0, 1.0, 0.0, horizon=None),
        _trade("BNBUSDT", "LONG", 1, 4, 101.0, 1.0, 0.0),  # no candles at all
    ]
    assert direction_labels(trades, CANDLES) == [True, False, True, False, None, None, None, None, None]


def test_labelling_a_result_changes_only_the_labels() -> None:
    result = BacktestTrades(TRADES, (), {}, {}, None, 0, 0, 0)
    labelled = label_directions(result, CANDLES)
    assert [t.direction_right for t in labelled.trades] == [True, None]  # ETH: no candle closes at 10:04
    assert [attrs.evolve(t, direction_right=None) for t in labelled.trades] == list(TRADES)
