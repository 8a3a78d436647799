"""The runtime's JSON log lines (what `LOG_FORMAT=json` writes; `journalctl -u tradeai -o cat` gives
them back) for the nightly export: the events inside a window, as a data frame."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd

COLUMNS = ("timestamp", "level", "event", "mode", "record")


def log_frame(path: Path, since: datetime, until: datetime) -> tuple[pd.DataFrame, list[int]]:
    """Events with ``since <= timestamp < until`` and the numbers of the lines that are not JSON
    events (a traceback, a line from another program): counted and reported, never silently lost.
    OSError when the file cannot be read."""
    rows, skipped = [], []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                at = datetime.fromisoformat(str(record["timestamp"]).replace("Z", "+00:00"))
            except (ValueError, KeyError, TypeError):
                skipped.append(number)
                continue
            if at.tzinfo is None:
                skipped.append(number)
                continue
            if since <= at < until:
                rows.append((at, record.get("level"), record.get("event"), record.get("mode"),
                             json.dumps(record, sort_keys=True)))
    return pd.DataFrame(rows, columns=list(COLUMNS)), skipped
