"""The leakage guard checks what the build stores: pipelines with one planted leak each (a step
that reads the next bar) must be caught, in the column the leak is in."""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import numpy as np
import pytest

from adapters.features import PandasFeatureCalculator
from application.features.compute import FeaturePipeline, Fit, PairBuild, PairPlan, RawFeatures, fit
from application.features.leakage import CheckLeakage, LeakageReport
from domain.features.definitions import REGIME_COLUMN, BoolArray, FeatureSpec, RowStatus
from domain.features.labels import LabelSpec
from domain.market.candles import MINUTE_MS, FloatArray, Pair
from domain.market.extras import OhlcvExtras
from domain.market.quality import Ohlcv
from tests.fakes.candles import T0, drop_minutes, make_candles
from tests.unit.features.kline_files import with_extras

BTC = Pair("BTCUSDT")
FIT = (T0 + 200 * MINUTE_MS, T0 + 2000 * MINUTE_MS)
CALCULATOR = PandasFeatureCalculator()


@pytest.fixture(scope="module")
def candles() -> Ohlcv:
    return drop_minutes(make_candles(5000, seed=11), *range(900, 905), 2500, *range(3100, 3300))


def next_row(values: np.ndarray, fill: object) -> np.ndarray:
    """Each row gets the value of the row after it: the one-bar future shift of the mutations."""
    shifted = np.empty_like(values)
    shifted[:-1] = values[1:]
    if len(values):
        shifted[-1] = fill
    return shifted


class ShiftedNormalized(FeaturePipeline):
    """Stores ret_15 normalized from the next stored row."""

    def finish(self, raw: RawFeatures, spec: FeatureSpec, fitted: Fit, rows: BoolArray) -> dict[str, np.ndarray]:
        out = super().finish(raw, spec, fitted, rows)
        out["ret_15"] = next_row(out["ret_15"], np.nan)
        return out


class RegimeOfNextBar(FeaturePipeline):
    """Classifies each bar by the next bar's realized volatility."""

    def finish(self, raw: RawFeatures, spec: FeatureSpec, fitted: Fit, rows: BoolArray) -> dict[str, np.ndarray]:
        out = super().finish(raw, spec, fitted, rows)
        out[REGIME_COLUMN] = fitted.regime.classify(next_row(raw.market[spec.regime_column], np.nan))[rows]
        return out


class SessionsOfNextBar(FeaturePipeline):
    """Session flags taken from the next loaded candle."""

    def raw(self, candles: Ohlcv, spec: FeatureSpec, extras: Mapping[str, FloatArray] | None) -> RawFeatures:
        raw = super().raw(candles, spec, extras)
        return attrs.evolve(raw, sessions={k: next_row(v, False) for k, v in raw.sessions.items()})


class ExcludesBarsBeforeGaps(FeaturePipeline):
    """Row selection that peeks ahead: a bar followed by a gap is marked excluded."""

    def raw(self, candles: Ohlcv, spec: FeatureSpec, extras: Mapping[str, FloatArray] | None) -> RawFeatures:
        raw = super().raw(candles, spec, extras)
        status = raw.status.copy()
        status[:-1][np.diff(raw.open_time_ms) != MINUTE_MS] = RowStatus.GAP
        return attrs.evolve(raw, status=status)


class FitOnEverything(FeaturePipeline):
    """The normalizer and thresholds fitted on every usable row, the test period included."""

    def fit(self, raw: RawFeatures, plan: PairPlan, pair: str) -> Fit:
        return fit(raw, plan.spec, int(raw.open_time_ms[0]), int(raw.open_time_ms[-1]) + MINUTE_MS, pair)


class LabelInFeature(FeaturePipeline):
    """A feature that reads the label: the forward return leaks into ret_1."""

    def build(self, pair: Pair, candles: Ohlcv, plan: PairPlan, extras: Mapping[str, FloatArray] | None = None,
              fitted: Fit | None = None) -> PairBuild:
        build = super().build(pair, candles, plan, extras, fitted)
        features = {**build.table.features, "ret_1": np.nan_to_num(build.table.labels["label_return"])}
        return attrs.evolve(build, table=attrs.evolve(build.table, features=features))


def check(pipeline: FeaturePipeline, candles: Ohlcv, samples: int = 12, seed: int = 5) -> LeakageReport:
    return CheckLeakage(CALCULATOR, pipeline=pipeline)(BTC, candles, *FIT, samples=samples, seed=seed)


def future_failures(report: LeakageReport) -> list[tuple[str, ...]]:
    return [c.mismatched for c in report.failures if c.variant in ("truncated", "perturbed")]


@pytest.mark.parametrize(("pipeline", "column"), [
    (ShiftedNormalized(CALCULATOR), "ret_15"),
    (RegimeOfNextBar(CALCULATOR), REGIME_COLUMN),
    (SessionsOfNextBar(CALCULATOR), "session_"),
])
def test_a_one_bar_future_shift_in_a_stored_column_is_caught(candles: Ohlcv, pipeline: FeaturePipeline,
                                                             column: str) -> None:
    failures = future_failures(check(pipeline, candles))
    assert failures, "the planted leak went unnoticed"
    assert all(names and all(name.startswith(column) for name in names) for names in failures)


