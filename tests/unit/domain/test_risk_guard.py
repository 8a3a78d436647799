"""The FTMO guard on one trade: denial reasons, sizes, and crossed floors."""

from __future__ import annotations

import pytest

from domain.execution.instruments import Instruments
from domain.market.candles import Direction, Pair
from domain.risk import RiskSettings, TradeCandidate, check_trade
from domain.risk.decisions import Allowed, Denied, Reason, Rule, decide
from tests.unit.domain.builders import BTC, ETH, account, position, utc

NOW = utc(2025, 6, 10, 12)
CATALOGUE = Instruments.defaults()
BTC_LOSS_PER_LOT = 82_000 * 1.001 - 81_000 * 0.999 + 0.000325 * (82_000 * 1.001 + 81_000 * 0.999)


def check(acc, candidate, **kwargs):
    return check_trade(candidate, acc, NOW, RiskSettings(), CATALOGUE, **kwargs)


def test_decisions_are_values() -> None:
    assert decide([]) == Allowed()
    denied = decide([Reason(Rule.SIZING, "nothing fits")])
    assert isinstance(denied, Denied) and not denied.allowed and denied.rules == ("sizing",)
    with pytest.raises(ValueError):
        Denied(reasons=[])


def test_a_trade_that_fits_is_allowed_and_sized_by_risk() -> None:
    result = check(account(balance=100_000), TradeCandidate(BTC, Direction.LONG, 82_000, 81_000))
    assert result.decision == Allowed()
    assert result.size == result.suggested_size == 0.82  # 1 % of 100k over ~1,216 per lot
    assert result.size * BTC_LOSS_PER_LOT <= 1_000 < (result.size + 0.01) * BTC_LOSS_PER_LOT
    assert result.worst_equity == pytest.approx(100_000 - 0.82 * BTC_LOSS_PER_LOT)


def test_worked_example_denies_a_size_that_could_cross_the_internal_daily_floor() -> None:
    eth = position(ETH, Direction.LONG, lots=2, entry=2000, mark=1960, stop=1940, contract_size=10, commission=13,
                   swap=-4.5)
    acc = account(balance=104_200, day_start=105_000, positions=(eth,))
    denied = check(acc, TradeCandidate(BTC, Direction.LONG, 82_000, 81_000, size=2.0))
    assert isinstance(denied.decision, Denied)
    assert denied.decision.rules == (Rule.INTERNAL_DAILY_LOSS,)
    assert denied.max_size == 1.99
    assert denied.worst_equity == pytest.approx(100_489.46, abs=0.01)
    assert denied.floors.internal_daily == 100_500
    allowed = check(acc, TradeCandidate(BTC, Direction.LONG, 82_000, 81_000, size=1.99))
    assert allowed.decision.allowed
    assert allowed.worst_equity >= 100_500


def test_every_denying_rule_is_reported() -> None:
    acc = account(balance=100_000, day_start=100_000)
    result = check(acc, TradeCandidate(BTC, Direction.SHORT, 60_000, 61_000, size=5.555))
    assert isinstance(result.decision, Denied)
    assert set(result.decision.rules) == {Rule.MAX_LOTS, Rule.LOT_STEP, Rule.INTERNAL_DAILY_LOSS}


def test_total_floor_denies_when_it_binds_first() -> None:
    # Day start 91.5k: daily internal floor 87k, but the total internal floor is 91k.
    acc = account(balance=91_500, day_start=91_500)
    result = check(acc, TradeCandidate(BTC, Direction.LONG, 82_000, 81_000, size=0.5))
    assert isinstance(result.decision, Denied)
    assert result.decision.rules == (Rule.INTERNAL_TOTAL_LOSS,)
    assert result.max_size == 0.41


def test_nothing_fits_is_a_sizing_denial() -> None:
    acc = account(balance=100_510, day_start=105_000)  # 10 above the internal daily floor
    result = check(acc, TradeCandidate(BTC, Direction.LONG, 82_000, 81_000))
    assert isinstance(result.decision, Denied)
    assert result.decision.rules == (Rule.SIZING,)
    assert result.size == result.max_size == 0
    assert not result.must_close


def test_equity_past_a_floor_blocks_and_asks_to_close_positions() -> None:
    losing = position(BTC, Direction.LONG, lots=5, entry=60_000, mark=59_000)
    acc = account(balance=105_000, day_start=105_000, positions=(losing,))  # equity 100k: at the FTMO floor
    result = check(acc, TradeCandidate(ETH, Direction.SHORT, 2000, 2100))
    assert result.must_close
    assert Rule.INTERNAL_DAILY_LOSS in result.decision.rules
    assert Rule.FTMO_DAILY_LOSS not in result.decision.rules  # not below 100k yet
    deeper = account(balance=105_000, day_start=105_000, positions=(attrs_evolve_mark(losing, 58_900),))
    assert Rule.FTMO_DAILY_LOSS in check(deeper, TradeCandidate(ETH, Direction.SHORT, 2000, 2100)).decision.rules


def attrs_evolve_mark(p, mark):
    import attrs

    return attrs.evolve(p, mark=mark)


def test_unknown_instrument_is_denied_not_raised() -> None:
    result = check(account(), TradeCandidate(Pair("SOLUSD"), Direction.LONG, 150, 140))
    assert result.decision.rules == (Rule.INSTRUMENT,)
    assert result.max_size == 0


def test_the_guard_rolls_the_account_to_now() -> None:
    # Balance 103k was reached yesterday on a 100k day start; today the day starts at 103k.
    acc = account(balance=103_000, day_start=100_000, now=utc(2025, 6, 9, 12))
    result = check(acc, TradeCandidate(BTC, Direction.LONG, 82_000, 81_000))
    assert result.account.day_start_balance == 103_000
    assert result.floors.internal_daily == 98_500


def test_candidate_rejects_a_stop_on_the_wrong_side() -> None:
    with pytest.raises(ValueError, match="wrong side"):
        TradeCandidate(BTC, Direction.LONG, 82_000, 83_000)
    with pytest.raises(ValueError, match="size"):
        TradeCandidate(BTC, Direction.SHORT, 82_000, 83_000, size=0)


def test_account_status_on_every_scan_reports_crossed_floors_and_breach() -> None:
    from domain.risk import account_status

    healthy = account_status(account(balance=101_000, day_start=105_000), NOW, RiskSettings())
    assert not healthy.must_close and not healthy.breached
    assert healthy.floors.daily == 100_000
    losing = position(BTC, Direction.LONG, lots=1, entry=60_000, mark=59_400)
    status = account_status(account(balance=100_500, day_start=105_000, positions=(losing,)), NOW, RiskSettings())
    assert status.must_close and status.breached  # equity 99,900 < 100,000
    assert [r.rule for r in status.crossed] == [Rule.FTMO_DAILY_LOSS, Rule.INTERNAL_DAILY_LOSS]
