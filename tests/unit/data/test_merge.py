from __future__ import annotations

import numpy as np

from domain.market.quality import Ohlcv
from domain.market.quality_merge import merge_candles
from tests.fakes.candles import make_candles, with_value


def test_merge_into_empty_adds_everything() -> None:
    candles = make_candles(50)
    outcome = merge_candles(Ohlcv.empty(), candles)
    assert outcome.added == 50 and outcome.unchanged == 0 and len(outcome.conflicts) == 0
    assert np.array_equal(outcome.merged.open_time_ms, candles.open_time_ms)


def test_merging_the_same_data_twice_changes_nothing() -> None:
    candles = make_candles(50)
    outcome = merge_candles(candles, candles)
    assert outcome.added == 0 and outcome.unchanged == 50
    assert outcome.merged is candles


def test_overlapping_sources_merge_by_open_time() -> None:
    candles = make_candles(100)
    outcome = merge_candles(candles.take(slice(0, 60)), candles.take(slice(40, 100)))
    assert outcome.added == 40 and outcome.unchanged == 20
    assert np.array_equal(outcome.merged.close, candles.close)


def test_unsorted_incoming_is_sorted() -> None:
    candles = make_candles(30)
    outcome = merge_candles(Ohlcv.empty(), candles.take(np.arange(30)[::-1]))
    assert np.array_equal(outcome.merged.open_time_ms, candles.open_time_ms)


def test_conflicting_value_is_reported_and_stored_value_kept() -> None:
    stored = make_candles(30)
    incoming = with_value(stored, "volume", 12, 999.0)
    outcome = merge_candles(stored, incoming)
    assert outcome.added == 0 and len(outcome.conflicts) == 1
    assert outcome.conflicts.volume[0] == 999.0
    assert outcome.existing_at_conflicts.volume[0] == stored.volume[12]
    assert outcome.merged.volume[12] == stored.volume[12]
