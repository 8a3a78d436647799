"""What the model inputs are: the feature parameters, the contiguous runs a series splits into,
and which rows are excluded because a window would reach before the data or across a gap.

Every feature at a bar uses only candles at or before that bar's close, and only candles of the
bar's own run: a gap in the history is a hard break, never bridged.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from domain.market.candles import MINUTE_MS, FloatArray, IntArray
from domain.market.extras import EXTRA_COLUMNS

# Bump when a definition changes: it enters the feature set's content hash, the git commit does not.
FEATURE_CODE_VERSION = "1"
OPTIONAL_INPUTS = EXTRA_COLUMNS  # the kline extras the candle store keeps when the source has them
BoolArray = npt.NDArray[np.bool_]


def _windows(value: object) -> tuple[int, ...]:
    windows = tuple(int(w) for w in value)  # type: ignore[attr-defined]
    if not windows or min(windows) < 1:
        raise ValueError(f"windows must be positive integers, got {value!r}")
    return tuple(sorted(set(windows)))


def _positive(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 2:
        raise ValueError(f"{attribute.name} must be at least 2, got {value}")


@attrs.frozen
class FeatureSpec:
    """Window lengths in 1-minute bars. ``regime_window`` names the realized-volatility column
    (``rv_<w>``) whose training-period terciles define the volatility regime."""

    return_windows: tuple[int, ...] = attrs.field(default=(1, 5, 15, 60), converter=_windows)
    volatility_windows: tuple[int, ...] = attrs.field(default=(15, 60), converter=_windows)
    atr_period: int = attrs.field(default=14, validator=_positive)
    range_window: int = attrs.field(default=15, validator=_positive)
    volume_window: int = attrs.field(default=60, validator=_positive)
    spread_window: int = attrs.field(default=60, validator=_positive)
    regime_window: int = 60

    def __attrs_post_init__(self) -> None:
        if self.regime_window not in self.volatility_windows:
            raise ValueError(f"regime_window {self.regime_window} must be one of volatility_windows "
                             f"{self.volatility_windows}")
        if max(self.volatility_windows) < 2:
            raise ValueError("a realized volatility window needs at least 2 returns")

    @property
    def warmup(self) -> int:
        """Bars at the start of a run whose longest window is not yet full."""
        return max(*self.return_windows, *self.volatility_windows, self.atr_period, self.range_window,
                   self.volume_window, self.spread_window)

    @property
    def regime_column(self) -> str:
        return f"rv_{self.regime_window}"

    def market_columns(self, optional: tuple[str, ...] = ()) -> tuple[str, ...]:
        """The continuous, normalized features, in output order."""
        names = [f"ret_{w}" for w in self.return_windows]
        names += [f"natr_{self.atr_period}"]
        names += [f"rv_{w}" for w in self.volatility_windows]
        names += ["hl_range", f"hl_range_{self.range_window}", "log_volume", f"volume_z_{self.volume_window}"]
        names += [f"cs_spread_{self.spread_window}", f"ar_spread_{self.spread_window}"]
        names += [OPTIONAL_COLUMNS[name] for name in OPTIONAL_INPUTS if name in optional]
        return tuple(names)

    def as_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in attrs.asdict(self).items()}


OPTIONAL_COLUMNS = {"quote_volume": "log_quote_volume", "trades": "log_trades",
                    "taker_buy_volume": "taker_buy_ratio"}
CALENDAR_COLUMNS = ("hour_sin", "hour_cos", "dow_sin", "dow_cos")
REGIME_COLUMN = "vol_regime"


class RowStatus(IntEnum):
    USABLE = 0
    WARMUP = 1  # the window reaches before the first candle of the history
    GAP = 2  # the window would reach across a gap in the history


@attrs.frozen(eq=False)
class Runs:
    """Contiguous runs of minutes: the run of each row and the row's position inside it."""

    run_id: IntArray
    position: IntArray

    @property
    def count(self) -> int:
        return int(self.run_id[-1]) + 1 if len(self.run_id) else 0

    def starts(self) -> IntArray:
        return np.flatnonzero(self.position == 0)

    def bounds(self) -> list[tuple[int, int]]:
        starts = self.starts().tolist()
        if not starts:
            return []
        return list(zip(starts, [*starts[1:], len(self.run_id)], strict=True))


def contiguous_runs(open_time_ms: IntArray) -> Runs:
    t = np.asarray(open_time_ms, dtype=np.int64)
    steps = np.diff(t)
    if bool(np.any(steps <= 0)):
        raise ValueError("open_time_ms must be strictly increasing")
    if bool(np.any(t % MINUTE_MS != 0)):
        raise ValueError("open_time_ms must lie on whole minutes")
    breaks = np.flatnonzero(steps != MINUTE_MS) + 1
    run_id = np.zeros(len(t), dtype=np.int64)
    run_id[breaks] = 1
    run_id = np.cumsum(run_id)
    starts = np.concatenate([[0], breaks]).astype(np.int64)
    position = np.arange(len(t), dtype=np.int64) - starts[run_id] if len(t) else np.zeros(0, dtype=np.int64)
    return Runs(run_id, position)


def row_status(runs: Runs, warmup: int) -> npt.NDArray[np.uint8]:
    """USABLE, or why the row is excluded: warm-up at the start of the history, or a gap."""
    status = np.zeros(len(runs.run_id), dtype=np.uint8)
    short = runs.position < warmup
    status[short & (runs.run_id == 0)] = RowStatus.WARMUP
    status[short & (runs.run_id > 0)] = RowStatus.GAP
    return status


def status_counts(status: npt.NDArray[np.uint8]) -> dict[str, int]:
    counts = np.bincount(status, minlength=len(RowStatus))
    return {s.name.lower(): int(counts[s]) for s in RowStatus}


def calendar_columns(open_time_ms: IntArray) -> dict[str, FloatArray]:
    """Hour of day and day of week (UTC, at the bar's open) on the unit circle, so that 23:59
    sits next to 00:00 and Sunday next to Monday."""
    minutes = np.asarray(open_time_ms, dtype=np.int64) // MINUTE_MS
    day_fraction = (minutes % 1440) / 1440.0
    weekday = ((minutes // 1440 + 3) % 7).astype(np.float64)  # 1970-01-01 was a Thursday (Monday = 0)
    hour_angle = 2 * np.pi * day_fraction
    dow_angle = 2 * np.pi * weekday / 7.0
    return {"hour_sin": np.sin(hour_angle), "hour_cos": np.cos(hour_angle),
            "dow_sin": np.sin(dow_angle), "dow_cos": np.cos(dow_angle)}


def require_columns(columns: Mapping[str, FloatArray], names: tuple[str, ...], rows: int) -> None:
    for name in names:
        if name not in columns:
            raise ValueError(f"feature column {name} is missing")
        if len(columns[name]) != rows:
            raise ValueError(f"feature column {name} has {len(columns[name])} rows, expected {rows}")
