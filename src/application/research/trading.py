"""The trading environment's step, pure and without gymnasium: buy, sell or hold one position of
one pair on a tape, through the project's FTMO guard and its execution costs.

- ``BUY`` opens a long when flat and closes a short; ``SELL`` the mirror; ``HOLD`` changes nothing.
  Opening asks the emission guard (``domain.risk.evaluate_emission``: kill switch, floors, rate
  limits, backoff, sizing at the p90 stop-out). A denied opening is a hold: no position, no cost,
  the reasons returned. Closing never asks: it only lowers risk, and FTMO's floors need it.
- Fills pay the instrument's p90 spread and slippage and its commission on both sides (the costs
  the guard sized with, as the backtest's default ``P90Costs``). The stop sits ``stop_fraction``
  from the entry; a bar whose low (high, for a short) reaches it closes the position at the stop.
- After each step the account is marked at the next decision bar's close; equity past an internal
  floor closes the position (``must_close``), past a hard FTMO floor ends the episode.
- The reward is the change in equity over the step as a fraction of the initial balance, so every
  cost paid is in it.
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum

import attrs
import numpy as np
import numpy.typing as npt

from application.research.tape import Tape
from domain.market.candles import MINUTE_MS, Direction, Pair, ms_to_datetime
from domain.risk.account import Account, Position, close_position, mark_to_market, open_position
from domain.risk.decisions import Reason
from domain.risk.emission import (
    EmissionCandidate,
    EmissionConfig,
    GuardState,
    evaluate_emission,
    record_emission,
    record_outcome,
)
from domain.risk.trade_check import account_status
from domain.signals.signal import Tier


class Action(IntEnum):
    HOLD = 0
    BUY = 1
    SELL = 2


@attrs.frozen
class TradingConfig:
    emission: EmissionConfig = attrs.Factory(EmissionConfig)
    initial_balance: float = 100_000.0
    stop_fraction: float = 0.01
    tier: Tier = Tier.MEDIUM  # the rate limits count emissions by tier

    def __attrs_post_init__(self) -> None:
        if not self.initial_balance > 0:
            raise ValueError(f"initial_balance must be > 0, got {self.initial_balance}")
        if not 0 < self.stop_fraction < 0.5:
            raise ValueError(f"stop_fraction must be within (0, 0.5), got {self.stop_fraction}")


@attrs.frozen
class TradingState:
    guard: GuardState
    trades: int = 0

    @property
    def account(self) -> Account:
        return self.guard.account

    @property
    def position(self) -> Position | None:
        return self.account.positions[0] if self.account.positions else None

    @property
    def side(self) -> int:
        position = self.position
        return 0 if position is None else position.direction.sign


@attrs.frozen
class StepResult:
    state: TradingState
    reward: float
    executed: Action
    denied: tuple[Reason, ...]
    terminated: bool  # a hard FTMO floor is breached: the challenge has failed


def bar_time(tape: Tape, i: int) -> datetime:
    """When decision bar i has closed: the moment its row is known and an order can be sent."""
    return ms_to_datetime(int(tape.open_time_ms[i]) + MINUTE_MS)


def start(tape: Tape, i: int, config: TradingConfig, kill_switch: bool = False) -> TradingState:
    account = Account.start(config.initial_balance, bar_time(tape, i))
    return TradingState(GuardState(account, kill_switch=kill_switch, kill_switch_reason="set by the caller"
                                   if kill_switch else ""))


def step(state: TradingState, action: Action, tape: Tape, i: int, config: TradingConfig) -> StepResult:
    """Act at decision bar i's close, then settle the position over the minutes up to bar i+1."""
    if not tape.can_step(i):
        raise ValueError(f"bar {i} of {tape.pair} has no next bar in its run: the episode must end there")
    now = bar_time(tape, i)
    before = state.account.equity
    acted, executed, denied = _act(state, Action(action), tape.pair, float(tape.close[i]), now, config)
    later = bar_time(tape, i + 1)
    settled = _settle(acted, tape, i, later, config)
    status = account_status(settled.account, later, config.emission.risk)
    if status.must_close and settled.position is not None:
        settled = close_at(settled, float(tape.next_close[i]), later, config)
    terminated = account_status(settled.account, later, config.emission.risk).breached
    reward = (settled.account.equity - before) / config.initial_balance
    return StepResult(settled, reward, executed, denied, terminated)


