"""Runs, exclusion flags, calendar encoding, regime thresholds and the normalizer."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from domain.features.definitions import (
    FeatureSpec,
    RowStatus,
    calendar_columns,
    contiguous_runs,
    row_status,
    status_counts,
)
from domain.features.normalize import Normalizer
from domain.features.regimes import MISSING_REGIME, Regime, RegimeThresholds
from domain.market.candles import MINUTE_MS, datetime_to_ms

T0 = datetime_to_ms(datetime(2025, 3, 3, tzinfo=UTC))  # a Monday


def minutes(*offsets: int) -> np.ndarray:
    return T0 + MINUTE_MS * np.array(offsets, dtype=np.int64)


def test_runs_break_at_every_missing_minute() -> None:
    runs = contiguous_runs(minutes(0, 1, 2, 5, 6, 100))
    assert runs.run_id.tolist() == [0, 0, 0, 1, 1, 2]
    assert runs.position.tolist() == [0, 1, 2, 0, 1, 0]
    assert runs.bounds() == [(0, 3), (3, 5), (5, 6)]
    assert runs.count == 3


@pytest.mark.parametrize(("times", "message"), [
    (minutes(0, 2, 1), "strictly increasing"),
    (minutes(0, 0), "strictly increasing"),
    (minutes(0, 1) + 30_000, "whole minutes"),
])
def test_runs_refuse_unsorted_or_off_grid_times(times: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        contiguous_runs(times)


def test_row_status_separates_warm_up_from_gaps_and_counts_them() -> None:
    runs = contiguous_runs(minutes(*range(5), *range(10, 13), *range(20, 30)))
    status = row_status(runs, warmup=3)
    assert status[:5].tolist() == [RowStatus.WARMUP] * 3 + [RowStatus.USABLE] * 2
    assert status[5:8].tolist() == [RowStatus.GAP] * 3  # a run shorter than the warm-up is excluded whole
    assert status[8:].tolist() == [RowStatus.GAP] * 3 + [RowStatus.USABLE] * 7
    assert status_counts(status) == {"usable": 9, "warmup": 3, "gap": 6}


def test_spec_warmup_is_the_longest_window_and_regime_column_must_exist() -> None:
    assert FeatureSpec().warmup == 60
    assert FeatureSpec(return_windows=(1, 240)).warmup == 240
    with pytest.raises(ValueError, match="regime_window"):
        FeatureSpec(regime_window=30)
    with pytest.raises(ValueError, match="windows"):
        FeatureSpec(return_windows=(0, 5))
    with pytest.raises(ValueError, match="atr_period"):
        FeatureSpec(atr_period=1)


def test_market_columns_list_optional_inputs_only_when_present() -> None:
    spec = FeatureSpec()
    assert "taker_buy_ratio" not in spec.market_columns()
    assert spec.market_columns(("trades", "taker_buy_volume"))[-2:] == ("log_trades", "taker_buy_ratio")


def test_calendar_is_cyclical_in_utc() -> None:
    cal = calendar_columns(minutes(0, 6 * 60, 12 * 60, 24 * 60 - 1, 7 * 1440))
    assert np.allclose(cal["hour_sin"][:3], [0, 1, 0], atol=1e-12)
    assert np.allclose(cal["hour_cos"][:3], [1, 0, -1], atol=1e-12)
    assert cal["hour_cos"][3] == pytest.approx(1, abs=1e-4)  # 23:59 sits next to midnight
    assert cal["dow_sin"][0] == pytest.approx(0) and cal["dow_cos"][0] == pytest.approx(1)  # Monday
    assert cal["dow_sin"][4] == pytest.approx(cal["dow_sin"][0])  # a week later


def test_regime_thresholds_are_terciles_of_the_training_values() -> None:
    thresholds = RegimeThresholds.fit("rv_60", np.array([*np.arange(1.0, 10.0), np.nan]))
    assert (thresholds.low, thresholds.high) == pytest.approx((11 / 3, 19 / 3))
    regimes = thresholds.classify(np.array([1.0, 5.0, 9.0, np.nan, thresholds.high]))
    assert regimes.tolist() == [Regime.LOW, Regime.MEDIUM, Regime.HIGH, MISSING_REGIME, Regime.HIGH]
    assert RegimeThresholds.from_dict(thresholds.as_dict()) == thresholds


def test_regime_thresholds_need_finite_training_values() -> None:
    with pytest.raises(ValueError, match="no finite rv_60"):
        RegimeThresholds.fit("rv_60", np.array([np.nan]))
    with pytest.raises(ValueError, match="low <= high"):
        RegimeThresholds("rv_60", 2.0, 1.0)


def test_normalizer_fits_the_selected_rows_only_and_round_trips() -> None:
    values = np.array([1.0, 2.0, 3.0, 1000.0])
    rows = np.array([True, True, True, False])
    normalizer = Normalizer.fit({"x": values, "flat": np.ones(4)}, rows)
    assert normalizer.mean["x"] == 2.0 and normalizer.std["x"] == pytest.approx(np.sqrt(2 / 3))
    assert normalizer.std["flat"] == 1.0 and normalizer.apply("flat", np.ones(2)).tolist() == [0.0, 0.0]
    assert np.allclose(normalizer.invert("x", normalizer.apply("x", values)), values)
    assert Normalizer.from_dict(normalizer.as_dict()) == normalizer


def test_normalizer_refuses_a_column_without_training_values() -> None:
    with pytest.raises(ValueError, match="feature x has no finite value"):
        Normalizer.fit({"x": np.array([np.nan, 1.0])}, np.array([True, False]))
