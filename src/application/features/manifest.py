"""The feature set's manifest and content hash.

The hash covers the stored columns and everything that decided them (definitions, parameters,
fitted normalizer and thresholds, ranges), written as canonical JSON. It leaves out what varies
between identical rebuilds: the build time, the code version string and the input provenance.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from application.features.ports import PairFeatures
from domain.market.quality import COLUMNS, Ohlcv

MANIFEST_FORMAT = 1
HASHED_KEYS = ("format", "feature_code_version", "feature_spec", "label_spec", "features", "normalized",
               "labels", "range", "fit_window", "pairs")


def canonical_json(payload: Any) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def data_digest(pairs: Sequence[PairFeatures]) -> str:
    digest = hashlib.sha256()
    for pair_features in sorted(pairs, key=lambda p: p.pair.symbol):
        digest.update(pair_features.pair.symbol.encode() + b"\0")
        for name, values in pair_features.columns():
            array = np.ascontiguousarray(values)
            digest.update(f"{name}:{array.dtype.str}:{len(array)}\0".encode())
            digest.update(array.tobytes())
    return digest.hexdigest()


def candles_digest(candles: Ohlcv, extras: Mapping[str, np.ndarray] | None = None) -> str:
    """Of the candles a build read (the store's partition hashes cover whole months) and of the
    optional inputs it used; without them, the digest of the OHLCV columns alone, as always."""
    digest = hashlib.sha256()
    for name in COLUMNS:
        digest.update(np.ascontiguousarray(getattr(candles, name)).tobytes())
    given = extras or {}
    for name in sorted(given):
        digest.update(name.encode() + b"\0" + np.ascontiguousarray(given[name], dtype=np.float64).tobytes())
    return "sha256:" + digest.hexdigest()


def content_hash(manifest: Mapping[str, Any], digest: str) -> str:
    missing = [k for k in HASHED_KEYS if k not in manifest]
    if missing:
        raise ValueError(f"manifest lacks {', '.join(missing)}")
    hashed = {k: manifest[k] for k in HASHED_KEYS}
    return "sha256:" + hashlib.sha256(canonical_json(hashed) + digest.encode()).hexdigest()
