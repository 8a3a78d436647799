"""FTMO's worked examples: floors per ruleset, the internal buffers, 1-Step trailing and best day."""

from __future__ import annotations

import pytest

from domain.risk import (
    Account,
    Floors,
    InternalLimits,
    RiskSettings,
    Ruleset,
    best_day,
    close_position,
    crossed_floors,
    floors,
    open_position,
    progress,
    roll_to,
)
from domain.risk.decisions import Rule
from tests.unit.domain.builders import account, position, utc

TWO_STEP = RiskSettings()
ONE_STEP = RiskSettings.for_ruleset("1-step")


def test_day_one_reference_is_the_initial_balance() -> None:
    levels = floors(Account.start(100_000, utc(2025, 6, 10, 8)), TWO_STEP)
    assert levels == Floors(daily=95_000, total=90_000, internal_daily=95_500, internal_total=91_000)


def test_balance_of_105k_at_midnight_puts_the_daily_floor_at_100k() -> None:
    levels = floors(account(balance=104_000, day_start=105_000), TWO_STEP)
    assert levels.daily == 100_000
    assert levels.internal_daily == 100_500
    assert levels.total == 90_000  # 2-Step's maximum loss never trails
    assert levels.hard == 100_000 and levels.internal == 100_500


def test_daily_floor_is_five_percent_of_initial_not_of_day_start() -> None:
    levels = floors(account(balance=80_000, day_start=80_000, initial=100_000), TWO_STEP)
    assert levels.daily == 75_000  # 80k - 5k, not 80k - 4k
    assert levels.hard == 90_000  # the maximum-loss floor binds first here


def test_one_step_daily_is_three_percent_and_max_loss_trails_the_best_midnight() -> None:
    acc = account(balance=108_000, day_start=107_000, highest=110_000)
    levels = floors(acc, ONE_STEP)
    assert levels.daily == pytest.approx(104_000)
    assert levels.total == pytest.approx(100_000)  # 110k best end-of-day minus 10 % of 100k
    assert levels.internal_daily == pytest.approx(104_300)
    assert levels.internal_total == pytest.approx(101_000)


def test_one_step_trailing_follows_end_of_day_balances_not_intraday_peaks() -> None:
    now = utc(2025, 6, 10, 8)
    acc = open_position(Account.start(100_000, now), position(entry=60_000), now)
    acc = close_position(acc, "p1", 66_000, utc(2025, 6, 10, 12))  # +6k, day 1
    acc = open_position(acc, position(entry=60_000, position_id="p2"), utc(2025, 6, 11, 8))
    acc = close_position(acc, "p2", 57_000, utc(2025, 6, 11, 12))  # -3k on day 2
    assert floors(acc, ONE_STEP).total == pytest.approx(96_000)  # trails day 1's 106k close
    acc = open_position(acc, position(entry=60_000, position_id="p3"), utc(2025, 6, 11, 13))
    acc = close_position(acc, "p3", 65_000, utc(2025, 6, 11, 14))  # 108k intraday, then back down
    acc = open_position(acc, position(entry=60_000, position_id="p4"), utc(2025, 6, 11, 15))
    acc = close_position(acc, "p4", 58_000, utc(2025, 6, 11, 16))  # day 2 ends at 106k
    day3 = roll_to(acc, utc(2025, 6, 12, 8))
    assert day3.highest_eod_balance == pytest.approx(106_000)
    assert floors(day3, ONE_STEP).total == pytest.approx(96_000)
    assert floors(day3, TWO_STEP).total == 90_000


