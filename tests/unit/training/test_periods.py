"""The periods: default, explicit and rolling, every unusable period refused by name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from application.models.training.periods import RollingWindows, SplitOptions, TrainingInputError, plan_split
from domain.market.candles import MINUTE_MS, datetime_to_ms

H = timedelta(minutes=15)


def minutes(start: datetime, end: datetime) -> np.ndarray:
    return np.arange(datetime_to_ms(start), datetime_to_ms(end), MINUTE_MS, dtype=np.int64)


def day(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


def test_default_split_names_the_unusable_period_and_pair() -> None:
    times = {"BTCUSDT": np.concatenate([minutes(day(2021, 1, 1), day(2021, 3, 1)), minutes(day(2025, 1, 1), day(2025, 2, 1))])}
    with pytest.raises(TrainingInputError) as error:
        plan_split(SplitOptions(), times, H)
    message = str(error.value)
    assert "train 2020-01-01 00:00 -> 2023-12-31 23:45 for BTCUSDT" in message
    assert "validation 2024-01-01 00:00 -> 2024-12-31 23:45 for BTCUSDT: 0 rows" in message
    assert "--min-coverage" in message


def test_explicit_dates_keep_the_embargo_and_check_every_pair() -> None:
    times = {"BTCUSDT": minutes(day(2021, 4, 1), day(2021, 7, 1)), "BNBUSDT": minutes(day(2021, 4, 1), day(2021, 7, 1))}
    options = SplitOptions(train_end=day(2021, 6, 1), validation_end=day(2021, 6, 15))
    planned = plan_split(options, times, H)
    train, validation, test = planned.split.periods
    assert (train.start, train.end) == (day(2021, 4, 1), day(2021, 6, 1) - H)
    assert (validation.start, validation.end) == (day(2021, 6, 1), day(2021, 6, 15) - H)
    assert (test.start, test.end) == (day(2021, 6, 15), day(2021, 7, 1))  # ends with the data
    assert set(planned.coverage) == {"BTCUSDT", "BNBUSDT"}

    short = {**times, "BNBUSDT": minutes(day(2021, 4, 1), day(2021, 6, 5))}
    with pytest.raises(TrainingInputError, match=r"test 2021-06-15 00:00 -> 2021-07-01 00:00 for BNBUSDT: 0 rows"):
        plan_split(options, short, H)


@pytest.mark.parametrize(("options", "message"), [
    (SplitOptions(train_end=day(2021, 6, 1), validation_end=day(2021, 5, 1)), "--validation-end"),
    (SplitOptions(train_end=day(2021, 5, 1), validation_end=day(2021, 6, 1), test_start=day(2021, 5, 20)),
     "--test-start"),
    (SplitOptions(train_end=day(2021, 5, 1), embargo=timedelta(minutes=5)), "--embargo-minutes"),
])
def test_inconsistent_bounds_are_refused_naming_the_option(options: SplitOptions, message: str) -> None:
    times = {"BTCUSDT": minutes(day(2021, 4, 1), day(2021, 7, 1))}
    with pytest.raises(TrainingInputError, match=message):
        plan_split(options, times, H)


def test_rolling_takes_the_latest_usable_window_before_the_test_period() -> None:
    held = np.concatenate([minutes(day(2021, 1, 1), day(2021, 7, 1)), minutes(day(2021, 9, 1), day(2021, 11, 1))])
    options = SplitOptions(test_start=day(2021, 10, 1), rolling=RollingWindows(2, 1, 1))
    planned = plan_split(options, {"BTCUSDT": held}, H)
    train, validation, test = planned.split.periods
    # the windows validating in July-September lack data: the one validating in June is the latest usable
    assert (train.start, validation.start, validation.end) == (day(2021, 4, 1), day(2021, 6, 1), day(2021, 7, 1))
    assert (test.start, test.end) == (day(2021, 10, 1), day(2021, 11, 1)) and planned.windows_considered == 7
