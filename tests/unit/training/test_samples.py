"""Windows are views into one matrix and never cross a segment, a pair or a missing label."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from application.models.training.samples import build_matrix, full_windows, period_samples
from domain.features.splits import Period
from domain.market.candles import MINUTE_MS
from tests.unit.training.builders import FEATURES, START, pair_rows

W = 20


def test_every_sample_window_lies_in_one_segment_of_consecutive_minutes() -> None:
    btc, eth = pair_rows("BTCUSDT", seed=1, gap_every=300), pair_rows("ETHUSDT", seed=2, gap_every=450)
    matrix = build_matrix([btc, eth], FEATURES, W)
    samples = period_samples(matrix, Period("all", START, START + timedelta(days=10)))
    assert len(samples) > 1000
    segments = np.concatenate([btc.segment, eth.segment + 10_000])  # a pair's segments are its own
    first = samples.rows - (W - 1)
    assert np.all(segments[first] == segments[samples.rows])
    assert np.all(matrix.pair_index[first] == matrix.pair_index[samples.rows])
    assert np.all(matrix.open_time_ms[samples.rows] - matrix.open_time_ms[first] == (W - 1) * MINUTE_MS)
    assert matrix.labelled[samples.rows].all()
    # the rows just after each hole cannot end a window; the first full one can
    starts = np.flatnonzero(np.diff(btc.segment) != 0) + 1
    assert not matrix.window_ends[starts + W - 2].any() and matrix.window_ends[starts + W - 1].all()


def test_windows_are_gathered_from_a_view_and_hold_the_rows() -> None:
    table = pair_rows()
    matrix = build_matrix([table], FEATURES, W)
    rows = period_samples(matrix, Period("all", START, START + timedelta(days=10))).rows[[0, 7, -1]]
    assert np.shares_memory(matrix._view, matrix.values)  # the sliding view copies nothing
    windows = matrix.windows(rows)
    assert windows.shape == (3, W, len(FEATURES))
    for k, row in enumerate(rows):
        expected = np.column_stack([table.features[f][row - W + 1: row + 1] for f in FEATURES])
        np.testing.assert_array_equal(windows[k], expected)


def test_a_window_over_a_non_finite_value_or_a_missing_label_is_no_sample() -> None:
    table = pair_rows(gap_every=0)
    table.features["ret_1"][500] = np.nan
    table.labels["label_valid"][800] = False
    matrix = build_matrix([table], FEATURES, W)
    rows = set(period_samples(matrix, Period("all", START, START + timedelta(days=10))).rows.tolist())
    assert not rows & set(range(500, 500 + W)) and 499 in rows and 500 + W in rows
    assert 800 not in rows and 799 in rows
    with pytest.raises(ValueError, match="full window"):
        matrix.windows(np.array([505]))


def test_full_windows_on_a_hand_made_series() -> None:
    segment = np.array([0, 0, 0, 1, 1, 1, 1])
    t = np.array([0, 1, 2, 4, 5, 6, 8]) * MINUTE_MS  # segment 1 also skips a minute at the end
    ends = full_windows(segment, t, np.ones(7, dtype=bool), 3)
    assert ends.tolist() == [False, False, True, False, False, True, False]


def test_period_stride_and_max_samples_are_deterministic_and_inside_the_period() -> None:
    matrix = build_matrix([pair_rows()], FEATURES, W)
    day = Period("day", START + timedelta(days=1), START + timedelta(days=2))
    every = period_samples(matrix, day)
    t = matrix.open_time_ms[every.rows]
    assert t.min() >= START.timestamp() * 1000 + 1440 * MINUTE_MS and t.max() < (START.timestamp() + 2 * 86400) * 1000
    strided = period_samples(matrix, day, stride=5)
    assert np.all((matrix.open_time_ms[strided.rows] // MINUTE_MS) % 5 == 0)
    few = period_samples(matrix, day, max_samples=100)
    assert len(few) == 100 and few.rows[0] == every.rows[0] and few.rows[-1] == every.rows[-1]
    np.testing.assert_array_equal(few.rows, period_samples(matrix, day, max_samples=100).rows)
