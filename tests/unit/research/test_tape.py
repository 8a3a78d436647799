"""The tape: decision bars on the interval's grid, the prices that settle a step, runs cut at gaps."""

from __future__ import annotations

import numpy as np
import pytest

from application.research.tape import TapeError, build_tape
from domain.market.candles import MINUTE_MS
from tests.unit.research.market import candles, rows


def test_decision_bars_are_the_grid_rows_with_the_prices_up_to_the_next_bar() -> None:
    bars = candles(15 * 20)
    tape = build_tape(rows(bars), bars, 15)
    assert np.all(tape.open_time_ms % (15 * MINUTE_MS) == 0)
    i = 3
    at = int(np.searchsorted(bars.open_time_ms, tape.open_time_ms[i]))
    assert tape.close[i] == bars.close[at]
    assert tape.next_close[i] == bars.close[at + 15]
    assert tape.low[i] == bars.low[at + 1:at + 16].min()
    assert tape.high[i] == bars.high[at + 1:at + 16].max()
    assert tape.features.shape == (len(tape), 2)
    assert not tape.can_step(len(tape) - 1)


def test_a_segment_break_or_a_missing_minute_ends_a_run() -> None:
    bars = candles(15 * 20)
    features = rows(bars, gap_after=100)  # a new feature segment after row 100
    holed = bars.take(np.r_[0:200, 201:len(bars)])  # one minute missing
    tape = build_tape(features, bars, 15)
    assert len(tape.runs()) == 2
    with pytest.raises(TapeError, match="no candle for the feature row"):
        build_tape(features, holed.take(slice(0, 180)), 15)
    holed_rows = rows(holed)
    assert len(build_tape(holed_rows, holed, 15).runs()) == 2  # the bar before the hole cannot step across it


def test_between_keeps_the_period_and_ends_its_last_run_there() -> None:
    tape = build_tape(rows(candles(15 * 40)), candles(15 * 40), 15)
    cut = tape.between(int(tape.open_time_ms[5]), int(tape.open_time_ms[20]))
    assert len(cut) == 15 and cut.open_time_ms[0] == tape.open_time_ms[5]
    assert not cut.can_step(len(cut) - 1) and np.isnan(cut.next_close[-1])
    assert cut.runs() == [(0, 14)]
    assert len(tape.between(int(tape.open_time_ms[-1]) + 1, None)) == 0
