"""The periods a training run reads: the seed's default split (train 2020-2023, validation 2024,
test 2025-), explicit dates, or the latest usable rolling window before the test period.

Every period is checked against the stored rows of every pair (``domain.features.splits.assess``):
one holding too little is refused by name, never used silently. Between periods lies the embargo
(at least the label horizon), taken from the end of the earlier period.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import attrs

from domain.features.splits import (
    Period,
    PeriodCoverage,
    Split,
    assess,
    default_split,
    resolve_embargo,
    rolling_splits,
)
from domain.market.candles import MINUTE_MS, IntArray, ms_to_datetime

TRAIN, VALIDATION, TEST = "train", "validation", "test"
DEFAULT_TEST_START = datetime(2025, 1, 1, tzinfo=UTC)


class TrainingInputError(ValueError):
    """Bad input for a training run: the message names the option, pair, period or file."""


@attrs.frozen
class RollingWindows:
    train_months: int = 12
    validate_months: int = 3
    step_months: int = 3


@attrs.frozen
class SplitOptions:
    """Explicit bounds (any of them) replace the default split; a missing one takes its default:
    train from the first minute every pair holds, train until 2024, validate until 2025, test from
    the end of validation until the data ends."""

    train_start: datetime | None = None
    train_end: datetime | None = None
    validation_end: datetime | None = None
    test_start: datetime | None = None
    test_end: datetime | None = None
    rolling: RollingWindows | None = None
    embargo: timedelta | None = None
    min_coverage: float = 0.5
    # a retrain validates on the most recent data: nothing later exists to test on, and none is invented
    no_test: bool = False

    @property
    def explicit(self) -> bool:
        return self.no_test or any(v is not None for v in (self.train_start, self.train_end, self.validation_end,
                                                           self.test_start, self.test_end))


@attrs.frozen
class PlannedSplit:
    split: Split
    coverage: dict[str, list[PeriodCoverage]]  # per pair, per period
    windows_considered: int = 0  # rolling windows looked at (0 unless --rolling)

    def period(self, name: str) -> Period:
        return next(p for p in self.split.periods if p.name == name)


def plan_split(options: SplitOptions, times: Mapping[str, IntArray], horizon: timedelta) -> PlannedSplit:
    """The split to train on, with every pair's coverage (the test period ends with the data unless
    --test-end says otherwise); TrainingInputError when a period is
    unusable (every problem named at once) or the bounds are inconsistent."""
    try:
        embargo = resolve_embargo(options.embargo, horizon)
    except ValueError as exc:
        raise TrainingInputError(f"--embargo-minutes: {exc}") from None
    end = data_end(times)
    if options.rolling is not None:
        return _latest_rolling(options, options.rolling, times, embargo, horizon, end)
    split = _explicit(options, times, embargo, horizon, end) if options.explicit else _default(embargo, horizon, end)
    coverage = {pair: assess(split, t, options.min_coverage) for pair, t in times.items()}
    problems = [_unusable(pair, c) for pair, periods in coverage.items() for c in periods if not c.usable]
    if problems:
        raise TrainingInputError("unusable period(s): " + "; ".join(problems) + _ADVICE)
    return PlannedSplit(split, coverage)


_ADVICE = (". Choose dates the data covers (--train-start/--train-end/--validation-end/--test-start/--test-end) "
           "or lower --min-coverage")


def _default(embargo: timedelta, horizon: timedelta, end: datetime) -> Split:
    try:
        return default_split(end, embargo, horizon)
    except ValueError as exc:
        raise TrainingInputError(f"default split: {exc}") from None


def _explicit(options: SplitOptions, times: Mapping[str, IntArray], embargo: timedelta, horizon: timedelta,
              end: datetime) -> Split:
    default = default_split(max(end, DEFAULT_TEST_START + timedelta(minutes=1)), embargo, horizon)
    train_start = options.train_start or _first_common_minute(times) or default.periods[0].start
    train_end = options.train_end or default.periods[1].start
    validation_end = options.validation_end or (end if options.no_test else default.periods[2].start)
    if options.no_test:
        _ordered(train_start, train_end, validation_end)
        return Split("explicit, no test period", (_period(TRAIN, train_start, train_end - embargo, "--train-end"),
                                                  _period(VALIDATION, train_end, validation_end, "--validation-end")),
                     embargo, horizon)
    test_start = options.test_start or validation_end
    test_end = options.test_end or end
    _ordered(train_start, train_end, validation_end)
    if test_start < validation_end:
        raise TrainingInputError(f"--test-start ({test_start:%Y-%m-%d %H:%M}) must not be before --validation-end "
                                 f"({validation_end:%Y-%m-%d %H:%M})")
    if test_end <= test_start:
        raise TrainingInputError(f"--test-end ({test_end:%Y-%m-%d %H:%M}) must be after the test start "
                                 f"({test_start:%Y-%m-%d %H:%M})")
    periods = (_period(TRAIN, train_start, train_end - embargo, "--train-end"),
               _period(VALIDATION, train_end, min(validation_end, test_start - embargo), "--validation-end"),
               _period(TEST, test_start, test_end, "--test-end"))
    return Split("explicit", periods, embargo, horizon)


def _ordered(train_start: datetime, train_end: datetime, validation_end: datetime) -> None:
    order = (("--train-start", train_start), ("--train-end", train_end), ("--validation-end", validation_end))
    for (earlier, a), (later, b) in pairwise(order):
        if b <= a:
            raise TrainingInputError(f"{later} ({b:%Y-%m-%d %H:%M}) must be after {earlier} ({a:%Y-%m-%d %H:%M})")


def _period(name: str, start: datetime, end: datetime, option: str) -> Period:
    if end <= start:
        raise TrainingInputError(f"the {name} period {start:%Y-%m-%d %H:%M} -> {end:%Y-%m-%d %H:%M} is empty once "
                                 f"the embargo is left out; move {option}")
    return Period(name, start, end)


def data_end(times: Mapping[str, IntArray]) -> datetime:
    """One minute after the last stored row of any pair."""
    lasts = [int(t[-1]) for t in times.values() if len(t)]
    if not lasts:
        raise TrainingInputError("the feature set holds no rows for the chosen pairs")
    return ms_to_datetime(max(lasts) + MINUTE_MS)


def _first_common_minute(times: Mapping[str, IntArray]) -> datetime | None:
    """The first minute every pair holds a row at or after (the latest of the pairs' first rows)."""
    firsts = [int(t[0]) for t in times.values() if len(t)]
    return ms_to_datetime(max(firsts) // MINUTE_MS * MINUTE_MS) if firsts else None


def _latest_rolling(options: SplitOptions, rolling: RollingWindows, times: Mapping[str, IntArray],
                    embargo: timedelta, horizon: timedelta, end: datetime) -> PlannedSplit:
    """Rolling windows over the history before the test period; the latest one usable for every
    pair is trained (the most recent data), tested on the test period after it."""
    test_start = options.test_start or options.validation_end or DEFAULT_TEST_START
    test = Period(TEST, test_start, options.test_end or end) if (options.test_end or end) > test_start else None
    if test is None:
        raise TrainingInputError(f"the test period starting {test_start:%Y-%m-%d} is empty; move --test-end")
    first = options.train_start or _first_common_minute(times)
    if first is None:
        raise TrainingInputError("no stored rows to make rolling windows from")
    try:
        windows = rolling_splits(first, test_start, rolling.train_months, rolling.validate_months,
                                 rolling.step_months, embargo, horizon)
    except ValueError as exc:
        raise TrainingInputError(f"--rolling: {exc}") from None
    reasons: list[str] = []
    for window in reversed(windows):
        train, validation = window.periods
        if test_start - validation.end < embargo:
            validation = Period(VALIDATION, validation.start, test_start - embargo)
        split = Split(f"rolling {window.name}", (train, validation, test), embargo, horizon)
        coverage = {pair: assess(split, t, options.min_coverage) for pair, t in times.items()}
        problems = [_unusable(pair, c) for pair, periods in coverage.items() for c in periods if not c.usable]
        if not problems:
            return PlannedSplit(split, coverage, len(windows))
        reasons.append(f"{window.name}: {problems[0]}")
    detail = "; ".join(reasons[:3]) if reasons else "the history before the test period is shorter than one window"
    raise TrainingInputError(f"no usable rolling window among {len(windows)} ({detail})" + _ADVICE)


def _unusable(pair: str, coverage: PeriodCoverage) -> str:
    p = coverage.period
    return (f"{p.name} {p.start:%Y-%m-%d %H:%M} -> {p.end:%Y-%m-%d %H:%M} for {pair}: {coverage.reason} "
            f"({coverage.rows:,} rows)")
