"""Labels read t+1..t+H only and are missing where the horizon crosses a gap or the data ends."""

from __future__ import annotations

import numpy as np
import pytest

from domain.features.definitions import contiguous_runs
from domain.features.labels import LabelSpec, horizon_valid, make_labels
from domain.market.candles import MINUTE_MS

H = 3


def runs_of(n: int, missing: tuple[int, ...] = ()) -> tuple[np.ndarray, object]:
    offsets = np.array([i for i in range(n + len(missing)) if i not in missing], dtype=np.int64)
    return offsets, contiguous_runs(offsets * MINUTE_MS)


def test_direction_is_the_sign_of_the_horizon_return_with_a_dead_zone() -> None:
    close = np.array([100.0, 101, 99, 100.05, 102, 99, 98, 100])
    _, runs = runs_of(len(close))
    atr = np.full(len(close), 2.0)
    plain = make_labels(close, runs, LabelSpec(H), atr)
    assert plain.direction.tolist()[:5] == [1, 1, 0, -1, -1]  # 99 -> 99 is flat
    assert plain.forward_return[0] == pytest.approx(0.0005)
    dead = make_labels(close, runs, LabelSpec(H, dead_zone_bps=10), atr)
    assert dead.direction.tolist()[:5] == [0, 1, 0, -1, -1]  # +5 bps is inside the 10 bps dead zone
    assert plain.valid.tolist() == [True] * 5 + [False] * 3


def test_trend_strength_in_atrs_and_signed_efficiency() -> None:
    close = np.array([100.0, 102, 101, 104, 90])
    _, runs = runs_of(len(close))
    labels = make_labels(close, runs, LabelSpec(H), np.array([2.0, 1, 1, 1, 1]))
    assert labels.trend_atr[0] == pytest.approx(4 / 2)
    assert labels.efficiency[0] == pytest.approx(4 / (2 + 1 + 3))
    assert labels.efficiency[1] == pytest.approx(-12 / (1 + 3 + 14))
    assert np.isnan(labels.trend_atr[2]) and np.isnan(labels.efficiency[2])


def test_labels_are_missing_where_the_horizon_crosses_a_gap() -> None:
    _, runs = runs_of(10, missing=(5,))  # rows 0-4 then a gap then rows 5-9
    valid = horizon_valid(runs, H)
    assert valid.tolist() == [True, True, False, False, False, True, True, False, False, False]
    labels = make_labels(np.linspace(100, 110, 10), runs, LabelSpec(H), np.ones(10))
    assert labels.missing == 6 and np.isnan(labels.forward_return[~valid]).all()
    assert (labels.direction[~valid] == 0).all()


def test_label_at_t_reads_only_bars_t_to_t_plus_h() -> None:
    rng = np.random.default_rng(3)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 50)))
    _, runs = runs_of(50)
    atr = np.ones(50)
    base = make_labels(close, runs, LabelSpec(H), atr)
    t = 20
    for changed in (t - 1, t + H + 1):
        other = close.copy()
        other[changed] *= 1.5
        moved = make_labels(other, runs, LabelSpec(H), atr)
        for column in ("forward_return", "trend_atr", "efficiency", "direction"):
            assert getattr(moved, column)[t] == getattr(base, column)[t], (changed, column)
    other = close.copy()
    other[t + H] *= 1.5
    assert make_labels(other, runs, LabelSpec(H), atr).forward_return[t] != base.forward_return[t]


def test_label_spec_validates_its_fields() -> None:
    with pytest.raises(ValueError, match="horizon"):
        LabelSpec(0)
    with pytest.raises(ValueError, match="dead zone"):
        LabelSpec(15, -1)
