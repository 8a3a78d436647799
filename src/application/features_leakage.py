"""Use case: prove that no feature reads the future.

For random bars T (seeded), the raw features of every bar at or before T must be bit-identical
when everything after T is removed, and when it is perturbed (prices and volumes rescaled,
minutes dropped). The normalizer and regime thresholds must be unchanged when the candles after
the fit window are perturbed, and when the feature values outside the fit window are replaced.
Labels never enter features: the stored features are bit-identical under another label spec.
"""

from __future__ import annotations

import attrs
import numpy as np

from application.features_compute import RawFeatures, fit, raw_features
from application.ports_features import FeatureCalculator
from domain.data_quality import Ohlcv
from domain.features import FeatureSpec
from domain.labels import LABEL_COLUMNS
from domain.market import Pair

PERTURB_MINUTES = 1440  # perturbed future kept per sample: enough to cross windows, cheap to compute


@attrs.frozen
class LeakageCase:
    pair: str
    open_time_ms: int
    variant: str  # "truncated", "perturbed", "fit-window", "labels"
    mismatched: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.mismatched


@attrs.frozen
class LeakageReport:
    cases: tuple[LeakageCase, ...]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.cases)

    @property
    def failures(self) -> tuple[LeakageCase, ...]:
        return tuple(c for c in self.cases if not c.passed)


def differing_columns(full: RawFeatures, partial: RawFeatures, upto: int) -> tuple[str, ...]:
    """Columns whose first ``upto`` rows differ in any bit (NaN payloads included)."""
    ours, theirs = full.columns(), partial.columns()
    return tuple(name for name in ours
                 if name not in theirs or np.ascontiguousarray(ours[name][:upto]).tobytes()
                 != np.ascontiguousarray(theirs[name][:upto]).tobytes())


def perturb_after(candles: Ohlcv, index: int, rng: np.random.Generator, keep: int = PERTURB_MINUTES) -> Ohlcv:
    """Rows after ``index``: OHLC rescaled together (so bars stay consistent), volume rescaled,
    a few minutes dropped (new gaps); rows beyond ``keep`` minutes removed."""
    head = candles.take(slice(0, index + 1))
    tail = candles.take(slice(index + 1, index + 1 + keep))
    if len(tail) == 0:
        return head
    scale = np.exp(rng.normal(0.0, 0.01, len(tail)))
    volume = tail.volume * rng.uniform(0.2, 5.0, len(tail))
    kept = np.ones(len(tail), dtype=bool)
    kept[rng.integers(0, len(tail), size=min(5, len(tail) // 2))] = False
    changed = Ohlcv(tail.open_time_ms, tail.open * scale, tail.high * scale, tail.low * scale, tail.close * scale,
                    volume).take(kept)
    return Ohlcv.concat([head, changed])


class CheckLeakage:
    def __init__(self, calculator: FeatureCalculator, spec: FeatureSpec | None = None) -> None:
        self._calculator = calculator
        self._spec = spec or FeatureSpec()

    def __call__(self, pair: Pair, candles: Ohlcv, fit_start_ms: int, fit_end_ms: int, samples: int,
                 seed: int) -> LeakageReport:
        rng = np.random.default_rng(seed)
        full = raw_features(candles, self._spec, self._calculator)
        cases: list[LeakageCase] = []
        lo = min(self._spec.warmup, len(candles) - 1)
        for index in np.sort(rng.integers(lo, len(candles), size=samples)).tolist():
            cases += self._future_cases(pair, candles, full, int(index), rng)
        cases.append(self._fit_case(pair, candles, full, fit_start_ms, fit_end_ms, rng))
        return LeakageReport(tuple(cases))

    def _future_cases(self, pair: Pair, candles: Ohlcv, full: RawFeatures, index: int,
                      rng: np.random.Generator) -> list[LeakageCase]:
        at = int(candles.open_time_ms[index])
        truncated = raw_features(candles.take(slice(0, index + 1)), self._spec, self._calculator)
        perturbed = raw_features(perturb_after(candles, index, rng), self._spec, self._calculator)
        return [LeakageCase(pair.symbol, at, "truncated", differing_columns(full, truncated, index + 1)),
                LeakageCase(pair.symbol, at, "perturbed", differing_columns(full, perturbed, index + 1))]

    def _fit_case(self, pair: Pair, candles: Ohlcv, full: RawFeatures, fit_start_ms: int, fit_end_ms: int,
                  rng: np.random.Generator) -> LeakageCase:
        """The fit must read candles before ``fit_end`` and feature rows inside the window only."""
        reference = fit(full, self._spec, fit_start_ms, fit_end_ms, pair.symbol)
        after = int(np.searchsorted(candles.open_time_ms, fit_end_ms))
        changed = raw_features(perturb_after(candles, after - 1, rng, keep=len(candles)), self._spec,
                               self._calculator) if after > 0 else full
        outside = (full.open_time_ms < fit_start_ms) | (full.open_time_ms >= fit_end_ms)
        scrambled = attrs.evolve(full, market={k: np.where(outside, rng.normal(size=len(v)), v)
                                               for k, v in full.market.items()})
        mismatched = [name for name, other in (("after-fit-end", changed), ("outside-window", scrambled))
                      if fit(other, self._spec, fit_start_ms, fit_end_ms, pair.symbol) != reference]
        overlap = sorted(set(full.columns()) & set(LABEL_COLUMNS))
        return LeakageCase(pair.symbol, fit_end_ms, "fit-window", tuple(mismatched + overlap))
