"""The account as FTMO measures it: equity, and day boundaries at Prague midnight through DST."""

from __future__ import annotations

from datetime import date

import pytest

from domain.market.candles import Direction
from domain.risk import (
    Account,
    accrue_swap,
    close_position,
    mark_to_market,
    open_position,
    roll_to,
    trading_day,
)
from tests.unit.domain.builders import BTC, ETH, account, position, utc


def test_equity_counts_floating_pnl_commission_and_swap() -> None:
    long_eth = position(ETH, Direction.LONG, lots=2, entry=2000, mark=1960, contract_size=10, commission=13,
                        swap=-4.5)
    short_btc = position(BTC, Direction.SHORT, lots=0.5, entry=60_000, mark=59_000, position_id="p2")
    acc = account(balance=104_200, day_start=105_000, positions=(long_eth, short_btc))
    assert long_eth.unrealized_pnl == pytest.approx(-800 - 4.5 - 13)
    assert short_btc.unrealized_pnl == pytest.approx(500)
    assert acc.equity == pytest.approx(104_200 - 817.5 + 500)
    assert acc.realized_pnl == pytest.approx(4_200)
    assert acc.day_pnl == pytest.approx(acc.equity - 105_000)


def test_close_realises_price_swap_and_both_commissions() -> None:
    now = utc(2025, 6, 10, 12)
    acc = open_position(Account.start(100_000, now), position(lots=1, entry=60_000, commission=19.5), now)
    acc = accrue_swap(acc, "p1", -7.0, now)
    acc = close_position(acc, "p1", 61_000, now, closing_commission=19.8)
    assert acc.positions == ()
    assert acc.balance == pytest.approx(100_000 + 1_000 - 7 - 19.5 - 19.8)
    assert acc.equity == acc.balance


def test_mark_to_market_moves_only_the_marked_pairs() -> None:
    now = utc(2025, 6, 10, 12)
    acc = account(positions=(position(BTC, entry=60_000), position(ETH, entry=2000, contract_size=10,
                                                                   position_id="p2")))
    marked = mark_to_market(acc, {BTC: 59_000}, now)
    assert marked.position("p1").mark == 59_000
    assert marked.position("p2").mark == 2000
    assert marked.equity == pytest.approx(99_000)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Winter, CET = UTC+1: Prague midnight is 23:00 UTC the evening before.
        (utc(2025, 1, 15, 22, 59), date(2025, 1, 15)),
        (utc(2025, 1, 15, 23, 0), date(2025, 1, 16)),
        # Summer, CEST = UTC+2: midnight is 22:00 UTC.
        (utc(2025, 7, 15, 21, 59), date(2025, 7, 15)),
        (utc(2025, 7, 15, 22, 0), date(2025, 7, 16)),
        # 2025-03-30 starts in CET (began 23:00 UTC on the 29th) and ends in CEST (22:00 UTC).
        (utc(2025, 3, 29, 23, 0), date(2025, 3, 30)),
        (utc(2025, 3, 30, 21, 59), date(2025, 3, 30)),
        (utc(2025, 3, 30, 22, 0), date(2025, 3, 31)),
        # 2025-10-26 starts in CEST (22:00 UTC on the 25th) and ends in CET (23:00 UTC): 25 hours.
        (utc(2025, 10, 25, 22, 0), date(2025, 10, 26)),
        (utc(2025, 10, 26, 22, 30), date(2025, 10, 26)),
        (utc(2025, 10, 26, 23, 0), date(2025, 10, 27)),
    ],
)
def test_trading_day_is_the_prague_date(moment, expected) -> None:
    assert trading_day(moment) == expected


