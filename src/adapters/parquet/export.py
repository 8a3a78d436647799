"""The nightly export written to a folder: one parquet file per table and a manifest (window, row
counts, sha256 of each file). The run is written into a temporary folder and renamed into place
at the end, so a folder that exists is complete; an existing run is never overwritten."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd


class ExportExists(FileExistsError):
    """The run's folder already holds an export."""


def write_export(folder: Path, run: str, frames: Mapping[str, pd.DataFrame], about: Mapping[str, Any]) -> Path:
    """``folder/run/<table>.parquet`` + ``manifest.json``; returns the run's folder."""
    target = folder / run
    if target.exists():
        raise ExportExists(f"{target} already holds an export: remove it or choose another --out")
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{run}.{os.getpid()}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        files = {}
        for name, frame in frames.items():
            path = partial / f"{name}.parquet"
            frame.to_parquet(path, index=False)
            files[name] = {"file": path.name, "rows": len(frame),
                           "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        (partial / "manifest.json").write_text(json.dumps({**about, "tables": files}, indent=2, default=str) + "\n")
        partial.replace(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return target
