"""Ports of the feature pipeline: the vectorised calculator, the feature store and where the
input candles' partition hashes come from."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

import attrs
import numpy as np
import numpy.typing as npt

from domain.features.definitions import FeatureSpec
from domain.market.candles import FloatArray, IntArray, Pair
from domain.market.quality import Ohlcv


class FeatureSetError(Exception):
    """A feature set could not be built, read or written; the message names the pair, option or file."""


class FeatureCalculator(Protocol):
    def market_features(self, candles: Ohlcv, spec: FeatureSpec,
                        extras: Mapping[str, FloatArray] | None = None) -> dict[str, FloatArray]:
        """``spec.market_columns(tuple(extras))`` as float64 columns, one value per candle, each
        computed from that candle's contiguous run up to and including the candle (NaN until the
        window is full). ``extras`` holds optional inputs (quote_volume, trades, taker_buy_volume)."""
        ...

    def last_market_features(self, candles: Ohlcv, spec: FeatureSpec, rows: int) -> dict[str, FloatArray]:
        """``market_features(candles, spec)`` at the last ``rows`` candles only (the runtime scores
        one bar): the same values, to float rounding, from only the candles those rows read."""
        ...


class CandleExtrasSource(Protocol):
    def extras(self, pair: Pair, open_time_ms: IntArray) -> Mapping[str, FloatArray]:
        """Optional per-candle inputs aligned with ``open_time_ms``; empty when the source has none."""
        ...


class CandleProvenance(Protocol):
    def partition_hashes(self, pair: Pair, start_ms: int | None, end_ms: int | None) -> dict[str, str]:
        """Content hash of every stored partition that holds candles of ``pair`` in the range."""
        ...


@attrs.frozen(eq=False)
class PairFeatures:
    """The stored rows of one pair: features (already normalized) and labels, one row per usable bar."""

    pair: Pair
    open_time_ms: IntArray
    segment: npt.NDArray[np.int32]  # contiguous runs of rows, numbered from 0 per pair
    features: dict[str, np.ndarray]
    labels: dict[str, np.ndarray]
    # per-row provenance that is neither a model input nor a target: a synthetic set carries
    # synthetic (bool) and generator_version (str) here; a real set has none
    tags: dict[str, np.ndarray] = attrs.Factory(dict)

    def __len__(self) -> int:
        return len(self.open_time_ms)

    def columns(self) -> Iterator[tuple[str, np.ndarray]]:
        """Every stored column in file order (the content hash follows this order)."""
        yield "open_time_ms", self.open_time_ms
        yield "segment", self.segment
        yield from self.features.items()
        yield from self.labels.items()
        yield from self.tags.items()


class FeatureStore(Protocol):
    def names(self) -> list[str]:
        """Feature sets held, oldest name first."""
        ...

    def location(self, name: str) -> str: ...

    def write(self, name: str, pairs: Sequence[PairFeatures], manifest: Mapping[str, Any]) -> str:
        """Replace the feature set ``name`` atomically (data first, manifest last); return its location."""
        ...

    def manifest(self, name: str) -> dict[str, Any]:
        """Raises FeatureSetError when the set or its manifest is missing or unreadable."""
        ...

    def load(self, name: str) -> list[PairFeatures]: ...
