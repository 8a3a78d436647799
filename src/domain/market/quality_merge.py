"""Merging candles from overlapping sources by open time.

Binance serves the same candle to everyone, so two sources that disagree on a minute point at a
bad source: the stored value is kept and the disagreement reported, never silently overwritten.
"""

from __future__ import annotations

import attrs
import numpy as np

from domain.market.quality import Mask, Ohlcv, concat_sorted, is_sorted_unique, sort_unique


@attrs.frozen(eq=False)
class MergeOutcome:
    merged: Ohlcv
    added: int  # incoming rows new to the existing data
    unchanged: int  # incoming rows identical to existing ones
    conflicts: Ohlcv  # incoming rows whose values differ from the existing row of that minute
    existing_at_conflicts: Ohlcv


def merge_candles(existing: Ohlcv, incoming: Ohlcv, rtol: float = 1e-9) -> MergeOutcome:
    """Add incoming minutes the existing data lacks; compare the minutes both hold."""
    if not is_sorted_unique(existing.open_time_ms):
        existing = sort_unique(existing)
    if not is_sorted_unique(incoming.open_time_ms):
        incoming = sort_unique(incoming)
    at = np.searchsorted(existing.open_time_ms, incoming.open_time_ms)
    inside = at < len(existing)
    matched = np.zeros(len(incoming), dtype=bool)
    matched[inside] = existing.open_time_ms[at[inside]] == incoming.open_time_ms[inside]
    same = np.zeros(len(incoming), dtype=bool)
    if matched.any():
        same[matched] = _same_values(existing.take(at[matched]), incoming.take(matched), rtol)
    conflict: Mask = np.asarray(matched & ~same, dtype=bool)
    new = ~matched
    merged = existing if not new.any() else concat_sorted([existing, incoming.take(new)])
    return MergeOutcome(
        merged=merged,
        added=int(np.count_nonzero(new)),
        unchanged=int(np.count_nonzero(same)),
        conflicts=incoming.take(conflict),
        existing_at_conflicts=existing.take(at[conflict]),
    )


def _same_values(left: Ohlcv, right: Ohlcv, rtol: float) -> Mask:
    close = np.isclose(left.values(), right.values(), rtol=rtol, atol=0.0)
    return np.asarray(close.all(axis=1), dtype=bool)
