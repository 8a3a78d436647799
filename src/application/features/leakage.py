"""Use case: prove that no stored feature reads the future.

What is compared is what the build stores: the finished columns (normalized market features,
calendar, sessions, the regime), the row selection (open times and segments of the stored rows)
and the exclusion flags, all made by the same ``FeaturePipeline`` as the build.

- For random bars T (seeded), the build of a window around T is compared with the build of the
  same window cut after T ("truncated") and with the window whose candles after T are perturbed
  ("perturbed": prices and volumes rescaled, extras too, minutes dropped). Everything at or
  before T must be bit-identical. Both builds use the fit of the whole series, so only the
  features can differ; the window (a few days before T, one after) keeps the check fast, and a
  leak needs only a future that differs.
- The whole-series case ("fit-window"): the normalizer and the regime thresholds must be
  unchanged when every candle after the fit window is perturbed and when every feature value
  outside the window is replaced by noise, and the stored columns before the end of the fit
  window must be unchanged by the perturbation (the fit recomputed, not reused); labels never
  enter features: a build with another label spec must store bit-identical features (and
  different labels, or the comparison proves nothing), and no label is a feature column.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np

from application.features.compute import FeaturePipeline, PairBuild, PairPlan, RawFeatures
from application.features.ports import FeatureCalculator
from domain.features.definitions import FeatureSpec
from domain.features.labels import LABEL_COLUMNS, LabelSpec
from domain.market.candles import Pair
from domain.market.extras import OhlcvExtras, complete_extras, concat_candles, extras_of
from domain.market.quality import Ohlcv

PERTURB_MINUTES = 1440  # perturbed future kept per sample: enough to cross windows, cheap to compute
HISTORY_MINUTES = 2 * 1440  # history before T in a sample's window: far more than the longest window


@attrs.frozen
class LeakageCase:
    pair: str
    open_time_ms: int
    variant: str  # "truncated", "perturbed", "fit-window" (the whole-series checks, labels included)
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
    """Raw columns whose first ``upto`` rows differ in any bit (NaN payloads included)."""
    ours, theirs = full.columns(), partial.columns()
    return tuple(name for name in ours if name not in theirs or not _same(ours[name][:upto], theirs[name][:upto]))


def stored_upto(build: PairBuild, at_ms: int) -> dict[str, np.ndarray]:
    """What the build stores for the rows at or before ``at_ms`` (open times and segments are the
    row selection), and the exclusion flags of the candles loaded up to then."""
    table = build.table
    rows = int(np.searchsorted(table.open_time_ms, at_ms, side="right"))
    loaded = int(np.searchsorted(build.raw.open_time_ms, at_ms, side="right"))
    return {"open_time_ms": table.open_time_ms[:rows], "segment": table.segment[:rows],
            **{name: values[:rows] for name, values in table.features.items()}, "status": build.raw.status[:loaded]}


def differing_stored(ours: PairBuild, theirs: PairBuild, at_ms: int) -> tuple[str, ...]:
    """Stored columns that differ in any bit at or before ``at_ms``."""
    mine, other = stored_upto(ours, at_ms), stored_upto(theirs, at_ms)
    return tuple(name for name in mine if name not in other or not _same(mine[name], other[name]))


def perturb_after(candles: Ohlcv, index: int, rng: np.random.Generator, keep: int = PERTURB_MINUTES) -> Ohlcv:
    """Rows after ``index``: OHLC rescaled together (so bars stay consistent), volume rescaled
    (and the volume-like extras with it), a few minutes dropped (new gaps); rows beyond ``keep``
    minutes removed."""
    head = candles.take(slice(0, index + 1))
    tail = candles.take(slice(index + 1, index + 1 + keep))
    if len(tail) == 0:
        return head
    scale = np.exp(rng.normal(0.0, 0.01, len(tail)))
    flow = rng.uniform(0.2, 5.0, len(tail))
    kept = np.ones(len(tail), dtype=bool)
    kept[rng.integers(0, len(tail), size=min(5, len(tail) // 2))] = False
    changed: Ohlcv = Ohlcv(tail.open_time_ms, tail.open * scale, tail.high * scale, tail.low * scale,
                           tail.close * scale, tail.volume * flow)
    if isinstance(tail, OhlcvExtras):
        extras = extras_of(tail)
        changed = OhlcvExtras.of(changed, {"quote_volume": extras["quote_volume"] * flow * scale,
                                           "trades": extras["trades"] * flow,
                                           "taker_buy_volume": changed.volume * rng.uniform(0.0, 1.0, len(tail))})
    return concat_candles([head, changed.take(kept)])


@attrs.frozen
class _Plan:
    pair: PairPlan
    extras: tuple[str, ...]  # the optional inputs used


class CheckLeakage:
    def __init__(self, calculator: FeatureCalculator, spec: FeatureSpec | None = None,
                 labels: LabelSpec | None = None, pipeline: FeaturePipeline | None = None) -> None:
        self._pipeline = pipeline or FeaturePipeline(calculator)
        self._spec = spec or FeatureSpec()
        self._labels = labels or LabelSpec()

    def __call__(self, pair: Pair, candles: Ohlcv, fit_start_ms: int, fit_end_ms: int, samples: int,
                 seed: int) -> LeakageReport:
        rng = np.random.default_rng(seed)
        lo = min(self._spec.warmup, len(candles) - 1)
        indices = np.sort(rng.integers(lo, len(candles), size=samples)).tolist()
        return self.at(pair, candles, fit_start_ms, fit_end_ms, indices, rng)

    def at(self, pair: Pair, candles: Ohlcv, fit_start_ms: int, fit_end_ms: int, indices: Sequence[int],
           rng: np.random.Generator) -> LeakageReport:
        """The checks at the candles ``indices`` (T), then the whole-series case."""
        # the optional inputs the build would use, and the same ones in every window (a window may
        # know an extra the whole series does not)
        plan = _Plan(PairPlan(self._spec, self._labels, fit_start_ms, fit_end_ms), tuple(complete_extras(candles)))
        full = self._build(pair, candles, plan)
        cases: list[LeakageCase] = []
        for index in indices:
            cases += self._future_cases(pair, candles, plan, full, int(index), rng)
        cases.append(self._whole_series_case(pair, candles, plan, full, rng))
        return LeakageReport(tuple(cases))

    def _build(self, pair: Pair, candles: Ohlcv, plan: _Plan, reference: PairBuild | None = None) -> PairBuild:
        extras = {name: values for name, values in extras_of(candles).items() if name in plan.extras}
        return self._pipeline.build(pair, candles, plan.pair, extras, None if reference is None else reference.fitted)

    def _future_cases(self, pair: Pair, candles: Ohlcv, plan: _Plan, full: PairBuild, index: int,
                      rng: np.random.Generator) -> list[LeakageCase]:
        lo = max(0, index - HISTORY_MINUTES)
        window = candles.take(slice(lo, index + 1 + PERTURB_MINUTES))
        at = int(candles.open_time_ms[index])
        reference = self._build(pair, window, plan, full)
        truncated = self._build(pair, window.take(slice(0, index - lo + 1)), plan, full)
        perturbed = self._build(pair, perturb_after(window, index - lo, rng), plan, full)
        return [LeakageCase(pair.symbol, at, "truncated", differing_stored(reference, truncated, at)),
                LeakageCase(pair.symbol, at, "perturbed", differing_stored(reference, perturbed, at))]

    def _whole_series_case(self, pair: Pair, candles: Ohlcv, plan: _Plan, full: PairBuild,
                           rng: np.random.Generator) -> LeakageCase:
        mismatched = self._fit_mismatches(pair, candles, plan, full, rng) + self._label_mismatches(pair, candles,
                                                                                                   plan, full)
        return LeakageCase(pair.symbol, plan.pair.fit_end_ms, "fit-window", tuple(mismatched))

    def _fit_mismatches(self, pair: Pair, candles: Ohlcv, whole: _Plan, full: PairBuild,
                        rng: np.random.Generator) -> list[str]:
        """The fit must read candles before ``fit_end`` and feature rows inside the window only."""
        plan, raw = whole.pair, full.raw
        outside = (raw.open_time_ms < plan.fit_start_ms) | (raw.open_time_ms >= plan.fit_end_ms)
        scrambled = attrs.evolve(raw, market={k: np.where(outside, rng.normal(size=len(v)), v)
                                              for k, v in raw.market.items()})
        mismatched = []
        if self._pipeline.fit(scrambled, plan, pair.symbol) != full.fitted:
            mismatched.append("fit outside-window")
        after = int(np.searchsorted(candles.open_time_ms, plan.fit_end_ms))
        if after in (0, len(candles)):
            return mismatched  # nothing after the fit window to perturb
        changed = self._build(pair, perturb_after(candles, after - 1, rng, keep=len(candles)), whole)
        if changed.fitted != full.fitted:
            mismatched.append("fit after-fit-end")
        last = int(candles.open_time_ms[after - 1])
        return mismatched + [f"{name} after-fit-end" for name in differing_stored(full, changed, last)]

    def _label_mismatches(self, pair: Pair, candles: Ohlcv, plan: _Plan, full: PairBuild) -> list[str]:
        labels = plan.pair.labels
        other = attrs.evolve(plan.pair, labels=LabelSpec(2 * labels.horizon + 1, labels.dead_zone_bps + 25.0))
        relabelled = self._build(pair, candles, attrs.evolve(plan, pair=other))
        last = int(candles.open_time_ms[-1])
        mismatched = [f"{name} other-labels" for name in differing_stored(full, relabelled, last)]
        if all(_same(full.table.labels[k], relabelled.table.labels[k]) for k in full.table.labels):
            mismatched.append("labels unchanged by another label spec")  # the comparison would prove nothing
        overlap = sorted(set(full.table.features) & (set(LABEL_COLUMNS) | set(full.table.labels)))
        return mismatched + [f"{name} is a label" for name in overlap]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit for bit: a NaN matches the same NaN (``==`` never would) and -0.0 differs from 0.0."""
    return a.dtype == b.dtype and np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()
