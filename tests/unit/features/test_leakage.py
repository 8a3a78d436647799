"""The leakage guard passes the real pipeline and catches calculators that peek ahead."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.features import PandasFeatureCalculator
from application.features.compute import raw_features
from application.features.leakage import CheckLeakage, differing_columns, perturb_after
from domain.features.definitions import FeatureSpec
from domain.market.candles import MINUTE_MS, FloatArray, Pair
from domain.market.quality import Ohlcv
from tests.fakes.candles import T0, drop_minutes, make_candles

BTC = Pair("BTCUSDT")
FIT = (T0 + 200 * MINUTE_MS, T0 + 2000 * MINUTE_MS)


@pytest.fixture(scope="module")
def candles() -> Ohlcv:
    return drop_minutes(make_candles(5000, seed=11), *range(900, 905), 2500, *range(3100, 3300))


def test_features_at_or_before_t_ignore_the_future_at_many_random_times(candles: Ohlcv) -> None:
    report = CheckLeakage(PandasFeatureCalculator())(BTC, candles, *FIT, samples=40, seed=20260101)
    assert report.passed, report.failures
    assert len(report.cases) == 2 * 40 + 1
    assert {c.variant for c in report.cases} == {"truncated", "perturbed", "fit-window"}


def test_the_same_seed_checks_the_same_times(candles: Ohlcv) -> None:
    check = CheckLeakage(PandasFeatureCalculator())
    first = [c.open_time_ms for c in check(BTC, candles, *FIT, samples=5, seed=1).cases]
    assert first == [c.open_time_ms for c in check(BTC, candles, *FIT, samples=5, seed=1).cases]
    assert first != [c.open_time_ms for c in check(BTC, candles, *FIT, samples=5, seed=2).cases]


def test_perturbation_changes_every_price_after_t_and_keeps_the_past(candles: Ohlcv) -> None:
    changed = perturb_after(candles, 1000, np.random.default_rng(0))
    assert changed.open_time_ms[:1001].tobytes() == candles.open_time_ms[:1001].tobytes()
    assert changed.close[:1001].tobytes() == candles.close[:1001].tobytes()
    later = np.searchsorted(candles.open_time_ms, changed.open_time_ms[1001:])
    assert not np.any(changed.close[1001:] == candles.close[later])
    assert len(changed) < min(len(candles), 1001 + 1440)  # minutes were dropped: new gaps after T
    assert (changed.high >= np.maximum(changed.open, changed.close)).all()


class CenteredCalculator(PandasFeatureCalculator):
    """A classic leak: a centred moving average, half of whose window lies in the future."""

    def market_features(self, candles: Ohlcv, spec: FeatureSpec,
                        extras: Mapping[str, FloatArray] | None = None) -> dict[str, FloatArray]:
        out = super().market_features(candles, spec, extras)
        close = candles.close
        kernel = np.ones(5) / 5
        out["ret_5"] = np.log(close / np.convolve(close, kernel, mode="same"))
        return out


class WholeSeriesScaleCalculator(PandasFeatureCalculator):
    """Another classic: scaling by a statistic of the whole series, future included."""

    def market_features(self, candles: Ohlcv, spec: FeatureSpec,
                        extras: Mapping[str, FloatArray] | None = None) -> dict[str, FloatArray]:
        out = super().market_features(candles, spec, extras)
        out["log_volume"] = out["log_volume"] - np.nanmean(out["log_volume"])
        return out


@pytest.mark.parametrize(("calculator", "column"), [(CenteredCalculator(), "ret_5"),
                                                      (WholeSeriesScaleCalculator(), "log_volume")])
def test_a_leaky_calculator_is_caught(candles: Ohlcv, calculator: PandasFeatureCalculator, column: str) -> None:
    report = CheckLeakage(calculator)(BTC, candles, *FIT, samples=30, seed=5)
    assert not report.passed
    assert all(column in c.mismatched for c in report.failures if c.variant != "fit-window")


def test_differing_columns_compares_bits_not_values(candles: Ohlcv) -> None:
    spec = FeatureSpec()
    full = raw_features(candles, spec, PandasFeatureCalculator())
    assert differing_columns(full, full, len(candles)) == ()
    flipped = {**full.market, "rv_15": full.market["rv_15"].copy()}
    flipped["rv_15"][500] = np.nextafter(flipped["rv_15"][500], 1.0)  # one ulp
    import attrs

    other = attrs.evolve(full, market=flipped)
    assert differing_columns(full, other, 501) == ("rv_15",)
    assert differing_columns(full, other, 500) == ()


@settings(max_examples=25, deadline=None)
@given(n=st.integers(80, 400), gaps=st.lists(st.integers(1, 399), max_size=6), t=st.floats(0, 1), seed=st.integers(0, 99))
def test_truncation_never_changes_the_past_for_any_shape_of_history(n: int, gaps: list[int], t: float,
                                                                    seed: int) -> None:
    """Runs shorter than every window, gaps next to each other, T on a run's first bar..."""
    candles = drop_minutes(make_candles(n + 10, seed=seed), *sorted({g for g in gaps if g < n + 10}))
    index = int(t * (len(candles) - 1))
    spec = FeatureSpec(return_windows=(1, 3, 30), volatility_windows=(5, 20), regime_window=20)
    calculator = PandasFeatureCalculator()
    full = raw_features(candles, spec, calculator)
    cut = raw_features(candles.take(slice(0, index + 1)), spec, calculator)
    changed = raw_features(perturb_after(candles, index, np.random.default_rng(seed)), spec, calculator)
    assert differing_columns(full, cut, index + 1) == ()
    assert differing_columns(full, changed, index + 1) == ()