def test_crossed_floors_names_each_floor_equity_is_past() -> None:
    levels = Floors(daily=100_000, total=90_000, internal_daily=100_500, internal_total=91_000)
    assert crossed_floors(101_000, levels) == ()
    assert [r.rule for r in crossed_floors(100_500, levels)] == [Rule.INTERNAL_DAILY_LOSS]
    assert [r.rule for r in crossed_floors(99_999, levels)] == [Rule.FTMO_DAILY_LOSS, Rule.INTERNAL_DAILY_LOSS]
    assert [r.rule for r in crossed_floors(89_000, levels)] == [
        Rule.FTMO_DAILY_LOSS, Rule.FTMO_MAX_LOSS, Rule.INTERNAL_DAILY_LOSS, Rule.INTERNAL_TOTAL_LOSS]
    # equity exactly at a hard floor has not fallen below it
    assert Rule.FTMO_DAILY_LOSS not in [r.rule for r in crossed_floors(100_000, levels)]


def _trade(acc: Account, day: int, profit: float, pid: str) -> Account:
    acc = open_position(acc, position(entry=50_000, position_id=pid), utc(2025, 6, day, 8))
    return close_position(acc, pid, 50_000 + profit, utc(2025, 6, day, 12))


def test_best_day_rule_share_of_total_profit() -> None:
    acc = Account.start(100_000, utc(2025, 6, 2, 8))
    acc = _trade(acc, 2, 3_000, "a")
    acc = _trade(acc, 3, 4_000, "b")
    acc = _trade(acc, 4, 3_000, "c")
    check = best_day(acc, 50)
    assert check.best_day_profit == 4_000 and check.total_profit == 10_000
    assert check.share_pct == pytest.approx(40)
    assert check.satisfied
    lopsided = _trade(acc, 5, 8_000, "d")  # 8k of 18k: 44 %
    assert best_day(lopsided, 50).satisfied
    worse = _trade(Account.start(100_000, utc(2025, 6, 2, 8)), 2, 6_000, "x")
    worse = _trade(worse, 3, 4_000, "y")  # best 6k of 10k: 60 %
    assert not best_day(worse, 50).satisfied
    assert best_day(Account.start(100_000, utc(2025, 6, 2, 8))).share_pct is None


def test_progress_needs_target_closed_positions_and_trading_days() -> None:
    ruleset = Ruleset.two_step()
    acc = Account.start(100_000, utc(2025, 6, 2, 8))
    for day in (2, 3, 4):
        acc = _trade(acc, day, 3_500, f"t{day}")
    assert progress(acc, ruleset).target_reached  # 10.5k >= 10 %
    assert not progress(acc, ruleset).min_trading_days_met  # 3 of 4
    acc = _trade(acc, 5, 100, "t5")
    assert progress(acc, ruleset).passed
    holding = open_position(acc, position(position_id="open"), utc(2025, 6, 6, 8))
    assert not progress(holding, ruleset).target_reached
    assert progress(acc, ruleset, phase=1).target_reached  # verification: 5 %
    one_step = Ruleset.one_step()
    assert progress(acc, one_step).best_day_satisfied is True
    assert progress(acc, ruleset).best_day_satisfied is None


def test_settings_reject_an_internal_buffer_looser_than_the_hard_limit() -> None:
    with pytest.raises(ValueError, match=r"internal daily loss 4\.5"):
        RiskSettings(Ruleset.one_step(), InternalLimits())
    with pytest.raises(ValueError, match="internal total loss 11"):
        RiskSettings(Ruleset.two_step(), InternalLimits(total_loss_pct=11))
    with pytest.raises(ValueError, match="percentage"):
        InternalLimits(daily_loss_pct=0)
    assert RiskSettings.for_ruleset("1-step").internal.daily_loss_pct == 2.7
    with pytest.raises(ValueError):
        Ruleset.named("3-step")


def test_every_number_is_a_setting() -> None:
    custom = RiskSettings(Ruleset.two_step(daily_loss_pct=4, max_loss_pct=8), InternalLimits(3.5, 7))
    levels = floors(account(balance=100_000, day_start=102_000), custom)
    assert levels == Floors(daily=98_000, total=92_000, internal_daily=98_500, internal_total=93_000)
