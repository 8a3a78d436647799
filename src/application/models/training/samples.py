"""Training samples from a stored feature set, without copying windows.

Every pair's rows go once into one float32 matrix (rows x features, pairs one after another). A
sample is the row its window ends at: the window of W bars ending at row r is values[r-W+1 .. r],
read through a sliding-window view, so only a batch's windows are ever gathered. A window ends at
r only when its W rows lie in one segment (contiguous minutes of one pair, which also keeps it
inside its pair), span exactly W-1 minutes and hold finite values; a sample also needs a valid
label (the horizon does not cross a gap or the end of the stored range).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np
import numpy.typing as npt

from application.features.ports import PairFeatures
from domain.features.splits import Period
from domain.market.candles import MINUTE_MS, IntArray, datetime_to_ms

Float32Array = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]


@attrs.frozen(eq=False)
class FeatureMatrix:
    pairs: tuple[str, ...]
    features: tuple[str, ...]
    window: int
    values: Float32Array  # (rows, features)
    open_time_ms: IntArray
    pair_index: npt.NDArray[np.int32]  # index into ``pairs`` per row
    up: Float32Array  # 1 where close[t + horizon] > close[t], else 0 (flat and down alike)
    trend: Float32Array  # signed efficiency ratio over the horizon, in [-1, 1]
    labelled: BoolArray  # the label is valid
    window_ends: BoolArray  # a full window ends at this row
    _view: Float32Array = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        # (rows - W + 1, features, W): a view, never a copy
        if len(self.values) >= self.window:
            view = np.lib.stride_tricks.sliding_window_view(self.values, self.window, axis=0)
        else:
            view = np.zeros((0, self.values.shape[1], self.window), dtype=np.float32)
        object.__setattr__(self, "_view", view)

    def __len__(self) -> int:
        return len(self.open_time_ms)

    def windows(self, rows: IntArray) -> Float32Array:
        """The windows ending at ``rows``, as a (len(rows), W, features) array (only these are copied)."""
        if len(rows) and not bool(self.window_ends[rows].all()):
            raise ValueError("a requested window does not end at a full window")
        gathered: Float32Array = self._view[np.asarray(rows) - (self.window - 1)]
        return np.ascontiguousarray(gathered.transpose(0, 2, 1))


def build_matrix(tables: Sequence[PairFeatures], features: Sequence[str], window: int) -> FeatureMatrix:
    """One matrix over ``tables`` in their order; ``features`` are the columns, in order."""
    if window < 1:
        raise ValueError(f"window must be at least 1 bar, got {window}")
    total = sum(len(t) for t in tables)
    values = np.empty((total, len(features)), dtype=np.float32)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("time", "pair", "up", "trend", "labelled", "ends")}
    start = 0
    for index, table in enumerate(tables):
        stop = start + len(table)
        for column, name in enumerate(features):
            values[start:stop, column] = table.features[name]
        finite: BoolArray = np.asarray(np.isfinite(values[start:stop]).all(axis=1), dtype=bool)
        labelled = np.asarray(table.labels["label_valid"], dtype=bool)
        parts["time"].append(np.asarray(table.open_time_ms, dtype=np.int64))
        parts["pair"].append(np.full(len(table), index, dtype=np.int32))
        parts["up"].append(((np.asarray(table.labels["label_direction"]) == 1) & labelled).astype(np.float32))
        parts["trend"].append(np.where(labelled, table.labels["label_efficiency"], np.nan).astype(np.float32))
        parts["labelled"].append(labelled)
        parts["ends"].append(full_windows(np.asarray(table.segment), parts["time"][-1], finite, window))
        start = stop

    def joined(key: str, dtype: npt.DTypeLike) -> np.ndarray:
        return np.concatenate(parts[key]) if parts[key] else np.zeros(0, dtype=dtype)

    return FeatureMatrix(tuple(t.pair.symbol for t in tables), tuple(features), window, values,
                         joined("time", np.int64), joined("pair", np.int32), joined("up", np.float32),
                         joined("trend", np.float32), joined("labelled", bool), joined("ends", bool))


def full_windows(segment: np.ndarray, open_time_ms: IntArray, finite: BoolArray, window: int) -> BoolArray:
    """True at row r when rows r-W+1..r are one segment, W consecutive minutes, all finite."""
    n = len(segment)
    ends = np.zeros(n, dtype=bool)
    if n < window:
        return ends
    last = np.arange(window - 1, n)
    first = last - (window - 1)
    bad_before = np.concatenate([[0], np.cumsum(~finite)])
    ends[window - 1:] = ((segment[last] == segment[first])
                         & (open_time_ms[last] - open_time_ms[first] == (window - 1) * MINUTE_MS)
                         & (bad_before[last + 1] - bad_before[first] == 0))
    return ends


@attrs.frozen(eq=False)
class SampleSet:
    """The samples of one period: end rows into the matrix, in increasing order."""

    period: Period
    rows: IntArray

    def __len__(self) -> int:
        return len(self.rows)

    def counts(self, matrix: FeatureMatrix) -> dict[str, int]:
        per_pair = np.bincount(matrix.pair_index[self.rows], minlength=len(matrix.pairs))
        return {pair: int(per_pair[i]) for i, pair in enumerate(matrix.pairs)}


def period_samples(matrix: FeatureMatrix, period: Period, stride: int = 1, max_samples: int | None = None) -> SampleSet:
    """Rows whose bar opens inside ``period`` with a full window and a valid label; with ``stride``
    k only bars on a k-minute clock grid (the same bars whatever the data's start), then at most
    ``max_samples`` of them, evenly spaced over the period's rows (deterministic, no draw)."""
    if stride < 1:
        raise ValueError(f"stride must be at least 1, got {stride}")
    t = matrix.open_time_ms
    inside = (t >= datetime_to_ms(period.start)) & (t < datetime_to_ms(period.end))
    keep = inside & matrix.window_ends & matrix.labelled
    if stride > 1:
        keep &= (t // MINUTE_MS) % stride == 0
    rows = np.flatnonzero(keep).astype(np.int64)
    if max_samples is not None and len(rows) > max_samples:
        rows = rows[np.unique(np.linspace(0, len(rows) - 1, max_samples).round().astype(np.int64))]
    return SampleSet(period, rows)
