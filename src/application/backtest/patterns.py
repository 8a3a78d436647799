"""The tier ranks the backtest's pattern history moves.

The backtest's scan reads, and its paper book counts closes into, a PatternHistory
(application.runtime.pattern_history): it starts empty (or from a snapshot of earlier outcomes)
and learns only from the trades the run closes, each counted at the scan that closes it, so a
scan never sees an outcome that had not happened by its time.

``PatternRanks`` keeps, per pair and scan, the tier rank the scan would observe with its
confidence adjusted by the history as it stands. The history changes only at the scans the engine
runs (every close happens in one: application.backtest.engine), so after each of them the ranks of
the later scans of the patterns that changed are computed again, in one array pass per pattern.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from application.backtest.observe import Observed, Ranks, tier_ranks
from application.runtime.pattern_history import PatternHistory
from domain.market.candles import IntArray, Pair
from domain.signals.confidence import PatternSettings, adjust_many
from domain.signals.pattern_key import NO_PATTERN, pattern_for_code
from domain.signals.signal import TierThresholds


class _PairPatterns:
    def __init__(self, pair: Pair, observed: Observed) -> None:
        if observed.confidence is None or observed.patterns is None:
            raise ValueError(f"{pair}: observed without pattern codes; observe it with pattern_reach > 0")
        self.confidence = observed.confidence
        codes = observed.patterns
        self.scans: dict[str, IntArray] = {pattern_for_code(pair, int(c)).pattern_hash: np.flatnonzero(codes == c)
                                           for c in np.unique(codes) if c != NO_PATTERN}
        self.ranks: Ranks = observed.ranks.copy()


class PatternRanks:
    def __init__(self, observed: Mapping[Pair, Observed], history: PatternHistory, settings: PatternSettings,
                 thresholds: TierThresholds) -> None:
        self._history, self._settings, self._thresholds = history, settings, thresholds
        self._pairs = {p: _PairPatterns(p, o) for p, o in observed.items()}
        for pair, patterns in self._pairs.items():
            self._rank(pair, frozenset(patterns.scans), 0)

    def ranks(self, pair: Pair) -> Ranks:
        return self._pairs[pair].ranks

    def refresh(self, since: int) -> dict[Pair, IntArray]:
        """Rank again the scans from ``since`` on of the patterns counted into since the last
        refresh; returns, per pair, the scans whose rank changed."""
        changed = self._history.take_changed()
        moved = {pair: self._rank(pair, changed, since) for pair in self._pairs} if changed else {}
        return {pair: scans for pair, scans in moved.items() if len(scans)}

    def _rank(self, pair: Pair, hashes: Iterable[str], since: int) -> IntArray:
        patterns, moved = self._pairs[pair], []
        for pattern_hash in hashes:
            scans = patterns.scans.get(pattern_hash)
            record = self._history.get(pattern_hash)
            if scans is None or record is None:
                continue
            scans = scans[np.searchsorted(scans, since):]
            confidence = adjust_many(patterns.confidence[scans], np.full(len(scans), record.wins),
                                     np.full(len(scans), record.total), self._settings)
            ranks = tier_ranks(confidence, self._thresholds)
            differ = ranks != patterns.ranks[scans]
            patterns.ranks[scans[differ]] = ranks[differ]
            moved.append(scans[differ])
        return np.sort(np.concatenate(moved)) if moved else np.empty(0, dtype=np.int64)