def check_at(pipeline: FeaturePipeline, candles: Ohlcv, *indices: int) -> LeakageReport:
    return CheckLeakage(CALCULATOR, pipeline=pipeline).at(BTC, candles, *FIT, indices, np.random.default_rng(0))


def test_a_session_shift_is_caught_where_a_session_is_open_next() -> None:
    candles = make_candles(3 * 1440, seed=3)  # from Friday 2021-01-01 00:00 UTC
    # 07:59 UTC: Tokyo is open and London opens at 08:00 (winter); 23:59: every session is shut
    report = check_at(SessionsOfNextBar(CALCULATOR), candles, 7 * 60 + 59, 23 * 60 + 59)
    truncated, perturbed, at_midnight, _, _ = report.cases
    assert truncated.mismatched == ("session_tokyo", "session_london")
    assert perturbed.passed  # the perturbed future keeps its times: only the cut shows a calendar shift
    assert at_midnight.passed  # nothing opens at 00:00 UTC on Saturday


def test_row_selection_that_peeks_at_the_next_bar_is_caught(candles: Ohlcv) -> None:
    before_gap, elsewhere = 899, 1500  # minutes 900-904 are missing
    truncated, perturbed, *_ = check_at(ExcludesBarsBeforeGaps(CALCULATOR), candles, before_gap, elsewhere).cases
    assert truncated.mismatched[0] == "open_time_ms" and "status" in truncated.mismatched
    assert perturbed.passed  # the gap after T is in the perturbed future too: only the cut shows it


def test_a_fit_that_reads_past_the_fit_window_is_caught(candles: Ohlcv) -> None:
    report = check(FitOnEverything(CALCULATOR), candles, samples=2)
    [whole] = [c for c in report.cases if c.variant == "fit-window"]
    assert {"fit after-fit-end", "fit outside-window"} <= set(whole.mismatched)


def test_labels_entering_features_are_caught_by_the_other_label_spec(candles: Ohlcv) -> None:
    report = check(LabelInFeature(CALCULATOR), candles, samples=2)
    [whole] = [c for c in report.cases if c.variant == "fit-window"]
    assert "ret_1 other-labels" in whole.mismatched
    assert not any("other-labels" in name for name in whole.mismatched if not name.startswith("ret_1"))


def test_the_label_check_would_notice_a_label_spec_that_changes_nothing(candles: Ohlcv) -> None:
    class IgnoresLabelSpec(FeaturePipeline):
        def labels(self, candles: Ohlcv, raw: RawFeatures, plan: PairPlan, rows: BoolArray) -> dict[str, np.ndarray]:
            return super().labels(candles, raw, attrs.evolve(plan, labels=LabelSpec()), rows)

    [whole] = [c for c in check(IgnoresLabelSpec(CALCULATOR), candles, samples=1).cases if c.variant == "fit-window"]
    assert whole.mismatched == ("labels unchanged by another label spec",)


def test_samples_compare_a_window_around_t_not_the_whole_history(candles: Ohlcv) -> None:
    """The recomputation is bounded, so the CLI stays fast on years of candles."""
    seen: list[int] = []

    class Counting(FeaturePipeline):
        def raw(self, candles: Ohlcv, spec: FeatureSpec, extras: Mapping[str, FloatArray] | None) -> RawFeatures:
            seen.append(len(candles))
            return super().raw(candles, spec, extras)

    long = make_candles(20_000, seed=8)
    check(Counting(CALCULATOR), long, samples=5)
    whole = [n for n in seen if n > len(long) - 10]
    assert len(whole) == 3  # the reference, the perturbed future of the fit window, the other label spec
    assert len(seen) == 3 + 3 * 5 and max(n for n in seen if n not in whole) <= 3 * 1440 + 1


class NextTakerRatio(PandasFeatureCalculator):
    """The taker-buy ratio of the next bar: a leak through an optional input."""

    def market_features(self, candles: Ohlcv, spec: FeatureSpec,
                        extras: Mapping[str, FloatArray] | None = None) -> dict[str, FloatArray]:
        out = super().market_features(candles, spec, extras)
        out["taker_buy_ratio"] = next_row(out["taker_buy_ratio"], np.nan)
        return out


def test_the_extras_are_checked_when_the_candles_have_them(candles: Ohlcv) -> None:
    rich = with_extras(candles)
    assert CheckLeakage(CALCULATOR)(BTC, rich, *FIT, samples=6, seed=1).passed
    report = CheckLeakage(NextTakerRatio())(BTC, rich, *FIT, samples=6, seed=1)
    failures = future_failures(report)
    assert {c.variant for c in report.failures} >= {"truncated", "perturbed"}
    assert failures and all(names == ("taker_buy_ratio",) for names in failures)


def test_extras_known_for_part_of_the_history_are_left_out_of_every_build(candles: Ohlcv) -> None:
    partial = OhlcvExtras.of(candles, {"trades": np.where(np.arange(len(candles)) > 2600, 5.0, np.nan)})
    assert CheckLeakage(CALCULATOR)(BTC, partial, *FIT, samples=6, seed=1).passed
