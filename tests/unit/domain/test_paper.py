"""Paper trading: fills with p90 costs, exits on the first touch (the stop when both levels are
touched in one candle), time exits, and results in R."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from domain.execution.instruments import Instruments
from domain.execution.paper import (
    ExitReason,
    PaperExit,
    close_paper_position,
    find_exit,
    open_paper_position,
    paper_close_fill,
    paper_open_fill,
)
from domain.execution.sampling import CostDraw
from domain.market.candles import MINUTE_MS, CandleWindow, Direction, datetime_to_ms
from domain.risk import Account
from domain.signals.signal import Mode, Signal, Tier
from tests.unit.domain.builders import BTC, utc

OPEN = utc(2025, 6, 10, 12)
SPEC = Instruments().spec_for(BTC)
HOLD = timedelta(minutes=30)


def signal(direction: Direction = Direction.LONG) -> Signal:
    entry = 60_000.0
    sign = direction.sign
    return Signal("s1", BTC, direction, entry, entry + sign * 600, entry - sign * 400, 0.7, Tier.HIGH, OPEN,
                  Mode.DRYRUN, size=1.0)


def bars(highs: list[float], lows: list[float], start=OPEN) -> CandleWindow:
    n = len(highs)
    close = [(h + lo) / 2 for h, lo in zip(highs, lows, strict=True)]
    times = datetime_to_ms(start) + MINUTE_MS * np.arange(n)
    return CandleWindow(BTC, times, close, highs, lows, close, np.ones(n))


def opened(direction: Direction = Direction.LONG) -> Account:
    return open_paper_position(Account.start(100_000, OPEN), signal(direction), 1.0, SPEC)


def test_opening_pays_the_p90_fill_and_commission_at_once() -> None:
    account = opened()
    [position] = account.positions
    assert position.entry == pytest.approx(60_000 * (1 + SPEC.adverse_fraction))
    assert position.commission == pytest.approx(SPEC.commission(position.entry, 1.0))
    assert account.equity < account.balance == 100_000
    assert position.take_profit == 60_600 and position.stop == 59_600


@pytest.mark.parametrize("direction", [Direction.LONG, Direction.SHORT])
def test_a_fill_pays_the_costs_it_is_given_and_records_them(direction: Direction) -> None:
    order = signal(direction)
    paid = CostDraw(spread_bps=4.0, slippage_bps=-1.0)  # slippage in the trade's favour: a better price
    fill = paper_open_fill(order, 1.0, SPEC, paid)
    assert fill.price == pytest.approx(60_000 * (1 + direction.sign * 1.0 / 10_000))
    assert (fill.spread_bps, fill.slippage_bps, fill.at) == (4.0, -1.0, OPEN)
    assert fill.commission == SPEC.commission(fill.price, 1.0)
    position = opened(direction).positions[0]
    exit = PaperExit("s1", ExitReason.TIME, OPEN + timedelta(minutes=5), 60_100.0)
    closing = paper_close_fill(position, exit, SPEC, CostDraw(0.0, 0.0))
    assert closing.price == 60_100.0 and closing.at == exit.at
    assert paper_close_fill(position, exit, SPEC) == paper_close_fill(position, exit, SPEC, CostDraw.p90(SPEC))


def test_take_profit_touched_first_closes_there() -> None:
    [position] = opened().positions
    exit = find_exit(position, bars([60_100, 60_650, 60_000], [59_900, 60_000, 59_000]), HOLD)
    assert exit == PaperExit("s1", ExitReason.TAKE_PROFIT, OPEN + timedelta(minutes=2), 60_600)


def test_a_candle_touching_both_levels_counts_as_the_stop() -> None:
    [position] = opened().positions
    exit = find_exit(position, bars([60_700], [59_500]), HOLD)
    assert exit is not None and exit.reason is ExitReason.STOP_LOSS and exit.level == 59_600


def test_short_exits_mirror_the_long_ones() -> None:
    [position] = opened(Direction.SHORT).positions
    exit = find_exit(position, bars([60_100, 60_450], [59_900, 59_900]), HOLD)
    assert exit is not None and exit.reason is ExitReason.STOP_LOSS and exit.level == 60_400


def test_candles_before_the_entry_are_ignored() -> None:
    [position] = opened().positions
    window = bars([61_000, 60_100], [59_000, 59_900], start=OPEN - timedelta(minutes=1))
    assert find_exit(position, window, HOLD) is None


def test_time_exit_at_the_close_of_the_candle_ending_at_the_deadline() -> None:
    [position] = opened().positions
    window = bars([60_100] * 31, [59_900] * 31)
    exit = find_exit(position, window, HOLD)
    assert exit is not None and exit.reason is ExitReason.TIME
    assert exit.at == OPEN + HOLD and exit.level == window.close[29]


def test_still_open_before_the_deadline() -> None:
    [position] = opened().positions
    assert find_exit(position, bars([60_100] * 10, [59_900] * 10), HOLD) is None


def test_after_a_data_gap_the_time_exit_takes_the_first_price_past_the_deadline() -> None:
    [position] = opened().positions
    window = bars([60_200], [59_950], start=OPEN + timedelta(minutes=45))
    exit = find_exit(position, window, HOLD)
    assert exit is not None and exit.reason is ExitReason.TIME
    assert exit.at == OPEN + timedelta(minutes=45) and exit.level == window.open[0]


def test_a_stop_out_loses_exactly_one_r_and_books_it_in_the_balance() -> None:
    account = opened()
    closed = close_paper_position(account, PaperExit("s1", ExitReason.STOP_LOSS, OPEN + timedelta(minutes=3),
                                                     59_600), SPEC)
    assert closed.r_multiple == pytest.approx(-1.0)
    assert closed.pnl == pytest.approx(-SPEC.stop_out_loss(Direction.LONG, 60_000, 59_600, 1.0))
    assert closed.account.balance == pytest.approx(100_000 + closed.pnl)
    assert closed.account.positions == ()


def test_a_take_profit_earns_less_than_the_planned_reward_after_costs() -> None:
    closed = close_paper_position(opened(), PaperExit("s1", ExitReason.TAKE_PROFIT, OPEN + timedelta(minutes=3),
                                                      60_600), SPEC)
    assert 0 < closed.r_multiple < 1.5
