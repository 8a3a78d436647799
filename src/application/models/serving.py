"""Serving a trained model: the checks at boot and the inputs it reads.

A model is served only with the feature set it was trained on: the same feature names in the same
order, the same fitted normalizer (its hash, recomputed from the manifest it is fed) and the same
label horizon. Anything else is ``FeatureSetMismatch`` at boot, never a silent wrong prediction.

The inputs are computed from candles by the project's own pipeline (raw features, then the
manifest's normalizer and regime thresholds), exactly as the stored set was built: the stored
rows of a series and the rows computed here agree. A window ends at bar r only when its bars lie
in one contiguous run, past the warm-up, with finite values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from application.features.compute import (
    SESSION_COLUMNS,
    Fit,
    RawFeatures,
    finished_columns,
    last_raw_features,
    raw_features,
)
from application.features.ports import FeatureCalculator
from application.models.training.cards import normalizer_hash
from application.models.training.samples import BoolArray, Float32Array, full_windows
from domain.features.definitions import CALENDAR_COLUMNS, REGIME_COLUMN, FeatureSpec
from domain.features.normalize import Normalizer
from domain.features.regimes import RegimeThresholds
from domain.market.quality import Ohlcv
from domain.models.cards import ModelCard

# Wilder's ATR is an average seeded at the start of a run: this many ATR periods of history make
# the value at a window's bars independent of where the candles handed in begin (13/14 ** 280 ~ 1e-9)
SETTLE_PERIODS = 20


class FeatureSetMismatch(Exception):
    """The feature set a model is fed is not the one it was trained on; the message says what differs."""


def check_feature_set(card: ModelCard, set_name: str, manifest: Mapping[str, Any]) -> None:
    problems = []
    fed = tuple(manifest.get("features", ()))
    if fed != card.features:
        missing = [f for f in card.features if f not in fed]
        extra = [f for f in fed if f not in card.features]
        detail = f"missing {missing}, extra {extra}" if missing or extra else "the same names in another order"
        problems.append(f"feature names differ ({detail})")
    lacking = [p for p in card.pairs if p not in manifest.get("pairs", {})]
    if lacking:
        problems.append(f"no fitted normalizer for {', '.join(lacking)}")
    else:
        fed_hash = normalizer_hash(manifest, card.pairs)
        if fed_hash != card.normalizer_hash:
            problems.append(f"normalizer hash {fed_hash[:19]}... is not the card's {card.normalizer_hash[:19]}...")
    horizon = manifest.get("label_spec", {}).get("horizon")
    if horizon != card.horizon_minutes:
        problems.append(f"label horizon {horizon} min is not the card's {card.horizon_minutes} min")
    if problems:
        raise FeatureSetMismatch(f"model {card.name} was trained on feature set {card.feature_set}; the set it is "
                                 f"fed ({set_name}) does not match: " + "; ".join(problems))


@attrs.frozen(eq=False)
class PairInputs:
    """One pair's model inputs over a series of candles: normalized features per bar, the bars a
    full window can end at, and the row of each bar."""

    values: Float32Array  # (bars, features)
    usable: BoolArray  # past the warm-up of its run, every feature finite
    run_id: np.ndarray

    def window_ends(self, open_time_ms: np.ndarray, window: int) -> BoolArray:
        return full_windows(self.run_id, open_time_ms, self.usable, window)


class FeatureInputs:
    """Computes a pair's inputs from candles with a feature set's fitted normalizer."""

    def __init__(self, set_name: str, manifest: Mapping[str, Any], calculator: FeatureCalculator) -> None:
        self.set_name = set_name
        self.features: tuple[str, ...] = tuple(manifest["features"])
        self.spec = FeatureSpec(**manifest["feature_spec"])
        self._calculator = calculator
        # checked at boot: the runtime hands the predictor OHLCV only, never the kline extras
        computable = {*self.spec.market_columns(), *CALENDAR_COLUMNS, *SESSION_COLUMNS, REGIME_COLUMN}
        missing = [name for name in self.features if name not in computable]
        if missing:
            raise FeatureSetMismatch(f"feature set {set_name} needs {missing}, which candles alone (OHLCV) "
                                     "cannot give: serve a model trained on OHLCV features")
        self._fits = {pair: Fit(Normalizer.from_dict(fitted["normalizer"]),
                                RegimeThresholds.from_dict(fitted["regime_thresholds"]), int(fitted["fit_rows"]))
                      for pair, fitted in manifest["pairs"].items()}

    def history(self, window: int) -> int:
        """Candles a prediction at one bar reads: the warm-up, the settling of the ATR and the window."""
        return self.spec.warmup + SETTLE_PERIODS * self.spec.atr_period + window

    def inputs(self, pair: str, candles: Ohlcv) -> PairInputs:
        return self._finished(pair, raw_features(candles, self.spec, self._calculator))

    def last_inputs(self, pair: str, candles: Ohlcv, rows: int) -> PairInputs:
        """``inputs(pair, candles)`` of the last ``rows`` candles only: what scoring the last bar reads."""
        return self._finished(pair, last_raw_features(candles, self.spec, self._calculator, rows))

    def _finished(self, pair: str, raw: RawFeatures) -> PairInputs:
        every = np.ones(len(raw.open_time_ms), dtype=bool)
        columns = finished_columns(raw, self.spec, self._fits[pair], every)
        values = np.column_stack([np.asarray(columns[name], dtype=np.float32) for name in self.features])
        usable = raw.usable & np.isfinite(values).all(axis=1)
        return PairInputs(values, usable, raw.runs.run_id)


def served_pairs(cards: Sequence[ModelCard]) -> tuple[str, ...]:
    return tuple(sorted({pair for card in cards for pair in card.pairs}))
