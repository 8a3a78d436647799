"""The synthetic-data rules: the share and its cap, the guard on validation and test, and the
conversion of generated series into candles whose prices stay above zero."""

from __future__ import annotations

import numpy as np
import pytest

from domain.market.candles import MINUTE_MS
from domain.research.synthetic import (
    DEFAULT_MAX_SHARE,
    HARD_LIMIT,
    SyntheticMix,
    SyntheticShareError,
    SyntheticTag,
    candles_from_paths,
    per_minute_features,
    require_real,
)


def test_synthetic_data_is_off_by_default_and_capped_at_ten_percent() -> None:
    mix = SyntheticMix()
    assert mix.share == 0.0 and mix.max_share == DEFAULT_MAX_SHARE == 0.10
    assert mix.rows_for(10_000) == 0


@pytest.mark.parametrize(("share", "real", "expected"), [(0.10, 9_000, 1_000), (0.20, 8_000, 2_000), (0.10, 10, 1)])
def test_the_share_is_of_the_whole_training_set(share: float, real: int, expected: int) -> None:
    synthetic = SyntheticMix(share, max_share=0.20).rows_for(real)
    assert synthetic == expected
    assert synthetic / (real + synthetic) <= share


def test_a_share_above_the_cap_is_refused_naming_the_setting() -> None:
    with pytest.raises(SyntheticShareError, match="max_synthetic_share"):
        SyntheticMix(0.15)  # the default cap is 10 %
    assert SyntheticMix(0.15, max_share=0.15).share == 0.15


@pytest.mark.parametrize("cap", [0.21, 0.5, 1.0, -0.1])
def test_a_cap_above_twenty_percent_is_refused(cap: float) -> None:
    with pytest.raises(SyntheticShareError, match=r"max_synthetic_share must be within \[0, 0.20\]"):
        SyntheticMix(0.0, max_share=cap)
    assert SyntheticMix(HARD_LIMIT, max_share=HARD_LIMIT).rows_for(4) == 1


def test_validation_and_test_refuse_synthetic_rows() -> None:
    require_real("validation", 0)
    with pytest.raises(SyntheticShareError, match="only ever enter the training split"):
        require_real("validation", 3)


def test_a_tag_names_its_generator() -> None:
    assert SyntheticTag("gan-abc").synthetic is True
    with pytest.raises(ValueError, match="version"):
        SyntheticTag("")


def test_generated_series_become_consistent_candles_with_positive_prices() -> None:
    rng = np.random.default_rng(7)
    paths, bars = 50, 300
    # wild inputs: returns of +-50 % a minute, a crash path of -20 % every minute
    log_return = rng.normal(0, 0.5, (paths, bars))
    log_return[0] = -0.2
    log_range = rng.normal(-6, 3, (paths, bars))
    log_volume = rng.normal(1, 2, (paths, bars))
    times = np.arange(bars, dtype=np.int64)[None, :] * MINUTE_MS + np.zeros((paths, 1), dtype=np.int64)
    series = candles_from_paths(np.full(paths, 100.0), times, log_return, log_range, log_volume)
    for candles in series:
        assert np.all(candles.low > 0) and np.all(candles.volume >= 0)
        assert np.all(candles.high >= np.maximum(candles.open, candles.close))
        assert np.all(candles.low <= np.minimum(candles.open, candles.close))
        np.testing.assert_allclose(candles.open[1:], candles.close[:-1])
    np.testing.assert_allclose(series[0].close[-1], 100.0 * np.exp(-0.2 * bars))


def test_features_and_candles_round_trip() -> None:
    """per_minute_features inverts candles_from_paths (up to the wick split), so the generator
    learns exactly what is turned back into prices."""
    rng = np.random.default_rng(1)
    r, g, v = rng.normal(0, 1e-4, (1, 100)), np.log(rng.uniform(1e-3, 2e-3, (1, 100))), rng.normal(3, 1, (1, 100))
    candles = candles_from_paths(np.array([50.0]), np.arange(100, dtype=np.int64)[None] * MINUTE_MS, r, g, v)[0]
    back_r, back_g, back_v = per_minute_features(candles)
    np.testing.assert_allclose(back_r, r[0, 1:], atol=1e-12)
    np.testing.assert_allclose(back_g, g[0, 1:], atol=1e-9)
    np.testing.assert_allclose(back_v, v[0, 1:], atol=1e-9)


def test_non_finite_or_non_positive_inputs_are_refused() -> None:
    times = np.zeros((1, 3), dtype=np.int64)
    ok = np.zeros((1, 3))
    with pytest.raises(ValueError, match="anchor"):
        candles_from_paths(np.array([0.0]), times, ok, ok, ok)
    with pytest.raises(ValueError, match="log_return"):
        candles_from_paths(np.array([1.0]), times, np.full((1, 3), np.nan), ok, ok)
