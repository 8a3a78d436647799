"""Walk-forward periods over the candle history: the seed's fixed periods and rolling windows.

Between consecutive periods lies an embargo at least as long as the longest label horizon, so no
label of an earlier period is computed from candles of the next one; a shorter embargo is refused.
Coverage is checked from the stored open times: a period that holds too little data is reported
unusable, never used silently (the history is a patchwork of blocks with gaps of weeks).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import numpy as np

from domain.features.labels import LabelSpec
from domain.market.candles import MINUTE_MS, IntArray, datetime_to_ms, require_utc

# labels look this many 1-minute bars ahead; taken from the label spec so the two cannot drift apart
DEFAULT_HORIZON = timedelta(minutes=LabelSpec().horizon)


def require_embargo(embargo: timedelta, horizon: timedelta) -> None:
    """An embargo shorter than the label horizon lets labels at the end of a period read the
    candles of the next one."""
    if horizon < timedelta(minutes=1):
        raise ValueError(f"the label horizon must be at least 1 minute, got {_minutes(horizon)}")
    if embargo < horizon:
        raise ValueError(f"an embargo of {_minutes(embargo)} min is shorter than the label horizon of "
                         f"{_minutes(horizon)} min, so labels would leak across periods")


def resolve_embargo(embargo: timedelta | None, horizon: timedelta) -> timedelta:
    """The embargo to use: the horizon when none is given; ValueError when it is shorter."""
    chosen = horizon if embargo is None else embargo
    # checked before any period is cut, so the error names the embargo, not a period bound
    require_embargo(chosen, horizon)
    return chosen


def _minutes(span: timedelta) -> str:
    return f"{span / timedelta(minutes=1):g}"


def _utc(value: datetime) -> datetime:
    return require_utc(value, "period bound")


@attrs.frozen
class Period:
    """Open times ``start <= t < end``."""

    name: str
    start: datetime = attrs.field(converter=_utc)
    end: datetime = attrs.field(converter=_utc)

    def __attrs_post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"period {self.name}: end {self.end} must be after start {self.start}")

    @property
    def minutes(self) -> int:
        return int((self.end - self.start) / timedelta(minutes=1))


@attrs.frozen
class Split:
    """Periods in time order (train, validation[, test]) separated by at least ``embargo``, which
    is at least the label ``horizon``."""

    name: str
    periods: tuple[Period, ...]
    embargo: timedelta
    horizon: timedelta = DEFAULT_HORIZON

    def __attrs_post_init__(self) -> None:
        require_embargo(self.embargo, self.horizon)
        for earlier, later in zip(self.periods, self.periods[1:], strict=False):
            if later.start - earlier.end < self.embargo:
                raise ValueError(f"split {self.name}: {earlier.name} and {later.name} are closer than the embargo")


def add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    return moment.replace(year=index // 12, month=index % 12 + 1)


def month_start(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def default_split(now: datetime, embargo: timedelta | None = None, horizon: timedelta = DEFAULT_HORIZON) -> Split:
    """Train 2020-2023, validation 2024, test 2025-01-01 to now; each earlier period gives up
    its last ``embargo`` (default: the label horizon) to the gap."""
    embargo = resolve_embargo(embargo, horizon)
    y2020, y2024, y2025 = (datetime(y, 1, 1, tzinfo=UTC) for y in (2020, 2024, 2025))
    periods = (
        Period("train", y2020, y2024 - embargo),
        Period("validation", y2024, y2025 - embargo),
        Period("test", y2025, _utc(now)),
    )
    return Split("default", periods, embargo, horizon)


def rolling_splits(first: datetime, last: datetime, train_months: int, validate_months: int, step_months: int,
                   embargo: timedelta | None = None, horizon: timedelta = DEFAULT_HORIZON) -> list[Split]:
    """Windows of ``train_months`` then ``validate_months``, moved by ``step_months``, from the month
    of ``first``; only windows whose validation ends by ``last`` are made."""
    embargo = resolve_embargo(embargo, horizon)
    if min(train_months, validate_months, step_months) < 1:
        raise ValueError("train, validation and step must each be at least one month")
    splits: list[Split] = []
    start = month_start(_utc(first))
    while True:
        boundary = add_months(start, train_months)
        end = add_months(boundary, validate_months)
        if end > _utc(last):
            return splits
        periods = (Period("train", start, boundary - embargo), Period("validation", boundary, end))
        splits.append(Split(f"window {len(splits) + 1}", periods, embargo, horizon))
        start = add_months(start, step_months)


@attrs.frozen
class PeriodCoverage:
    period: Period
    rows: int
    gaps: int
    coverage: float  # rows / minutes in the period
    usable: bool
    reason: str


def assess(split: Split, open_time_ms: IntArray, min_coverage: float = 0.5, min_rows: int = 1) -> list[PeriodCoverage]:
    """Rows and gaps of each period, from sorted unique open times; a period below
    ``min_coverage`` (share of its minutes present) or ``min_rows`` is flagged unusable."""
    return [_assess_period(p, open_time_ms, min_coverage, min_rows) for p in split.periods]


def _assess_period(period: Period, t: IntArray, min_coverage: float, min_rows: int) -> PeriodCoverage:
    lo, hi = np.searchsorted(t, [datetime_to_ms(period.start), datetime_to_ms(period.end)])
    inside = t[lo:hi]
    rows = len(inside)
    gaps = int(np.count_nonzero(np.diff(inside) > MINUTE_MS)) if rows > 1 else 0
    coverage = rows / period.minutes
    if rows < min_rows:
        reason = f"{rows} rows, fewer than {min_rows}"
    elif coverage < min_coverage:
        reason = f"only {coverage:.1%} of its minutes are present (minimum {min_coverage:.0%})"
    else:
        reason = ""
    return PeriodCoverage(period, rows, gaps, coverage, reason == "", reason)
