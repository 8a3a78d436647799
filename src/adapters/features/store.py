"""Feature sets on disk: <root>/<name>.parquet (every pair, sorted by pair and time) beside
<name>.json (the manifest). Written deterministically (fixed writer options, no pandas
metadata), each file through a temporary file and os.replace, data first and manifest last."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from adapters.common.atomic_file import atomic_write
from application.features.ports import FeatureSetError, FeatureStore, PairFeatures
from domain.features.normalize import Normalizer
from domain.features.regimes import RegimeThresholds
from domain.market.candles import Pair, datetime_to_ms

_WRITE_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": ["pair"],
    "row_group_size": 1 << 18,
    "write_statistics": True,
}
_TIME = pa.timestamp("ms", tz="UTC")


@attrs.frozen(eq=False)
class FeatureSet:
    """A stored feature set as training reads it: one frame, indexed by open time (UTC), with
    a ``pair`` column, the ``segment`` of contiguous rows, the features and the labels."""

    name: str
    manifest: dict[str, Any]
    frame: pd.DataFrame

    @property
    def feature_columns(self) -> list[str]:
        return list(self.manifest["features"])

    @property
    def label_columns(self) -> list[str]:
        return list(self.manifest["labels"])

    def normalizer(self, pair: Pair | str) -> Normalizer:
        return Normalizer.from_dict(self.manifest["pairs"][str(pair)]["normalizer"])

    def regime_thresholds(self, pair: Pair | str) -> RegimeThresholds:
        return RegimeThresholds.from_dict(self.manifest["pairs"][str(pair)]["regime_thresholds"])


class ParquetFeatureStore(FeatureStore):
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    @classmethod
    def in_data_dir(cls, data_dir: Path | str) -> ParquetFeatureStore:
        return cls(Path(data_dir) / "features")

    def path(self, name: str) -> Path:
        if not name or "/" in name or name.startswith("."):
            raise FeatureSetError(f"feature set name {name!r} must be a plain file name")
        return self.root / f"{name}.parquet"

    def location(self, name: str) -> str:
        return str(self.path(name))

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.stem for p in self.root.glob("*.parquet") if p.with_suffix(".json").exists())

    def manifest(self, name: str) -> dict[str, Any]:
        path = self.path(name).with_suffix(".json")
        try:
            loaded: dict[str, Any] = json.loads(path.read_text())
        except FileNotFoundError:
            raise FeatureSetError(f"{path}: no such feature set manifest") from None
        except (OSError, json.JSONDecodeError) as exc:
            raise FeatureSetError(f"{path}: unreadable manifest ({exc})") from exc
        return loaded

    def write(self, name: str, pairs: Sequence[PairFeatures], manifest: Mapping[str, Any]) -> str:
        path = self.path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        table = to_table(pairs)
        atomic_write(path, lambda handle: pq.write_table(table, handle, **_WRITE_OPTIONS))
        payload = (json.dumps(manifest, indent=2, sort_keys=True, allow_nan=False) + "\n").encode()
        atomic_write(path.with_suffix(".json"), lambda handle: handle.write(payload))
        return str(path)

    def load(self, name: str) -> list[PairFeatures]:
        table = self._read_table(name)
        manifest = self.manifest(name)
        pairs = table.column("pair").to_numpy(zero_copy_only=False).astype(str)
        out = []
        for symbol in manifest["pairs"]:
            rows = np.flatnonzero(pairs == symbol)
            out.append(_pair_features(Pair(symbol), table.take(pa.array(rows)), manifest))
        return out

    def read(self, name: str, pairs: Sequence[Pair | str] | None = None, start: datetime | None = None,
             end: datetime | None = None, columns: Sequence[str] | None = None) -> FeatureSet:
        """The feature set as a frame, optionally only some pairs, open times ``start <= t < end``
        and columns (pair, open time and segment are always read)."""
        manifest = self.manifest(name)
        wanted = None if columns is None else ["pair", "open_time", "segment", *columns]
        table = self._read_table(name, wanted)
        mask = None
        if pairs is not None:
            mask = pc.is_in(table.column("pair"), pa.array([str(p) for p in pairs]))
        for bound, compare in ((start, pc.greater_equal), (end, pc.less)):
            if bound is not None:
                keep = compare(table.column("open_time"), pa.scalar(datetime_to_ms(bound), _TIME))
                mask = keep if mask is None else pc.and_(mask, keep)
        if mask is not None:
            table = table.filter(mask)
        return FeatureSet(name, manifest, _to_frame(table))

    def _read_table(self, name: str, columns: Sequence[str] | None = None) -> pa.Table:
        path = self.path(name)
        try:
            return pq.read_table(path, columns=list(columns) if columns else None)
        except FileNotFoundError:
            raise FeatureSetError(f"{path}: no such feature set") from None
        except (OSError, pa.ArrowException) as exc:
            raise FeatureSetError(f"{path}: unreadable feature set ({exc})") from exc


def to_table(pairs: Sequence[PairFeatures]) -> pa.Table:
    ordered = sorted(pairs, key=lambda p: p.pair.symbol)
    if not ordered:
        raise FeatureSetError("a feature set needs at least one pair")
    parts = [_pair_table(p) for p in ordered]
    return pa.concat_tables(parts).combine_chunks()


def _pair_table(features: PairFeatures) -> pa.Table:
    valid = features.labels["label_valid"]
    arrays: dict[str, pa.Array] = {
        "pair": pa.array(np.full(len(features), features.pair.symbol), pa.string()),
        "open_time": pa.array(features.open_time_ms, _TIME),
        "segment": pa.array(features.segment, pa.int32()),
    }
    arrays.update({name: pa.array(values) for name, values in features.features.items()})
    for name, values in features.labels.items():
        # missing labels are nulls (NaN for the float ones), never a class a model could learn
        arrays[name] = pa.array(values, mask=~valid) if name == "label_direction" else pa.array(values)
    arrays.update({name: pa.array(values) for name, values in features.tags.items()})
    return pa.table(arrays)


def _pair_features(pair: Pair, table: pa.Table, manifest: Mapping[str, Any]) -> PairFeatures:
    def column(name: str) -> np.ndarray:
        return np.asarray(table.column(name).to_numpy(zero_copy_only=False))

    labels = {}
    for name in manifest["labels"]:
        chunk = table.column(name)
        labels[name] = chunk.fill_null(0).to_numpy() if name == "label_direction" else column(name)
    return PairFeatures(pair, table.column("open_time").cast(pa.int64()).to_numpy(), column("segment"),
                        {name: column(name) for name in manifest["features"]}, labels,
                        {name: column(name) for name in manifest.get("tags", [])})


def _to_frame(table: pa.Table) -> pd.DataFrame:
    frame = table.to_pandas(split_blocks=True)
    frame["pair"] = frame["pair"].astype("category")
    if "label_direction" in frame:
        frame["label_direction"] = frame["label_direction"].astype("Int8")
    indexed: pd.DataFrame = frame.set_index("open_time")
    indexed.index = pd.DatetimeIndex(indexed.index, name="open_time")
    return indexed


