from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from application.data.splits import RollingSpec, plan_splits
from domain.features.splits import Period, Split, add_months, assess, default_split, rolling_splits
from domain.market.candles import MINUTE_MS, Pair, datetime_to_ms
from tests.fakes.candles import InMemoryCandleStore, make_candles

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def test_default_split_has_the_seed_periods_and_an_embargo() -> None:
    split = default_split(NOW)
    train, validation, test = split.periods
    assert (train.start, validation.start, test.start) == (
        datetime(2020, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))
    assert validation.start - train.end == timedelta(minutes=15)
    assert test.start - validation.end == timedelta(minutes=15)
    assert test.end == NOW


def test_embargo_shorter_than_required_is_refused() -> None:
    a = Period("a", datetime(2021, 1, 1, tzinfo=UTC), datetime(2021, 2, 1, tzinfo=UTC))
    b = Period("b", datetime(2021, 2, 1, 0, 5, tzinfo=UTC), datetime(2021, 3, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="embargo"):
        Split("s", (a, b), timedelta(minutes=15))


def test_rolling_windows_step_and_stop_at_the_end_of_history() -> None:
    first, last = datetime(2021, 1, 10, tzinfo=UTC), datetime(2022, 1, 1, tzinfo=UTC)
    splits = rolling_splits(first, last, train_months=6, validate_months=2, step_months=2)
    assert [s.periods[0].start.month for s in splits] == [1, 3, 5]
    for split in splits:
        train, validation = split.periods
        assert validation.start == add_months(train.start, 6)
        assert validation.start - train.end == timedelta(minutes=15)
        assert validation.end == add_months(validation.start, 2) <= last


def test_rolling_needs_positive_months() -> None:
    with pytest.raises(ValueError):
        rolling_splits(NOW, NOW, 0, 1, 1)


def test_assess_counts_rows_and_flags_thin_periods() -> None:
    start = datetime(2021, 1, 1, tzinfo=UTC)
    a = Period("full", start, start + timedelta(minutes=100))
    b = Period("thin", start + timedelta(minutes=200), start + timedelta(minutes=300))
    t = datetime_to_ms(start) + MINUTE_MS * np.concatenate([np.arange(0, 100), np.arange(200, 210)]).astype(np.int64)
    full, thin = assess(Split("s", (a, b), timedelta(minutes=15)), t, min_coverage=0.5)
    assert (full.rows, full.coverage, full.usable, full.gaps) == (100, 1.0, True, 0)
    assert (thin.rows, thin.usable) == (10, False)
    assert "10.0%" in thin.reason


def test_embargo_keeps_the_last_minutes_out_of_train() -> None:
    start = datetime(2023, 12, 31, 23, 0, tzinfo=UTC)
    t = make_candles(120, datetime_to_ms(start)).open_time_ms  # 23:00 .. 00:59 across the new year
    train, validation, _ = assess(default_split(NOW), t, min_coverage=0)
    assert train.rows == 45  # 23:00 .. 23:44
    assert validation.rows == 60


def test_plan_splits_from_the_store() -> None:
    store = InMemoryCandleStore()
    pair = Pair("BTCUSDT")
    store.merge(pair, make_candles(3 * 31 * 1440, datetime_to_ms(datetime(2021, 1, 1, tzinfo=UTC))), "test")
    plans = plan_splits(store, [pair], NOW, RollingSpec(1, 1, 1))
    assert len(plans) == 2  # Jan->Feb and Feb->Mar; Mar->Apr lacks April
    assert all(plan.usable for plan in plans)
    default = plan_splits(store, [pair], NOW)
    assert not default[0].usable
    assert default[0].coverage[pair][0].rows == 3 * 31 * 1440
