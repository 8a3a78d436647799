"""Each idle pair's tier hysteresis between the scans the backtest runs.

It is fed the tier the scan would have observed (application.backtest.observe; with the pattern
adjustment on, from the confidence the history adjusts: application.backtest.patterns, refreshed
after each scan the engine runs) through the domain's own ``step_tier``, memoised: the states met
are numbered and each (state, observed rank) transition is asked of ``step_tier`` once, so the
walk over a million scans runs on small ints.
A pair holding a position keeps its tier untouched, as the scan does; a scan where an idle pair
observes no tier resets it, so only the scans where it observes one need a step.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from typing import Protocol

import numpy as np

from application.backtest.observe import Observed, Ranks
from application.backtest.patterns import PatternRanks
from application.runtime.scan_market import ScanReport
from application.runtime.scan_outcome import ScanOutcome, Status
from domain.market.candles import FloatArray, IntArray, Pair
from domain.risk.decisions import Rule
from domain.signals.confidence import HysteresisSettings, PairTier, TierState, step_tier
from domain.signals.signal import Tier

_TIERS: tuple[Tier | None, ...] = (None, *sorted(Tier, key=lambda t: t.rank))
REST = 0


class BacktestDivergence(RuntimeError):
    """The backtest's bulk view of a scan disagreed with the scan itself: its results cannot be trusted."""


class TierCodes:
    def __init__(self, hysteresis: HysteresisSettings) -> None:
        self._hysteresis = hysteresis
        self.states: list[PairTier] = []
        self._ids: dict[PairTier, int] = {}
        self._table: list[list[int]] = []
        self.confirmed: list[bool] = []
        self.code(PairTier())  # REST

    def code(self, state: PairTier) -> int:
        found = self._ids.get(state)
        if found is None:
            found = self._ids[state] = len(self.states)
            self.states.append(state)
            self._table.append([-1] * len(_TIERS))
            self.confirmed.append(state.current is not None)
        return found

    def step(self, code: int, rank: int) -> int:
        row = self._table[code]
        if row[rank] < 0:
            row[rank] = self.code(step_tier(self.states[code], _TIERS[rank], self._hysteresis))
        return row[rank]


class Proof(Protocol):
    def __call__(self, pair: Pair) -> tuple[Rule | None, float]: ...


class _PairWalk:
    def __init__(self, ranks: Ranks, losses: FloatArray) -> None:
        seen = np.flatnonzero(ranks != 0)
        self.seen: list[int] = seen.tolist()
        self.ranks: list[int] = ranks[seen].tolist()
        self.losses: list[float] = losses[seen].tolist()
        self._losses = losses
        self.code = REST
        self.at = -1  # the scan whose state ``code`` is
        self.cursor = 0  # seen[cursor] is the first seen scan not walked yet

    def reseen(self, scans: IntArray, ranks: Ranks) -> None:
        """Take the new ranks of ``scans``, none walked yet (the pattern history moved them)."""
        for i in scans.tolist():
            j = bisect.bisect_left(self.seen, i)
            present, rank = j < len(self.seen) and self.seen[j] == i, int(ranks[i])
            if rank and present:
                self.ranks[j] = rank
            elif rank:
                self.seen.insert(j, i)
                self.ranks.insert(j, rank)
                self.losses.insert(j, float(self._losses[i]))
            elif present:
                del self.seen[j], self.ranks[j], self.losses[j]


