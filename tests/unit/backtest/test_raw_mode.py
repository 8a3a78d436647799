"""The raw mode's exits on a hand-built series: first touch, both levels in one candle = stop,
signals inside a trade ignored, commission on both sides."""

from __future__ import annotations

import numpy as np
import pytest

from application.backtest.raw import RawRule, momentum_entries, run_raw

RULE = RawRule(horizon=2, threshold=0.002, every=1, stop=0.01, take_profit=0.02, commission=0.001)


def test_first_touch_wins_and_a_candle_touching_both_levels_is_the_stop() -> None:
    close = np.array([100.0, 100.0, 100.5, 101.0, 101.0, 102.0, 102.0, 102.0])
    high = close + 0.1
    low = close - 0.1
    high[4], low[4] = 103.5, 99.5  # the long entered at bar 2 (100.5): TP 102.51, stop 99.495: only TP here;
    # bars 3 (in the trade) and 4 (its exit bar) signal too, and are ignored
    high[6], low[6] = 104.5, 100.5  # the next long (bar 5, 102): both levels in one candle
    long_, short = momentum_entries(close, RULE)
    trades = run_raw(high, low, close, long_, short, RULE)
    assert trades.entry.tolist() == [2, 5] and trades.exit.tolist() == [4, 6]
    assert trades.direction.tolist() == [1, 1]
    assert trades.returns[0] == pytest.approx(0.02 - 0.001 * (1 + 1.02))
    assert trades.returns[1] == pytest.approx(-0.01 - 0.001 * (1 + 0.99))  # the stop, not the target


def test_no_signal_no_trade() -> None:
    close = np.full(50, 100.0)
    long_, short = momentum_entries(close, RULE)
    assert len(run_raw(close, close, close, long_, short, RULE)) == 0
