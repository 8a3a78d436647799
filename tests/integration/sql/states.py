"""Hand-built guard states for the codec and the risk-book contract: every kind of value the
state holds (positions, finished days, trading days, emissions, losses, tiers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs

from domain.market.candles import Direction, Pair
from domain.risk.account import Account, Position, close_position, open_position, roll_to
from domain.risk.emission import Emission, GuardState
from domain.signals.confidence import PairTier, TierState
from domain.signals.signal import Tier

BTC, ETH = Pair("BTCUSDT"), Pair("ETHUSDT")
# 21:00 in Prague (CET) on the last day before summer time: the next Prague midnight is 23:00 UTC
START = datetime(2025, 3, 29, 20, 0, 0, 123456, tzinfo=UTC)


def position(position_id: str, pair: Pair = BTC, at: datetime = START, **extra) -> Position:
    return Position(position_id=position_id, pair=pair, direction=Direction.SHORT, lots=0.13, entry=61234.56789,
                    mark=61200.1, contract_size=1.0, opened_at=at, **extra)


def fresh_state(balance: float = 100_000.0, at: datetime = START) -> GuardState:
    return GuardState(Account.start(balance, at))


def rich_state() -> GuardState:
    """Two Prague days in: one finished with a loss, one running with two open positions."""
    account = open_position(Account.start(100_000.0, START), position("closed"), START)
    account = close_position(account, "closed", 61300.7, START + timedelta(minutes=30), closing_commission=1.99)
    later = START + timedelta(hours=4)  # 01:00 UTC on the 30th: 03:00 CEST, a new Prague day
    account = roll_to(account, later)
    account = open_position(account, position("btc-1", stop=62000.0, commission=2.49, swap=-0.37,
                                              take_profit=59999.9, at=later), later)
    account = open_position(account, position("eth-1", ETH, at=later + timedelta(seconds=1)), later)
    emissions = [Emission(later + timedelta(minutes=m), pair, tier)
                 for m, pair, tier in ((2, ETH, Tier.LOW), (1, BTC, Tier.HIGH))]
    tiers = TierState([("BTCUSDT", PairTier(Tier.HIGH)), ("ETHUSDT", PairTier(Tier.LOW, Tier.MEDIUM, 1))])
    return GuardState(account, kill_switch=True, kill_switch_reason="drawdown review (trader)", emissions=emissions,
                      losses=[START + timedelta(minutes=30), later], tiers=tiers, as_of=later + timedelta(minutes=2))


def with_emissions(state: GuardState, count: int) -> GuardState:
    """``state`` having emitted ``count`` signals, one a minute: the crash test counts them."""
    emitted = [Emission(START + timedelta(minutes=n), BTC, Tier.MEDIUM) for n in range(count)]
    return attrs.evolve(state, emissions=emitted)