class TierWalk:
    def __init__(self, observed: Mapping[Pair, Observed], hysteresis: HysteresisSettings,
                 least_stop_outs: Mapping[Pair, FloatArray], patterns: PatternRanks | None = None) -> None:
        """``least_stop_outs``: per pair and scan, the least a minimum-lot stop-out of the signal
        observed there can lose, which a sizing proof compares with the headroom. ``patterns``: the
        ranks with the confidence adjusted by the pattern history, refreshed after each scan run."""
        self._codes = TierCodes(hysteresis)
        self._patterns = patterns
        self._pairs = {p: _PairWalk(patterns.ranks(p) if patterns else o.ranks, least_stop_outs[p])
                       for p, o in observed.items()}
        self.held: frozenset[Pair] = frozenset()

    def before(self, pair: Pair, k: int) -> PairTier:
        """The pair's tier state going into scan ``k``."""
        walk = self._pairs[pair]
        fresh = pair in self.held or walk.at == k - 1
        return self._codes.states[walk.code if fresh else REST]

    def clear_until(self, limit: int, proof: Proof) -> tuple[int, dict[str, int]]:
        """Walk every idle pair up to the first scan where an attempt is not proved denied (or
        ``limit``) and commit the states before it. Returns that scan and the attempts denied
        before it, by rule."""
        found = {p: self._first_unproved(p, limit, proof) for p in self._pairs if p not in self.held}
        end = min([limit, *(u for u, _ in found.values())])
        denied: dict[str, int] = {}
        for pair, (_, rule) in found.items():
            count = self._walk(pair, end, None)[1]
            if count:
                denied[str(rule)] = denied.get(str(rule), 0) + count
        return end, denied

    def carried(self, k: int, current: TierState) -> TierState:
        """The scan's tier state with every pair's as it stands going into scan ``k``."""
        return TierState({**dict(current.pairs), **{p.symbol: self.before(p, k) for p in self._pairs}}.items())

    def adopt(self, report: ScanReport, k: int) -> None:
        """Check the scan against the walk (module docstring), then carry on from the scan's state."""
        # the scan's closes were counted before its pairs were scanned: so are they here
        if self._patterns is not None:
            for pair, scans in self._patterns.refresh(k).items():
                self._pairs[pair].reseen(scans, self._patterns.ranks(pair))
        for outcome in report.pairs:
            if outcome.pair in self._pairs and outcome.status is not Status.IN_POSITION:
                self._check(outcome, report.state.tiers.get(outcome.pair), k)
        for pair, walk in self._pairs.items():
            walk.code, walk.at = self._codes.code(report.state.tiers.get(pair)), k
            while walk.cursor < len(walk.seen) and walk.seen[walk.cursor] <= k:
                walk.cursor += 1
        self.held = frozenset(p.pair for p in report.state.account.positions)

    def _first_unproved(self, pair: Pair, limit: int, proof: Proof) -> tuple[int, Rule | None]:
        rule, beyond = proof(pair)
        return self._walk(pair, limit, beyond if rule is not None else math.inf)[0], rule

    def _walk(self, pair: Pair, limit: int, beyond: float | None) -> tuple[int, int]:
        """Step through the pair's seen scans before ``limit``. With ``beyond`` (a probe), stop at
        the first attempt whose least stop-out loss is not beyond it and commit nothing; without,
        commit the walk. Returns (where it stopped, attempts on the way)."""
        walk, codes = self._pairs[pair], self._codes
        code, at, j, attempts = walk.code, walk.at, walk.cursor, 0
        seen, ranks, losses = walk.seen, walk.ranks, walk.losses
        while j < len(seen) and seen[j] < limit:
            i = seen[j]
            stepped = codes.step(code if i == at + 1 else REST, ranks[j])
            if codes.confirmed[stepped] and beyond is not None and not losses[j] > beyond:
                return i, attempts
            code, at, j = stepped, i, j + 1
            attempts += codes.confirmed[stepped]
        if beyond is None:
            walk.code, walk.at, walk.cursor = code, at, j
        return limit, attempts

    def _check(self, outcome: ScanOutcome, actual: PairTier, k: int) -> None:
        walk = self._pairs[outcome.pair]
        prior = self.before(outcome.pair, k)
        j = bisect.bisect_left(walk.seen, k)
        rank = walk.ranks[j] if j < len(walk.seen) and walk.seen[j] == k else 0
        expected = self._codes.states[self._codes.step(self._codes.code(prior), rank)]
        # an unmarkable open position stops the whole scan before any tier moves (scan_market)
        unmoved = Rule.INVALID_INPUT in outcome.rules and actual == prior
        if actual != expected and not unmoved:
            raise BacktestDivergence(f"{outcome.pair} at {outcome.at:%Y-%m-%d %H:%M} UTC: the scan's tier state "
                                     f"{actual} differs from the backtest's {expected}")
