"""Find the candle files of given pairs among files and folders named on the command line."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from domain.market.candles import Pair

SUFFIXES = (".csv", ".csv.gz")


def candle_files(paths: Iterable[Path], pairs: Sequence[Pair]) -> dict[Pair, list[str]]:
    """Files named <PAIR>*.csv[.gz], from folders (not recursive) or given directly."""
    found: dict[Pair, list[str]] = {pair: [] for pair in pairs}
    for path in paths:
        candidates = sorted(path.iterdir()) if path.is_dir() else [path]
        for candidate in candidates:
            if not candidate.name.endswith(SUFFIXES):
                continue
            for pair in pairs:
                if candidate.name.upper().startswith(pair.symbol):
                    found[pair].append(str(candidate))
    return found
