"""Use case: the walk-forward periods over the stored history, with the rows each holds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs

from application.data.ports import CandleStore
from domain.features.splits import (
    DEFAULT_HORIZON,
    PeriodCoverage,
    Split,
    assess,
    default_split,
    resolve_embargo,
    rolling_splits,
)
from domain.market.candles import Pair, ms_to_datetime


@attrs.frozen
class RollingSpec:
    train_months: int
    validate_months: int
    step_months: int


@attrs.frozen
class SplitPlan:
    split: Split
    coverage: dict[Pair, list[PeriodCoverage]]

    @property
    def usable(self) -> bool:
        # a split assessed over no pair at all has nothing to train on
        return bool(self.coverage) and all(c.usable for periods in self.coverage.values() for c in periods)


def plan_splits(store: CandleStore, pairs: Sequence[Pair], now: datetime, rolling: RollingSpec | None = None,
                embargo: timedelta | None = None, min_coverage: float = 0.5,
                horizon: timedelta = DEFAULT_HORIZON) -> list[SplitPlan]:
    """Default periods, or rolling windows spanning the stored history of the pairs; the embargo
    defaults to the label ``horizon`` and may not be shorter (ValueError)."""
    embargo = resolve_embargo(embargo, horizon)
    times = {pair: store.load(pair).open_time_ms for pair in pairs}
    if rolling is None:
        splits = [default_split(now, embargo, horizon)]
    else:
        held = [t for t in times.values() if len(t)]
        if not held:
            return []
        first = ms_to_datetime(min(int(t[0]) for t in held))
        last = ms_to_datetime(max(int(t[-1]) for t in held) + 60_000)
        splits = rolling_splits(first, last, rolling.train_months, rolling.validate_months, rolling.step_months,
                                embargo, horizon)
    return [SplitPlan(s, {p: assess(s, t, min_coverage) for p, t in times.items()}) for s in splits]
