"""In-memory stand-ins for the runtime's ports while the backtest drives its scan.

The scan itself (application.runtime.scan_market) is the runtime's; only what sits behind its
ports changes: predictions are looked up from the bulk pass instead of computed per window, the
risk book keeps nothing but the ids it has seen, and nobody is notified.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from application.backtest.ports import BulkPredictions
from application.models.ports import Predictor
from application.runtime.outbox import OutboxMessage
from application.runtime.ports import EntryFill, EquitySnapshot, Notifier, RiskBookUnitOfWork
from domain.market.candles import CandleWindow, Direction, IntArray, Pair
from domain.risk.emission import GuardState
from domain.signals.signal import Prediction, Signal
from domain.stats.outcomes import TradeOutcome


class SeriesPredictor(Predictor):
    """Answers ``predict(window)`` with the bulk prediction of the window's last bar. The scan asks
    for the ``lookback`` bars closed by now, which is the window the bulk pass scored at that bar."""

    def __init__(self, lookback: int, version: str, series: Mapping[Pair, tuple[IntArray, BulkPredictions]]) -> None:
        self._lookback = lookback
        self._version = version
        self._series = dict(series)

    @property
    def lookback(self) -> int:
        return self._lookback

    @property
    def version(self) -> str:
        return self._version

    def predict(self, window: CandleWindow) -> Prediction | None:
        found = self._series.get(window.pair)
        if found is None or len(window) < self._lookback:
            return None
        open_time_ms, bulk = found
        last = int(window.open_time_ms[-1])
        i = int(np.searchsorted(open_time_ms, last))
        if i >= len(open_time_ms) or int(open_time_ms[i]) != last or bulk.direction[i] == 0:
            return None
        direction = Direction.LONG if bulk.direction[i] > 0 else Direction.SHORT
        return Prediction(direction, float(bulk.probability[i]), bulk.horizon_minutes, bulk.model)


class BacktestBook(RiskBookUnitOfWork):
    """A risk book that starts empty and stores nothing: the engine reads each scan's report instead."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def load_state(self) -> GuardState | None:
        return None

    def record_signal(self, signal: Signal, state: GuardState, message: OutboxMessage | None = None,
                      entry: EntryFill | None = None) -> bool:
        if signal.signal_id in self._seen:  # a backtest announces nothing: the message is dropped
            return False
        self._seen.add(signal.signal_id)
        return True

    def record_outcome(self, outcome: TradeOutcome, state: GuardState) -> bool:
        return True

    def save_state(self, state: GuardState, snapshot: EquitySnapshot | None = None) -> None:
        return None


class SilentNotifier(Notifier):
    def send(self, text: str) -> None:
        return None
