"""No future data in the observation: changing what follows bar T changes nothing the agent saw up
to T (application.research.observation_leakage), and a planted leak is caught."""

from __future__ import annotations

import attrs
import numpy as np

from application.features.ports import PairFeatures
from application.research.observation_leakage import observation_leaks
from application.research.tape import Tape, build_tape
from application.research.trading import Action, TradingConfig
from domain.market.quality import Ohlcv
from tests.unit.research.market import candles, rows

ACTIONS = (Action.BUY, Action.HOLD, Action.HOLD, Action.SELL, Action.SELL, Action.HOLD, Action.BUY)
BARS = (5, 40, 77, 120)


def _build(features: PairFeatures, bars: Ohlcv) -> Tape:
    return build_tape(features, bars, 15)


def test_observations_up_to_t_do_not_change_when_the_future_changes() -> None:
    bars = candles(15 * 160, vol=0.003)
    assert observation_leaks(_build, rows(bars), bars, BARS, ACTIONS, TradingConfig(), seed=11) == []


def _peeking(features: PairFeatures, bars: Ohlcv) -> Tape:
    """A leak planted in the tape: each bar's features replaced by the next bar's."""
    tape = _build(features, bars)
    return attrs.evolve(tape, features=np.roll(tape.features, -1, axis=0))


def _marking_ahead(features: PairFeatures, bars: Ohlcv) -> Tape:
    """A leak planted in the settlement: each bar marked at the close of the bar after the next."""
    tape = _build(features, bars)
    return attrs.evolve(tape, next_close=np.r_[tape.next_close[1:], np.nan])


def test_a_planted_leak_is_caught() -> None:
    bars = candles(15 * 160, vol=0.003)
    peeks = observation_leaks(_peeking, rows(bars), bars, BARS, ACTIONS, TradingConfig(), seed=11)
    assert [leak.bar for leak in peeks] == list(BARS)
    assert all(leak.first_changed <= leak.bar for leak in peeks)
    # a mark only shows while a position is open: one long with a stop far away stays open
    wide = TradingConfig(stop_fraction=0.3)
    marks = observation_leaks(_marking_ahead, rows(bars), bars, BARS, (Action.BUY,), wide, seed=11)
    assert [leak.bar for leak in marks] == list(BARS)
