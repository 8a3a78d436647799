"""Training targets over the next ``horizon`` bars.

label[t] is computed from close[t] and the closes of bars t+1..t+H only, and is missing wherever
that horizon runs past the end of the data or across a gap. Labels are targets: nothing that
computes features ever reads them.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from domain.features.definitions import BoolArray, Runs
from domain.market.candles import FloatArray

LABEL_COLUMNS = ("label_direction", "label_return", "label_trend_atr", "label_efficiency")


def _horizon(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValueError(f"label horizon must be at least 1 bar, got {value}")


def _dead_zone(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"dead zone must be a finite number of basis points >= 0, got {value}")


@attrs.frozen
class LabelSpec:
    """Direction: sign of close[t+H]/close[t] - 1, 0 inside +-``dead_zone_bps``.
    Trend strength: the signed move over the horizon in ATRs at t, and the signed efficiency
    ratio (net move / path length, in [-1, 1])."""

    horizon: int = attrs.field(default=15, validator=_horizon)
    dead_zone_bps: float = attrs.field(default=0.0, converter=float, validator=_dead_zone)

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen(eq=False)
class Labels:
    valid: BoolArray
    direction: npt.NDArray[np.int8]  # -1, 0, +1; 0 where not valid
    forward_return: FloatArray  # NaN where not valid
    trend_atr: FloatArray
    efficiency: FloatArray

    @property
    def missing(self) -> int:
        return int(np.count_nonzero(~self.valid))


def horizon_valid(runs: Runs, horizon: int) -> BoolArray:
    """True where bars t+1..t+H all exist in the run of bar t."""
    n = len(runs.run_id)
    valid = np.zeros(n, dtype=bool)
    if n > horizon:
        valid[: n - horizon] = runs.run_id[horizon:] == runs.run_id[: n - horizon]
    return valid


def make_labels(close: FloatArray, runs: Runs, spec: LabelSpec, atr: FloatArray) -> Labels:
    """Labels per bar; ``atr`` is the ATR at each bar t (price units), known at t's close."""
    c = np.asarray(close, dtype=np.float64)
    h = spec.horizon
    valid = horizon_valid(runs, h)
    future = np.full(len(c), np.nan)
    future[: max(len(c) - h, 0)] = c[h:]
    future[~valid] = np.nan
    move = future - c
    with np.errstate(invalid="ignore", divide="ignore"):
        forward = move / c
        trend = np.where(np.asarray(atr) > 0, move / np.asarray(atr, dtype=np.float64), np.nan)
        path = _path_length(c, h)
        efficiency = np.where(path > 0, move / path, 0.0)
    efficiency[~valid] = np.nan
    threshold = spec.dead_zone_bps / 10_000
    direction = np.where(forward > threshold, 1, np.where(forward < -threshold, -1, 0)).astype(np.int8)
    direction[~valid] = 0
    return Labels(valid, direction, forward, trend, efficiency)


def _path_length(close: FloatArray, horizon: int) -> FloatArray:
    """Sum of |close[i] - close[i-1]| over i = t+1..t+H, per t (NaN where the data ends).

    A window sum rather than a difference of cumulative sums, so that a label's bits do not
    depend on where the loaded history starts."""
    steps = np.abs(np.diff(close))
    path = np.full(len(close), np.nan)
    if len(steps) >= horizon:
        sums = np.lib.stride_tricks.sliding_window_view(steps, horizon).sum(axis=1)
        path[: len(sums)] = sums
    return path
