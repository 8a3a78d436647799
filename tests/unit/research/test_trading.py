"""The environment's pure step: the FTMO guard decides every opening (a denial is a hold), the
costs are in the reward, the stop and the floors close positions."""

from __future__ import annotations

import attrs
import numpy as np
import pytest

from application.research.trading import Action, TradingConfig, observe, start, step
from domain.risk.decisions import Rule
from tests.unit.research.market import PAIR, tape

CONFIG = TradingConfig()


def test_buy_opens_a_guard_sized_long_and_sell_closes_it() -> None:
    market = tape()
    state = start(market, 0, CONFIG)
    opened = step(state, Action.BUY, market, 0, CONFIG)
    assert opened.executed is Action.BUY and opened.state.side == 1 and not opened.denied
    position = opened.state.position
    assert position is not None and position.stop == pytest.approx(market.close[0] * 0.99)
    assert 0 < position.lots <= 5.0
    again = step(opened.state, Action.BUY, market, 1, CONFIG)
    assert again.executed is Action.HOLD and again.state.side == 1  # already long: nothing more
    closed = step(again.state, Action.SELL, market, 2, CONFIG)
    assert closed.executed is Action.SELL and closed.state.side == 0
    assert closed.state.account.balance != CONFIG.initial_balance


def test_an_opening_the_kill_switch_denies_is_a_hold() -> None:
    market = tape()
    state = start(market, 0, CONFIG, kill_switch=True)
    result = step(state, Action.SELL, market, 0, CONFIG)
    assert result.executed is Action.HOLD and result.state.side == 0
    assert Rule.KILL_SWITCH in [r.rule for r in result.denied]
    assert result.reward == 0.0 and result.state.account == attrs.evolve(state.account)


def test_an_opening_past_the_daily_loss_floor_is_a_hold() -> None:
    market = tape()
    state = start(market, 0, CONFIG)
    # the day closed trades 6 % down: equity past the internal 4.5 % and FTMO's 5 % daily floors
    lost = attrs.evolve(state.account, balance=0.94 * CONFIG.initial_balance)
    down = attrs.evolve(state, guard=attrs.evolve(state.guard, account=lost))
    for action in (Action.BUY, Action.SELL):
        denied = step(down, action, market, 0, CONFIG)
        assert denied.executed is Action.HOLD and denied.state.side == 0 and denied.reward == 0.0
        assert {Rule.INTERNAL_DAILY_LOSS, Rule.FTMO_DAILY_LOSS} <= {r.rule for r in denied.denied}
        assert denied.terminated  # a hard floor crossed: the challenge has failed, the episode ends


def test_equity_past_an_internal_floor_closes_the_open_position() -> None:
    market = tape()
    opened = step(start(market, 0, CONFIG), Action.BUY, market, 0, CONFIG).state
    # closed trades earlier today lost 4.6 %: the open position must be closed at the next bar
    lost = attrs.evolve(opened.account, balance=opened.account.balance - 0.046 * CONFIG.initial_balance)
    down = attrs.evolve(opened, guard=attrs.evolve(opened.guard, account=lost))
    result = step(down, Action.HOLD, market, 1, CONFIG)
    assert result.state.side == 0 and not result.terminated


def test_the_reward_is_the_equity_change_with_every_cost_paid() -> None:
    flat = tape(vol=1e-9)  # prices barely move: a round trip's reward is its costs
    state = start(flat, 0, CONFIG)
    opened = step(state, Action.BUY, flat, 0, CONFIG)
    closed = step(opened.state, Action.SELL, flat, 1, CONFIG)
    spec = CONFIG.emission.instruments.spec_for(PAIR)
    position = opened.state.position
    assert position is not None
    notional = position.lots * spec.contract_size * flat.close[0]
    costs = notional * (2 * spec.adverse_fraction + 2 * spec.commission_rate)
    total = (opened.reward + closed.reward) * CONFIG.initial_balance
    assert total == pytest.approx(-costs, rel=1e-3)
    assert closed.state.account.balance == pytest.approx(CONFIG.initial_balance + total)


def test_a_stop_reached_before_the_next_bar_closes_at_the_stop() -> None:
    market = tape(vol=0.004, seed=3)
    config = attrs.evolve(CONFIG, stop_fraction=0.002)
    state = start(market, 0, config)
    for i in range(len(market) - 1):
        result = step(state, Action.BUY, market, i, config)
        if state.side == 1 and result.state.side == 0:  # held, not sold: the stop closed it
            assert market.low[i] <= state.position.stop  # type: ignore[union-attr]
            return
        state = result.state
    pytest.fail("no stop was reached on a volatile walk")


def test_the_observation_is_the_bar_s_features_and_the_account() -> None:
    market = tape()
    state = step(start(market, 0, CONFIG), Action.SELL, market, 0, CONFIG).state
    seen = observe(market, 1, state, CONFIG)
    assert seen.dtype == np.float32 and seen.shape == (len(market.feature_names) + 3,)
    assert np.array_equal(seen[:2], market.features[1]) and seen[2] == -1
    assert seen[3] == pytest.approx(100 * state.account.unrealized_pnl / CONFIG.initial_balance, rel=1e-6)


def test_a_step_past_the_end_of_a_run_is_refused() -> None:
    market = tape(15 * 20)
    with pytest.raises(ValueError, match="no next bar"):
        step(start(market, 0, CONFIG), Action.HOLD, market, len(market) - 1, CONFIG)
