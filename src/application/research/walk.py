"""Walk a policy over a whole tape with one account, the way a challenge would be traded: every
run in time order, the position closed at the end of a run (no position is held across a gap in
the candles), the account carried over to the next run. The agent and the supervised predictor
are compared by the same walk, so they pay the same costs under the same guard."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import numpy as np
import numpy.typing as npt

from application.research.tape import Tape
from application.research.trading import (
    Action,
    TradingConfig,
    TradingState,
    bar_time,
    close_at,
    observe,
    start,
    step,
)
from domain.market.candles import Direction

Policy = Callable[[npt.NDArray[np.float32], int], Action]


@attrs.frozen
class WalkResult:
    final_equity: float
    initial_balance: float
    steps: int
    trades: int
    denied: int  # openings the guard refused (they became holds)
    breached: bool  # a hard FTMO floor was crossed: the walk stopped there
    max_drawdown_pct: float

    @property
    def return_pct(self) -> float:
        return 100 * (self.final_equity / self.initial_balance - 1)


def walk(tape: Tape, policy: Policy, config: TradingConfig) -> WalkResult:
    runs = tape.runs()
    if not runs:
        raise ValueError(f"{tape.pair}: the tape has no run of two or more decision bars")
    state = start(tape, runs[0][0], config)
    steps = denied = 0
    peak, drawdown = config.initial_balance, 0.0
    for first, last in runs:
        for i in range(first, last):
            result = step(state, policy(observe(tape, i, state, config), i), tape, i, config)
            state, steps, denied = result.state, steps + 1, denied + bool(result.denied)
            peak = max(peak, state.account.equity)
            drawdown = max(drawdown, 1 - state.account.equity / peak)
            if result.terminated:
                return WalkResult(state.account.equity, config.initial_balance, steps, state.trades, denied, True,
                                  100 * drawdown)
        state = flatten(state, tape, last, config)
    return WalkResult(state.account.equity, config.initial_balance, steps, state.trades, denied, False, 100 * drawdown)


def flatten(state: TradingState, tape: Tape, i: int, config: TradingConfig) -> TradingState:
    """Close any position at bar i's close (the end of a run)."""
    if state.position is None:
        return state
    return close_at(state, float(tape.close[i]), bar_time(tape, i), config)


def following(directions: npt.NDArray[np.int8]) -> Policy:
    """The policy of a predictor: go (or stay) the way it points at each bar, flat stays flat when it
    has nothing to say. One action per bar, as the agent: turning round takes a close, then an open."""
    def policy(observation: npt.NDArray[np.float32], i: int) -> Action:
        wanted = int(directions[i])
        if wanted == 0:
            return Action.HOLD
        return Action.BUY if wanted == Direction.LONG.sign else Action.SELL
    return policy


def directions_at(tape: Tape, open_time_ms: npt.NDArray[np.int64],
                  direction: npt.NDArray[np.int8]) -> npt.NDArray[np.int8]:
    """A per-minute prediction (``direction`` at each ``open_time_ms``) read at each decision bar;
    0 where the minute is missing."""
    at = np.searchsorted(open_time_ms, tape.open_time_ms)
    inside = at < len(open_time_ms)
    found = inside & (open_time_ms[np.where(inside, at, 0)] == tape.open_time_ms)
    return np.where(found, direction[np.where(found, at, 0)], 0).astype(np.int8)
