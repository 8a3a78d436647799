"""Candles in parquet, one file per pair and month: <root>/<PAIR>/<YYYY-MM>.parquet (+ .json manifest)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from adapters.parquet.partition import build_manifest, content_hash, read_manifest, read_partition, write_partition
from application.data.ports import CandleStore, StoreMerge
from domain.market.candles import IntArray, Pair
from domain.market.extras import ExtrasMerge, concat_candles, merge_with_extras
from domain.market.quality import Ohlcv, sort_unique


def month_keys(open_time_ms: IntArray) -> np.ndarray:
    return np.asarray(open_time_ms, dtype="datetime64[ms]").astype("datetime64[M]")


def month_start_ms(month: np.datetime64) -> int:
    return int(month.astype("datetime64[ms]").astype(np.int64))


class ParquetCandleStore(CandleStore):
    def __init__(self, root: Path | str, workers: int | None = None) -> None:
        self.root = Path(root)
        self._workers = workers or min(4, os.cpu_count() or 1)

    @classmethod
    def in_data_dir(cls, data_dir: Path | str) -> ParquetCandleStore:
        return cls(Path(data_dir) / "candles")

    def partition_path(self, pair: Pair, month: str) -> Path:
        return self.root / pair.symbol / f"{month}.parquet"

    def months(self, pair: Pair) -> list[str]:
        folder = self.root / pair.symbol
        return sorted(p.stem for p in folder.glob("*.parquet")) if folder.is_dir() else []

    def pairs(self) -> list[Pair]:
        if not self.root.is_dir():
            return []
        return sorted(Pair(p.name) for p in self.root.iterdir()
                      if p.is_dir() and _is_symbol(p.name) and any(p.glob("*.parquet")))

    def load(self, pair: Pair, start_ms: int | None = None, end_ms: int | None = None) -> Ohlcv:
        months = self.months(pair)
        if start_ms is not None:
            first = str(month_keys(np.array([start_ms]))[0])
            months = [m for m in months if m >= first]
        if end_ms is not None:
            last = str(month_keys(np.array([end_ms - 1]))[0])
            months = [m for m in months if m <= last]
        candles = concat_candles([read_partition(self.partition_path(pair, m)) for m in months])
        if start_ms is None and end_ms is None:
            return candles
        t = candles.open_time_ms
        lo = 0 if start_ms is None else int(np.searchsorted(t, start_ms))
        hi = len(t) if end_ms is None else int(np.searchsorted(t, end_ms))
        return candles.take(slice(lo, hi))

    def last_open_time_ms(self, pair: Pair) -> int | None:
        months = self.months(pair)
        if not months:
            return None
        manifest = read_manifest(self.partition_path(pair, months[-1]))
        if manifest is not None:
            return int(manifest["last_open_time_ms"])
        candles = read_partition(self.partition_path(pair, months[-1]))
        return int(candles.open_time_ms[-1]) if len(candles) else None

    def monthly_rows(self, pair: Pair) -> dict[str, int]:
        return {m: self._manifest(pair, m)["rows"] for m in self.months(pair)}

    def manifest(self, pair: Pair, month: str) -> dict[str, Any]:
        return self._manifest(pair, month)

    def _manifest(self, pair: Pair, month: str) -> dict[str, Any]:
        path = self.partition_path(pair, month)
        manifest = read_manifest(path)
        if manifest is None:  # written by hand or by an older version: rebuild it from the data
            candles = read_partition(path)
            manifest = build_manifest(pair.symbol, month, candles, ["unknown"])
        return manifest

    def verify(self, pair: Pair) -> list[str]:
        """Months whose data no longer matches the content hash in their manifest."""
        months = self.months(pair)
        actual = {m: content_hash(read_partition(self.partition_path(pair, m))) for m in months}
        return [m for m in months if actual[m] != self._manifest(pair, m)["content_hash"]]

    def merge(self, pair: Pair, candles: Ohlcv, source: str, dry_run: bool = False) -> StoreMerge:
        candles = sort_unique(candles)
        months = month_keys(candles.open_time_ms)
        bounds = [0, *(np.flatnonzero(np.diff(months.astype(np.int64))) + 1).tolist(), len(candles)]
        parts = [(str(months[lo]), candles.take(slice(lo, hi))) for lo, hi in pairwise(bounds) if hi > lo]
        # months are independent files, and parquet encoding releases the GIL
        with ThreadPoolExecutor(max_workers=self._workers) as pool:
            outcomes = list(pool.map(lambda part: self._merge_month(pair, part[0], part[1], source, dry_run), parts))
        # rows whose missing extras were filled count as unchanged (their OHLCV is), but their month is rewritten
        return StoreMerge(
            added=sum(m.outcome.added for _, m in outcomes),
            unchanged=sum(m.outcome.unchanged for _, m in outcomes),
            conflicts=concat_candles([m.outcome.conflicts for _, m in outcomes]),
            stored_at_conflicts=concat_candles([m.outcome.existing_at_conflicts for _, m in outcomes]),
            partitions_written=tuple(month for month, m in outcomes if m.changed and not dry_run),
        )

    def _merge_month(self, pair: Pair, month: str, candles: Ohlcv, source: str,
                     dry_run: bool) -> tuple[str, ExtrasMerge]:
        path = self.partition_path(pair, month)
        merged = merge_with_extras(read_partition(path), candles)
        if merged.changed and not dry_run:
            self._write(pair, month, path, merged.outcome.merged, source)
        return month, merged

    def _write(self, pair: Pair, month: str, path: Path, candles: Ohlcv, source: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        previous = read_manifest(path)
        sources = list(previous["sources"]) if previous else []
        sources += [s for s in source.split(",") if s and s not in sources]
        write_partition(path, candles, build_manifest(pair.symbol, month, candles, sources))


def _is_symbol(name: str) -> bool:
    try:
        Pair(name)
    except ValueError:
        return False
    return True
