"""The embargo between walk-forward periods follows the label horizon and is never shorter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from application.data.splits import plan_splits
from domain.features.labels import LabelSpec
from domain.features.splits import DEFAULT_HORIZON, Period, Split, default_split, resolve_embargo, rolling_splits
from domain.market.candles import Pair
from tests.fakes.candles import InMemoryCandleStore

NOW = datetime(2025, 6, 1, tzinfo=UTC)
FIRST, LAST = datetime(2021, 1, 1, tzinfo=UTC), datetime(2022, 1, 1, tzinfo=UTC)


def gaps(split: Split) -> set[timedelta]:
    return {later.start - earlier.end for earlier, later in zip(split.periods, split.periods[1:], strict=False)}


def test_the_default_embargo_is_the_default_label_horizon() -> None:
    assert timedelta(minutes=LabelSpec().horizon) == DEFAULT_HORIZON
    split = default_split(NOW)
    assert split.embargo == split.horizon == DEFAULT_HORIZON
    assert gaps(split) == {DEFAULT_HORIZON}


def test_a_longer_horizon_lengthens_the_default_embargo() -> None:
    hour = timedelta(minutes=60)
    assert gaps(default_split(NOW, horizon=hour)) == {hour}
    assert all(gaps(s) == {hour} for s in rolling_splits(FIRST, LAST, 3, 1, 1, horizon=hour))
    assert gaps(default_split(NOW, timedelta(minutes=90), hour)) == {timedelta(minutes=90)}


@pytest.mark.parametrize("make", [
    lambda: default_split(NOW, timedelta(0)),
    lambda: default_split(NOW, timedelta(minutes=20), timedelta(minutes=30)),
    lambda: rolling_splits(FIRST, LAST, 3, 1, 1, timedelta(minutes=5)),
    lambda: Split("s", (Period("a", FIRST, LAST),), timedelta(minutes=1), timedelta(minutes=2)),
    lambda: plan_splits(InMemoryCandleStore(), [Pair("BTCUSDT")], NOW, embargo=timedelta(minutes=14)),
    lambda: resolve_embargo(None, timedelta(0)),
])
def test_an_embargo_shorter_than_the_horizon_is_refused(make: object) -> None:
    with pytest.raises(ValueError, match="horizon"):
        make()  # type: ignore[operator]


def test_a_plan_over_no_pair_is_not_usable() -> None:
    [plan] = plan_splits(InMemoryCandleStore(), [], NOW)
    assert not plan.usable
