"""The replay window: the last day every pair covers by default; a window no candle falls in is
refused as a usage error naming what each pair's candles cover, before anything starts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from adapters.replay import ArrayCandleSource
from domain.market.candles import Pair
from entrypoints.candle_bootstrap import RuntimeFailure
from entrypoints.replay_window import replay_window
from tests.fakes.series import random_walk

BTC, ETH = Pair("BTCUSDT"), Pair("ETHUSDT")
START = datetime(2024, 3, 1, tzinfo=UTC)
HOLDER = "the replay files under candles/"


def source() -> ArrayCandleSource:
    """BTC: two days from START with a gap from 12:00 to 18:00 on day two; ETH: day one only."""
    btc = random_walk(START, 2 * 1440)
    minute = (btc.open_time_ms - btc.open_time_ms[0]) // 60_000
    btc = btc.take(~((minute >= 1440 + 720) & (minute < 1440 + 1080)))
    return ArrayCandleSource({BTC: btc, ETH: random_walk(START, 1440, seed=9)})


def refused(start: datetime | None, until: datetime | None) -> str:
    with pytest.raises(RuntimeFailure) as caught:
        replay_window(source(), (BTC, ETH), start, until, HOLDER)
    assert caught.value.usage  # exit 2: nothing started
    return str(caught.value)


def test_default_window_is_the_last_day_every_pair_covers() -> None:
    start, until = replay_window(source(), (BTC, ETH), None, None, HOLDER)
    assert until == START + timedelta(days=1) and start == START


def test_a_start_after_the_default_end_is_refused_naming_each_pairs_candles() -> None:
    message = refused(datetime(2030, 1, 1, tzinfo=UTC), None)
    assert "no candles to replay from 2030-01-01 00:00 to 2024-03-02 00:00 UTC" in message
    assert "ends before it starts" in message
    assert "The replay files under candles/ hold" in message
    assert "BTCUSDT first candle opens 2024-03-01 00:00, last closes 2024-03-03 00:00 UTC" in message
    assert "ETHUSDT first candle opens 2024-03-01 00:00, last closes 2024-03-02 00:00 UTC" in message


def test_a_window_outside_the_candles_or_in_a_gap_is_refused() -> None:
    assert "2010-01-01 00:00 to 2010-01-02 00:00" in refused(datetime(2010, 1, 1, tzinfo=UTC),
                                                             datetime(2010, 1, 2, tzinfo=UTC))
    assert "ETHUSDT first candle" in refused(None, datetime(2020, 1, 1, tzinfo=UTC))
    # BTC's gap, after ETH's last candle
    assert "falls in a gap" in refused(START + timedelta(days=1, hours=13), START + timedelta(days=1, hours=17))


def test_a_window_some_pairs_cover_runs_for_them() -> None:
    start, until = START + timedelta(days=1, hours=1), START + timedelta(days=1, hours=2)
    assert replay_window(source(), (BTC, ETH), start, until, HOLDER) == (start, until)


def test_candles_that_close_inside_the_window_count() -> None:
    one = random_walk(START, 10)
    lone = ArrayCandleSource({BTC: one.take(np.array([9]))})  # opens 00:09, closes 00:10
    at = START + timedelta(minutes=10)
    assert replay_window(lone, (BTC,), at, at + timedelta(hours=1), HOLDER) == (at, at + timedelta(hours=1))
    with pytest.raises(RuntimeFailure):
        replay_window(lone, (BTC,), at + timedelta(minutes=1), at + timedelta(hours=1), HOLDER)
