"""Each FTMO rule on hand-built day sequences, through the vectorised simulator."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.challenge import Outcome, historical
from domain.challenge.simulator import DAILY, INTERNAL_TOTAL, MAX_LOSS, Where
from domain.risk import trading_day
from tests.unit.challenge.builders import INITIAL, ONE_STEP, TWO_STEP, day_trade, line_of, prague, run, single, trade

JUNE = date(2025, 6, 2)


def days(n: int, first: date = JUNE) -> list[date]:
    return [first + timedelta(days=i) for i in range(n)]


# ---------------------------------------------------------------- the Prague day boundary


@pytest.mark.parametrize(("first", "note"), [(date(2025, 1, 14), "CET, UTC+1"), (date(2025, 10, 25), "CEST to CET")])
def test_a_loss_at_2330_prague_breaches_the_day_one_at_0030_the_next_day_does_not(first: date, note: str) -> None:
    morning = day_trade(first, -4_000, hour=9, signal_id="morning")
    # 1R 400 passes the guard (96,000 - 400 >= the internal daily floor 95,500); the fill gaps to -1,500
    late = trade("late", prague(first, 23, 30), -1_500, one_r=400)
    after = trade("after", prague(first + timedelta(days=1), 0, 30), -1_500, one_r=400)
    assert late.opened_at.date() == after.opened_at.date(), "both on one UTC date: only Prague's midnight parts them"
    assert trading_day(late.opened_at) != trading_day(after.opened_at), note

    same_day = run(line_of([morning, late]))
    assert same_day.outcome[0] == Outcome.FAILED
    assert same_day.rules[0] == DAILY and same_day.where[0] == Where.TRADE_OPEN
    assert same_day.equity[0] == 94_500 and same_day.floor[0] == 95_000
    assert same_day.day[0] == 0

    next_day = run(line_of([morning, after]))
    # the floor reset at midnight to 96,000 - 5,000: the same loss is no breach
    assert next_day.outcome[0] == Outcome.UNFINISHED
    assert next_day.equity[0] == 94_500


def test_a_trade_open_across_midnight_is_checked_against_the_new_days_floor() -> None:
    """Balance up 6,000 by the evening; a trade that may lose 5,500 runs over midnight: the new day's
    floor is 106,000 - 5,000, and the trade's worst case is below it at midnight."""
    first = JUNE
    gain = day_trade(first, 6_000, hour=9)
    overnight = trade("overnight", prague(first, 23, 50), 300, one_r=5_500,
                      closed=prague(first + timedelta(days=1), 0, 20))
    out = run(line_of([gain, overnight], (first, first + timedelta(days=1))))
    assert out.outcome[0] == Outcome.FAILED
    assert out.where[0] == Where.MIDNIGHT and out.rules[0] == DAILY
    assert out.day[0] == 1 and out.equity[0] == 100_500 and out.floor[0] == 101_000
    assert out.trade[0] == 1  # the overnight trade, named


# ---------------------------------------------------------------- minimum trading days and the target


def test_the_target_counts_on_the_fourth_trading_day_not_the_third() -> None:
    d = days(4)
    three = [day_trade(d[0], 4_000), day_trade(d[1], 4_000), day_trade(d[2], 3_000)]
    out = run(line_of(three, (d[0], d[3])))
    assert out.outcome[0] == Outcome.UNFINISHED and out.phase1_day[0] == -1  # 11 % after three trading days
    assert out.equity[0] == 111_000

    four = run(line_of([*three, day_trade(d[3], 100)]))
    assert four.phase1_day[0] == 3  # passed on its fourth day


def test_the_target_counts_only_with_every_position_closed() -> None:
    d = days(4)
    trades = [day_trade(x, 3_000) for x in d[:3]]
    # day 4: a winner closes while a loser is still open, then the loser takes the balance below the target
    trades += [trade("long", prague(d[3], 10), -1_500, one_r=1_500, closed=prague(d[3], 12)),
               trade("quick", prague(d[3], 10, 30), 2_000, closed=prague(d[3], 11))]
    out = run(line_of(trades))
    assert out.phase1_day[0] == -1 and out.equity[0] == 109_500


