"""Parts of a stored feature set, as the model monitor reads them: one pair, a time range, a few
columns and optionally one row per N minutes, filtered while scanning the parquet file (row groups
outside the range are skipped), so a training window of years costs only the rows kept."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from adapters.features.store import ParquetFeatureStore
from application.features.ports import FeatureSetError, PairFeatures
from application.models.monitor_ports import FeatureWindows
from domain.market.candles import Pair

_TIME = pa.timestamp("ms", tz="UTC")


class ParquetFeatureWindows(FeatureWindows):
    def __init__(self, root: Path | str) -> None:
        self._store = ParquetFeatureStore(root)

    def manifest(self, name: str) -> Mapping[str, Any]:
        return self._store.manifest(name)

    def window(self, name: str, pair: str, start_ms: int, end_ms: int, columns: Sequence[str],
               every_ms: int | None = None) -> PairFeatures:
        manifest = self._store.manifest(name)
        features, labels = set(manifest.get("features", [])), set(manifest.get("labels", []))
        unknown = [c for c in columns if c not in features and c not in labels]
        if unknown:
            raise FeatureSetError(f"feature set {name} has no column {', '.join(unknown)}")
        table = self._scan(name, pair, start_ms, end_ms, list(dict.fromkeys(columns)), every_ms)
        return PairFeatures(Pair(pair), table.column("open_time").cast(pa.int64()).to_numpy(),
                            np.asarray(table.column("segment").to_numpy(), dtype=np.int32),
                            {c: _numbers(table.column(c)) for c in columns if c in features},
                            {c: _label(table.column(c), c) for c in columns if c in labels})

    def _scan(self, name: str, pair: str, start_ms: int, end_ms: int, columns: list[str],
              every_ms: int | None) -> pa.Table:
        path = self._store.path(name)
        when = ds.field("open_time")
        condition = ((ds.field("pair") == pair) & (when >= pa.scalar(start_ms, _TIME))
                     & (when < pa.scalar(end_ms, _TIME)))
        if every_ms:
            ms = when.cast(pa.int64())
            step = pa.scalar(int(every_ms), pa.int64())
            condition = condition & pc.equal(pc.subtract(ms, pc.multiply(pc.divide(ms, step), step)), 0)
        try:
            table = ds.dataset(path, format="parquet").to_table(
                columns=["open_time", "segment", *columns], filter=condition)
        except FileNotFoundError:
            raise FeatureSetError(f"{path}: no such feature set") from None
        except (OSError, pa.ArrowException) as exc:
            raise FeatureSetError(f"{path}: unreadable feature set ({exc})") from exc
        return table.sort_by("open_time")


def _numbers(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.to_numpy(zero_copy_only=False))


def _label(column: pa.ChunkedArray, name: str) -> np.ndarray:
    # missing direction labels are stored as nulls (see store.py); as 0 they are never a class
    return np.asarray(column.fill_null(0).to_numpy()) if name == "label_direction" else _numbers(column)