def _act(state: TradingState, action: Action, pair: Pair, price: float, now: datetime,
         config: TradingConfig) -> tuple[TradingState, Action, tuple[Reason, ...]]:
    if action is Action.HOLD:
        return state, Action.HOLD, ()
    wanted = Direction.LONG if action is Action.BUY else Direction.SHORT
    if state.side == -wanted.sign:
        return close_at(state, price, now, config), action, ()
    if state.side == wanted.sign:
        return state, Action.HOLD, ()
    return _open(state, wanted, pair, price, now, config)


def _open(state: TradingState, direction: Direction, pair: Pair, price: float, now: datetime,
          config: TradingConfig) -> tuple[TradingState, Action, tuple[Reason, ...]]:
    stop = price * (1 - direction.sign * config.stop_fraction)
    candidate = EmissionCandidate(pair, direction, price, stop, config.tier)
    decision = evaluate_emission(candidate, state.guard, now, config.emission)
    if not decision.allowed:
        return state, Action.HOLD, decision.reasons
    spec = config.emission.instruments.spec_for(pair)
    fill = spec.fill_price(price, direction, opening=True)
    position = Position(f"rl-{state.trades + 1}", pair, direction, decision.size, fill, price, spec.contract_size,
                        now, stop=stop, commission=spec.commission(fill, decision.size))
    guard = record_emission(state.guard, candidate, now, config.emission)
    guard = attrs.evolve(guard, account=open_position(decision.risk.account, position, now))
    return TradingState(guard, state.trades + 1), Action.BUY if direction is Direction.LONG else Action.SELL, ()


def close_at(state: TradingState, price: float, now: datetime, config: TradingConfig) -> TradingState:
    position = state.position
    if position is None:
        raise ValueError("no open position to close")
    spec = config.emission.instruments.spec_for(position.pair)
    fill = spec.fill_price(price, position.direction, opening=False)
    commission = spec.commission(fill, position.lots)
    pnl = position.price_pnl(fill) + position.swap - position.commission - commission
    account = close_position(state.account, position.position_id, fill, now, commission)
    return attrs.evolve(state, guard=record_outcome(attrs.evolve(state.guard, account=account), now, pnl))


def _settle(state: TradingState, tape: Tape, i: int, later: datetime, config: TradingConfig) -> TradingState:
    """The stop if the minutes up to bar i+1 reach it, else a mark at bar i+1's close."""
    position = state.position
    if position is not None and position.stop is not None:
        reached = tape.low[i] <= position.stop if position.direction is Direction.LONG else (
            tape.high[i] >= position.stop)
        if reached:
            return close_at(state, position.stop, later, config)
    marked = mark_to_market(state.account, {tape.pair: float(tape.next_close[i])}, later)
    return attrs.evolve(state, guard=attrs.evolve(state.guard, account=marked))


STATE_FEATURES = ("position_side", "unrealized_pnl_pct", "day_pnl_pct")


def observe(tape: Tape, i: int, state: TradingState, config: TradingConfig) -> npt.NDArray[np.float32]:
    """Bar i's stored feature row and the account as known at bar i's close; nothing after it."""
    account = state.account
    own = np.array([state.side, 100 * account.unrealized_pnl / config.initial_balance,
                    100 * account.day_pnl / config.initial_balance], dtype=np.float32)
    return np.concatenate([tape.features[i], own]).astype(np.float32)