def test_a_day_counts_as_a_trading_day_when_a_trade_is_opened_on_it() -> None:
    d = days(5)
    # four trades opened on two days, each closing the day after: only two trading days
    held = [trade(f"h{i}", prague(d[i // 2], 20 + i % 2), 2_800, closed=prague(d[i // 2 + 1], 9)) for i in range(4)]
    out = run(line_of(held, (d[0], d[4])))
    assert out.equity[0] == 111_200 and out.phase1_day[0] == -1


# ---------------------------------------------------------------- the two phases


def test_verification_is_a_new_account_from_the_midnight_after_phase_1() -> None:
    d = days(9)
    phase1 = [day_trade(x, 2_750) for x in d[:4]]  # 11 % on the fourth day
    ignored = day_trade(d[3], -9_000, hour=15, signal_id="after-the-pass")  # same day, after the pass
    phase2 = [day_trade(x, 1_500) for x in d[4:8]]  # 6 % over four more days on the new account
    out = run(line_of([*phase1, ignored, *phase2], (d[0], d[8])))
    assert out.outcome[0] == Outcome.PASSED
    assert out.phase1_day[0] == 3 and out.day[0] == 7 and out.phase[0] == 1
    assert out.equity[0] == INITIAL + 6_000  # the verification account's balance


def test_verification_needs_its_own_four_trading_days() -> None:
    d = days(8)
    trades = [day_trade(x, 2_750) for x in d[:4]] + [day_trade(x, 2_000) for x in d[4:7]]
    out = run(line_of(trades, (d[0], d[7])))
    assert out.outcome[0] == Outcome.UNFINISHED
    assert out.phase1_day[0] == 3 and out.phase[0] == 1 and out.equity[0] == 106_000


def test_one_step_passes_on_its_single_target() -> None:
    d = days(6)
    # the best day (3,000) is at most half of the profit (10,500), so the target counts
    trades = [day_trade(x, p) for x, p in zip(d, [2_500, 2_500, 2_500, 3_000], strict=False)]
    out = run(line_of(trades, (d[0], d[5])), ONE_STEP)
    assert out.outcome[0] == Outcome.PASSED and out.day[0] == 3


def test_one_step_best_day_rule_is_not_a_failure_the_attempt_goes_on() -> None:
    d = days(6)
    # 10,000 reached on day 2 with a 6,000 day (60 % of the profit); passes when another day dilutes it
    trades = [day_trade(d[0], 2_000, one_r=500), day_trade(d[1], 2_000, one_r=500), day_trade(d[2], 6_000, one_r=500),
              day_trade(d[3], 2_500, one_r=500)]
    out = run(line_of(trades, (d[0], d[5])), ONE_STEP)
    assert out.outcome[0] == Outcome.PASSED and out.day[0] == 3


# ---------------------------------------------------------------- maximum loss


def _slide() -> list:
    d = days(5)
    # +5 % on day 1 sets the best end-of-day balance 105,000; three days of -2.5 % follow; on day 5 a
    # trade sized for 1,000 gaps to -2,600, to 94,900
    return [day_trade(d[0], 5_000), *(day_trade(x, -2_500, one_r=1_000) for x in d[1:4]),
            day_trade(d[4], -2_600, one_r=1_000)]


def test_one_step_maximum_loss_trails_the_best_end_of_day_balance() -> None:
    out = run(line_of(_slide()), ONE_STEP)
    assert out.outcome[0] == Outcome.FAILED
    assert out.rules[0] == MAX_LOSS  # 94,900 is above the day's floor 97,500 - 3,000
    assert out.floor[0] == 95_000 and out.equity[0] == 94_900 and out.day[0] == 4


def test_two_step_maximum_loss_stays_at_the_initial_balance() -> None:
    out = run(line_of(_slide()), TWO_STEP)
    assert out.outcome[0] == Outcome.UNFINISHED and out.equity[0] == 94_900


def test_two_step_maximum_loss_breach() -> None:
    d = days(3)
    trades = [day_trade(d[0], -4_400, one_r=1_000), day_trade(d[1], -4_400, one_r=1_000),
              day_trade(d[2], -1_400, one_r=200)]
    out = run(line_of(trades))
    assert out.outcome[0] == Outcome.FAILED and out.rules[0] == MAX_LOSS
    assert out.equity[0] == 89_800 and out.floor[0] == 90_000


# ---------------------------------------------------------------- the plan's internal floors


def test_a_trade_whose_stop_out_would_cross_the_internal_daily_floor_is_not_taken() -> None:
    d = days(2)
    trades = [day_trade(d[0], -4_000, hour=9, one_r=1_000),
              day_trade(d[0], 5_000, hour=11, one_r=1_000, signal_id="too-big"),  # 96,000 - 1,000 < 95,500
              day_trade(d[0], 100, hour=12, one_r=400, signal_id="fits"),  # 96,000 - 400 >= 95,500
              day_trade(d[1], 700, hour=9, one_r=1_000)]  # the next day the floor is 96,100 - 4,500
    out = run(line_of(trades))
    assert out.denied[0] == 1
    assert out.equity[0] == 100_000 - 4_000 + 100 + 700


def test_the_internal_floor_sees_the_open_trades_stop_outs_too() -> None:
    d = JUNE
    trades = [trade("a", prague(d, 9), -3_000, one_r=2_500, closed=prague(d, 11)),
              trade("b", prague(d, 10), 500, one_r=2_500, closed=prague(d, 10, 30))]  # 100,000 - 5,000 < 95,500
    out = run(line_of(trades))
    assert out.denied[0] == 1 and out.equity[0] == 97_000


def test_an_attempt_that_no_trade_can_leave_the_internal_total_floor_has_stopped() -> None:
    d = days(3)
    trades = [day_trade(d[0], -4_400), day_trade(d[1], -4_400), day_trade(d[2], 5_000)]
    out = run(line_of(trades))
    # 91,200 - 1,000 is below the internal total floor 91,000: the guard takes nothing again
    assert out.outcome[0] == Outcome.STOPPED and out.rules[0] == INTERNAL_TOTAL
    assert out.day[0] == 1 and out.equity[0] == 91_200 and out.floor[0] == 91_000


# ---------------------------------------------------------------- attempts


def test_historical_attempts_start_on_successive_days_and_skip_earlier_trades() -> None:
    d = days(4)
    trades = [day_trade(d[0], -6_000, one_r=500), day_trade(d[1], 1_000), day_trade(d[2], 1_000)]
    line = line_of(trades, (d[0], d[3]))
    attempts = historical(line, 10)
    assert attempts.count == 4 and list(attempts.days[:, 0]) == [0, 1, 2, 3]
    assert list(attempts.span) == [4, 3, 2, 1]
    out = run(line, TWO_STEP, attempts)
    assert list(out.outcome) == [Outcome.FAILED, Outcome.UNFINISHED, Outcome.UNFINISHED, Outcome.UNFINISHED]
    assert list(out.equity) == [94_000, 102_000, 101_000, 100_000]


def test_a_monte_carlo_day_brings_a_trade_that_closes_after_its_midnight_into_the_next_block() -> None:
    d = days(2)
    overnight = trade("overnight", prague(d[0], 23, 0), 800, closed=prague(d[1], 1, 0))
    morning = trade("morning", prague(d[1], 0, 30), 300, one_r=200, closed=prague(d[1], 2, 0))
    line = line_of([overnight, morning])
    # day 1 draws day 1 again: the overnight trade closes during it, after "morning" opened
    out = run(line, TWO_STEP, single(line, [0, 1]))
    assert out.equity[0] == 101_100 and out.outcome[0] == Outcome.UNFINISHED
    # the same block twice in a row: the overnight trade opened on day 0 closes on day 1 while day 1's copy runs
    twice = run(line, TWO_STEP, single(line, [0, 0]))
    assert twice.equity[0] == 101_600
