"""One account walked over a whole tape: runs in order, flat at each run's end, the same rules for
the agent and a predictor's directions."""

from __future__ import annotations

import numpy as np
import pytest

from application.research.tape import build_tape
from application.research.trading import Action, TradingConfig
from application.research.walk import directions_at, following, walk
from tests.unit.research.market import candles, rows

CONFIG = TradingConfig()


def test_staying_flat_earns_nothing_and_always_long_pays_its_trades() -> None:
    bars = candles(15 * 120)
    tape = build_tape(rows(bars, gap_after=800), bars, 15)
    assert len(tape.runs()) == 2
    flat = walk(tape, lambda observation, i: Action.HOLD, CONFIG)
    assert flat.return_pct == 0.0 and flat.trades == 0 and flat.steps == len(tape) - 2
    long = walk(tape, lambda observation, i: Action.BUY, CONFIG)
    assert long.trades >= 2  # one per run at least: every run ends flat, the next opens again
    assert long.final_equity != CONFIG.initial_balance and not long.breached


def test_a_predictor_s_directions_become_actions_at_the_decision_bars() -> None:
    bars = candles(15 * 20)
    tape = build_tape(rows(bars), bars, 15)
    per_minute = np.where(np.arange(len(bars)) % 30 < 15, 1, -1).astype(np.int8)
    at_bars = directions_at(tape, bars.open_time_ms, per_minute)
    index = np.searchsorted(bars.open_time_ms, tape.open_time_ms)
    assert np.array_equal(at_bars, per_minute[index])
    assert np.array_equal(directions_at(tape, bars.open_time_ms[:100], per_minute[:100])[3:], np.zeros(len(tape) - 3))
    policy = following(np.array([1, -1, 0], dtype=np.int8))
    observation = np.zeros(3, dtype=np.float32)
    assert [policy(observation, i) for i in range(3)] == [Action.BUY, Action.SELL, Action.HOLD]


def test_a_tape_without_a_step_cannot_be_walked() -> None:
    bars = candles(15 * 20)
    single = build_tape(rows(bars), bars, 15).between(None, int(bars.open_time_ms[75]))
    with pytest.raises(ValueError, match="no run"):
        walk(single, lambda observation, i: Action.HOLD, CONFIG)
