"""One month of one pair on disk: a parquet file and its JSON manifest, each replaced atomically.

A month whose candles know any kline extra (quote volume, trades, taker-buy volume) is written
with those three columns too (NaN where unknown); an OHLCV-only month keeps the OHLCV-only
layout and content hash it always had."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from adapters.common.atomic_file import atomic_write
from domain.market.candles import ms_to_datetime
from domain.market.extras import EXTRA_COLUMNS, OhlcvExtras, has_extras
from domain.market.quality import COLUMNS, Ohlcv

SCHEMA = pa.schema([("open_time", pa.int64())] + [(name, pa.float64()) for name in COLUMNS[1:]])
EXTRAS_SCHEMA = pa.schema([*SCHEMA, *((name, pa.float64()) for name in EXTRA_COLUMNS)])
FORMAT_VERSION = 1
# dictionaries do not pay for unique prices; delta-coded open times shrink to almost nothing
_WRITE_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "use_dictionary": False,
    "column_encoding": {"open_time": "DELTA_BINARY_PACKED"},
}


def read_partition(path: Path) -> Ohlcv:
    if not path.exists():
        return Ohlcv.empty()
    with_extras = set(EXTRA_COLUMNS) <= set(pq.read_schema(path).names)
    table = pq.read_table(path, schema=EXTRAS_SCHEMA if with_extras else SCHEMA)
    columns = [table.column(i).to_numpy() for i in range(table.num_columns)]
    return OhlcvExtras(*columns) if with_extras else Ohlcv(*columns)


def stored_columns(candles: Ohlcv) -> tuple[str, ...]:
    """The candle attributes a partition keeps, in file order."""
    return (*COLUMNS, *EXTRA_COLUMNS) if has_extras(candles) else COLUMNS


def write_partition(path: Path, candles: Ohlcv, manifest: dict[str, Any]) -> None:
    """Data first, manifest second, each through a temporary file and os.replace, so a reader
    sees the old month or the new one, never a torn file."""
    names = stored_columns(candles)
    table = pa.Table.from_arrays([getattr(candles, name) for name in names],
                                 schema=EXTRAS_SCHEMA if len(names) > len(COLUMNS) else SCHEMA)
    atomic_write(path, lambda handle: pq.write_table(table, handle, **_WRITE_OPTIONS))
    payload = json.dumps(manifest, indent=2).encode()
    atomic_write(manifest_path(path), lambda handle: handle.write(payload))




def manifest_path(path: Path) -> Path:
    return path.with_suffix(".json")


def read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        loaded: dict[str, Any] = json.loads(manifest_path(path).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return loaded


def content_hash(candles: Ohlcv) -> str:
    """Of the stored columns: an OHLCV-only month hashes exactly as before extras existed."""
    digest = hashlib.sha256()
    for name in stored_columns(candles):
        digest.update(np.ascontiguousarray(getattr(candles, name)).tobytes())
    return "sha256:" + digest.hexdigest()


def build_manifest(pair: str, month: str, candles: Ohlcv, sources: list[str]) -> dict[str, Any]:
    first, last = int(candles.open_time_ms[0]), int(candles.open_time_ms[-1])
    return {
        "format": FORMAT_VERSION,
        "pair": pair,
        "month": month,
        "rows": len(candles),
        "first_open_time": ms_to_datetime(first).isoformat(),
        "last_open_time": ms_to_datetime(last).isoformat(),
        "first_open_time_ms": first,
        "last_open_time_ms": last,
        "sources": sources,
        "content_hash": content_hash(candles),
    }
