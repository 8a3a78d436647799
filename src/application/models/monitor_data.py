"""What the monitor reads from a model card and the feature sets: the training window, how far a
feature set reaches for a pair, and feature values put back on a common scale.

Features are stored normalized with a normalizer fitted per pair on the set's fit window. Two sets
fitted on different windows scale the same market differently, so values from both are compared
(drift) only after each is inverted with its own normalizer, and a model is fed recent rows only
after they are re-scaled with its own set's normalizer (the scores it was trained on).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from application.features.compute import SESSION_COLUMNS
from application.features.ports import FeatureSetError, PairFeatures
from domain.features.definitions import CALENDAR_COLUMNS, REGIME_COLUMN
from domain.features.normalize import Normalizer
from domain.features.regimes import RegimeThresholds
from domain.market.candles import MINUTE_MS, FloatArray, datetime_to_ms, require_utc
from domain.models.cards import ModelCard

# functions of the clock alone: their distribution over a window depends only on its length and
# hours, never on the market, so a KS test on them would measure the calendar, not drift
CLOCK_COLUMNS = frozenset((*CALENDAR_COLUMNS, *SESSION_COLUMNS))
TRAIN = "train"


def card_period(card: ModelCard, name: str = TRAIN) -> tuple[int, int]:
    """``[start, end)`` in ms of the card's ``split[name]``: ``[start, end]`` ISO strings or
    ``{"start": ..., "end": ...}``. ValueError naming the field when it is missing or malformed."""
    value = card.split.get(name)
    if isinstance(value, Mapping):
        value = [value.get("start"), value.get("end")]
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2:
        raise ValueError(f"model card {card.name}: split.{name} must be [start, end] ISO times, got {value!r}")
    try:
        start, end = (require_utc(datetime.fromisoformat(str(v)), f"split.{name}") for v in value)
    except ValueError as exc:
        raise ValueError(f"model card {card.name}: split.{name}: {exc}") from None
    if end <= start:
        raise ValueError(f"model card {card.name}: split.{name} ends before it starts")
    return datetime_to_ms(start), datetime_to_ms(end)


def pair_entry(manifest: Mapping[str, Any], pair: str, set_name: str) -> Mapping[str, Any]:
    entry = manifest.get("pairs", {}).get(pair)
    if not isinstance(entry, Mapping):
        raise FeatureSetError(f"feature set {set_name} holds no rows of {pair}")
    return entry


def coverage_end_ms(manifest: Mapping[str, Any], pair: str, set_name: str) -> int:
    """One minute past the set's last row of ``pair``."""
    last = pair_entry(manifest, pair, set_name).get("last_open_time")
    if last is None:
        raise FeatureSetError(f"feature set {set_name}: manifest lacks pairs.{pair}.last_open_time")
    return datetime_to_ms(datetime.fromisoformat(str(last))) + MINUTE_MS


def normalizer_of(manifest: Mapping[str, Any], pair: str, set_name: str) -> Normalizer:
    try:
        return Normalizer.from_dict(pair_entry(manifest, pair, set_name)["normalizer"])
    except (KeyError, TypeError, ValueError) as exc:
        raise FeatureSetError(f"feature set {set_name}: unreadable normalizer of {pair} ({exc})") from None


def same_fit(a: Mapping[str, Any], b: Mapping[str, Any], pair: str, key: str | None = None) -> bool:
    """Both sets scaled ``pair`` alike: the same ``key`` ("normalizer" or "regime_thresholds"), or both."""
    ea, eb = a.get("pairs", {}).get(pair, {}), b.get("pairs", {}).get(pair, {})
    keys = (key,) if key else ("normalizer", "regime_thresholds")
    return all(ea.get(k) == eb.get(k) for k in keys)


def testable_columns(card: ModelCard, regime_differs: bool) -> tuple[list[str], dict[str, str]]:
    """The card's features a drift test can compare, and why each other one is left out."""
    skipped: dict[str, str] = {}
    keep: list[str] = []
    for name in card.features:
        if name in CLOCK_COLUMNS:
            skipped[name] = "a function of the clock, not of the market"
        elif name == REGIME_COLUMN and regime_differs:
            skipped[name] = "classified with thresholds fitted differently in the two sets"
        else:
            keep.append(name)
    return keep, skipped


def raw_values(rows: PairFeatures, column: str, normalizer: Normalizer | None) -> FloatArray:
    """The column as float64, inverted with ``normalizer`` when it covers the column."""
    values = np.asarray(rows.features[column], dtype=np.float64)
    if normalizer is not None and column in normalizer.mean:
        return normalizer.invert(column, values)
    return values


def regime_thresholds_of(manifest: Mapping[str, Any], pair: str, set_name: str) -> RegimeThresholds:
    try:
        return RegimeThresholds.from_dict(pair_entry(manifest, pair, set_name)["regime_thresholds"])
    except (KeyError, TypeError, ValueError) as exc:
        raise FeatureSetError(f"feature set {set_name}: unreadable regime thresholds of {pair} ({exc})") from None


def rescaled(rows: PairFeatures, source: Normalizer, target: Normalizer, regime: RegimeThresholds) -> PairFeatures:
    """``rows`` as the model's own set would hold them: normalized with ``target`` instead of
    ``source``, and the volatility regime cut with the model's ``regime`` thresholds."""
    if set(source.mean) != set(target.mean):
        raise FeatureSetError(f"{rows.pair}: the two feature sets normalize different columns "
                              f"({sorted(set(source.mean) ^ set(target.mean))})")
    features = {name: target.apply(name, source.invert(name, values)) if name in source.mean else values
                for name, values in rows.features.items()}
    if REGIME_COLUMN in features:
        if regime.column not in rows.features:
            raise FeatureSetError(f"{rows.pair}: {REGIME_COLUMN} cannot be re-cut without {regime.column}")
        raw = source.invert(regime.column, rows.features[regime.column]) if regime.column in source.mean \
            else rows.features[regime.column]
        features[REGIME_COLUMN] = regime.classify(raw)
    return PairFeatures(rows.pair, rows.open_time_ms, rows.segment, features, rows.labels)