def test_day_start_balance_is_taken_at_prague_midnight_in_spring_forward() -> None:
    acc = Account.start(100_000, utc(2025, 3, 29, 10))
    acc = open_position(acc, position(entry=60_000, opened_at=utc(2025, 3, 29, 10)), utc(2025, 3, 29, 10))
    # 22:30 UTC on the 29th is 23:30 CET: still the 29th, the profit belongs to it.
    acc = close_position(acc, "p1", 61_000, utc(2025, 3, 29, 22, 30))
    assert acc.day == date(2025, 3, 29) and acc.day_start_balance == 100_000
    # 23:10 UTC is 00:10 on the 30th: the new day starts from the closed balance.
    rolled = roll_to(acc, utc(2025, 3, 29, 23, 10))
    assert rolled.day == date(2025, 3, 30)
    assert rolled.day_start_balance == 101_000
    # On the 30th, after the clocks go forward, midnight is 22:00 UTC; a loss at 21:30 UTC is the 30th's.
    acc = open_position(rolled, position(entry=60_000, position_id="p2"), utc(2025, 3, 30, 9))
    acc = close_position(acc, "p2", 59_500, utc(2025, 3, 30, 21, 30))
    assert acc.day == date(2025, 3, 30) and acc.day_start_balance == 101_000
    next_day = roll_to(acc, utc(2025, 3, 30, 22, 0))
    assert next_day.day == date(2025, 3, 31)
    assert next_day.day_start_balance == 100_500
    assert [(d.day, d.profit) for d in next_day.history] == [(date(2025, 3, 29), 1_000), (date(2025, 3, 30), -500)]


def test_day_start_balance_in_fall_back_uses_the_25_hour_day() -> None:
    acc = open_position(Account.start(100_000, utc(2025, 10, 26, 8)), position(entry=60_000), utc(2025, 10, 26, 8))
    # 22:30 UTC on the 26th is 23:30 CET: a fixed UTC+2 server clock would call it the 27th.
    acc = close_position(acc, "p1", 58_000, utc(2025, 10, 26, 22, 30))
    assert acc.day == date(2025, 10, 26)
    assert acc.day_start_balance == 100_000
    assert roll_to(acc, utc(2025, 10, 26, 23, 0)).day_start_balance == 98_000


def test_roll_across_idle_days_keeps_the_balance_and_the_best_midnight() -> None:
    acc = account(balance=103_000, day_start=101_000, now=utc(2025, 6, 10, 12))
    rolled = roll_to(acc, utc(2025, 6, 14, 12))
    assert rolled.day == date(2025, 6, 14)
    assert rolled.day_start_balance == 103_000
    assert rolled.highest_eod_balance == 103_000
    assert roll_to(rolled, utc(2025, 6, 14, 13)) is rolled


def test_rolling_back_in_time_is_refused() -> None:
    with pytest.raises(ValueError, match="roll the account back"):
        roll_to(account(now=utc(2025, 6, 10, 12)), utc(2025, 6, 9, 12))


def test_trading_days_count_days_with_an_opened_trade() -> None:
    acc = Account.start(100_000, utc(2025, 6, 9, 8))
    for i, moment in enumerate([utc(2025, 6, 9, 8), utc(2025, 6, 9, 20), utc(2025, 6, 9, 22, 30), utc(2025, 6, 12, 8)]):
        acc = open_position(acc, position(position_id=f"p{i}", opened_at=moment), moment)
    # 22:30 UTC on 9 June is 00:30 on the 10th in Prague (CEST).
    assert acc.trading_days == {date(2025, 6, 9), date(2025, 6, 10), date(2025, 6, 12)}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"highest_eod_balance": 99_000.0}, "highest_eod_balance"),
        ({"initial_balance": 0.0}, "initial_balance"),
    ],
)
def test_account_rejects_inconsistent_values(changes, message) -> None:
    values = {"initial_balance": 100_000.0, "balance": 100_000.0, "day": date(2025, 6, 10),
              "day_start_balance": 100_000.0, "highest_eod_balance": 100_000.0} | changes
    with pytest.raises(ValueError, match=message):
        Account(**values)


def test_position_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="lots"):
        position(lots=0)
    with pytest.raises(ValueError, match="commission"):
        position(commission=-1)
    with pytest.raises(ValueError, match="UTC"):
        position(opened_at=utc(2025, 1, 1).replace(tzinfo=None))
    with pytest.raises(ValueError, match="duplicate position ids"):
        account(positions=(position(), position()))
