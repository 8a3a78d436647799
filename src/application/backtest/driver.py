"""The backtest's loop over the scan grid: it runs the runtime's scan only where one must run, and
carries the tier hysteresis and the proved denials over the scans between (application.backtest.engine)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import attrs
import numpy as np

from application.backtest.observe import unreadable_rows
from application.backtest.proofs import HeldPositions, first_at_or_after, proved_denial
from application.backtest.tiers import TierWalk
from application.backtest.trades import BacktestTrades, TradeBook
from application.runtime.scan_market import ScanConfig, ScanMarket, ScanReport
from application.runtime.scan_outcome import Status
from domain.execution.instruments import Instruments
from domain.market.candles import IntArray, Pair, ms_to_datetime
from domain.market.quality import Ohlcv
from domain.risk.decisions import Rule
from domain.signals.confidence import TierState

Progress = Callable[[int, int], None]


class ScanDriver:
    """``forced``: scans that always run (the first, and the first of each Prague day, where the
    account rolls its day; a proof therefore never spans two days)."""

    def __init__(self, scan: ScanMarket, tiers: TierWalk, held: HeldPositions, book: TradeBook, times: IntArray,
                 forced: IntArray, config: ScanConfig, instruments: Instruments,
                 series: Mapping[Pair, Ohlcv]) -> None:
        self._scan, self._tiers, self._held, self.book = scan, tiers, held, book
        self._times, self._forced, self._config, self._instruments = times, forced, config, instruments
        self._unreadable = {p for p, o in series.items() if bool(unreadable_rows(o).any())}
        self._proved: dict[str, int] = {}

    def run(self, progress: Progress | None) -> ScanReport | None:
        n, k, report = len(self._times), 0, None
        while k < n:
            if progress is not None:
                progress(k, n)
            if report is not None:
                k = self._clear(k, report)
                if k >= n:
                    break
            report = self._run_scan(k, report)
            k += 1
        if progress is not None:
            progress(n, n)
        return report

    def _clear(self, k: int, report: ScanReport) -> int:
        """The next scan that must run from ``k`` on; the tiers and denials before it are carried."""
        at = ms_to_datetime(int(self._times[k]))
        proofs: dict[Pair, tuple[Rule | None, float]] = {}

        def proof(pair: Pair) -> tuple[Rule | None, float]:
            if pair not in proofs:
                proofs[pair] = proved_denial(report, pair, at, self._config, self._instruments)
            return proofs[pair]

        end, denied = self._tiers.clear_until(self._limit(k), proof)
        for rule, count in denied.items():
            self._proved[rule] = self._proved.get(rule, 0) + count
        return end

    def _limit(self, k: int) -> int:
        """The first scan from ``k`` on that runs whatever the pairs observe."""
        i = int(np.searchsorted(self._forced, k, side="left"))
        limit = int(self._forced[i]) if i < len(self._forced) else len(self._times)
        if self._tiers.held:
            due = self._held.next_due()
            # an unreadable mark of a held pair stops the whole scan, tiers included (scan_market)
            can_wait = self._held.floor_safe and not self._tiers.held & self._unreadable and due is not None
            limit = min(limit, max(k, first_at_or_after(self._times, due)) if can_wait and due else k)
        return limit

    def _run_scan(self, k: int, report: ScanReport | None) -> ScanReport:
        self._scan.carry_tiers(self._tiers.carried(k, report.state.tiers if report else TierState()))
        report = self._scan.scan(ms_to_datetime(int(self._times[k])))
        self._tiers.adopt(report, k)
        self._held.after(report)
        self.book.add(report)
        return report

    def with_proved(self, result: BacktestTrades) -> BacktestTrades:
        """Attempts denied by proof are denials the replay counts too."""
        if not self._proved:
            return result
        statuses = dict(result.statuses)
        statuses[Status.DENIED.value] = statuses.get(Status.DENIED.value, 0) + sum(self._proved.values())
        denials = dict(result.denials)
        for rule, count in self._proved.items():
            denials[rule] = denials.get(rule, 0) + count
        return attrs.evolve(result, statuses=statuses, denials=denials)
