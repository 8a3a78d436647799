"""Use case: scan every pair once at market time ``now`` and emit the signals that pass.

Per pair, in order: fresh closed candles -> prediction -> tier -> emission guard -> record in the
risk book -> notify. A signal that cannot be recorded is never announced.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from enum import Enum

import attrs

from application.messages import format_signal
from application.ports import CandleSource, Notifier, Predictor, SignalRepository
from domain.indicators import wilder_atr
from domain.market import CandleWindow, Pair
from domain.signals import Mode, Prediction, Signal, Tier, TierThresholds


class Status(Enum):
    EMITTED = "emitted"
    NO_DATA = "no_data"
    STALE = "stale"
    NO_PREDICTION = "no_prediction"
    BELOW_TIER = "below_tier"
    DENIED = "denied"
    DUPLICATE = "duplicate"
    STORE_FAILED = "store_failed"


@attrs.frozen
class Candidate:
    """A signal that passed the models and waits for the emission guard."""

    signal: Signal
    prediction: Prediction
    window: CandleWindow


@attrs.frozen
class Decision:
    allowed: bool
    reasons: tuple[str, ...] = ()


# The emission guard: every path that can emit goes through one of these.
EmissionGuard = Callable[[Candidate, datetime], Decision]


@attrs.frozen
class ScanConfig:
    pairs: tuple[Pair, ...]
    mode: Mode
    thresholds: TierThresholds = attrs.Factory(TierThresholds)
    reward_risk: float = 1.5
    stop_atr_multiple: float = 2.0
    atr_period: int = 14
    max_staleness: timedelta = timedelta(minutes=2)


@attrs.frozen
class ScanOutcome:
    pair: Pair
    status: Status
    at: datetime
    signal: Signal | None = None
    prediction: Prediction | None = None
    reasons: tuple[str, ...] = ()
    latency_ms: float = 0.0
    notify_error: str | None = None


class ScanMarket:
    def __init__(
        self,
        *,
        source: CandleSource,
        predictor: Predictor,
        signals: SignalRepository,
        notifier: Notifier,
        guard: EmissionGuard,
        config: ScanConfig,
        on_emitted: Callable[[Signal], None] | None = None,
    ) -> None:
        self._source = source
        self._predictor = predictor
        self._signals = signals
        self._notifier = notifier
        self._guard = guard
        self._config = config
        self._on_emitted = on_emitted

    def scan(self, now: datetime) -> list[ScanOutcome]:
        return [self._scan_pair(pair, now) for pair in self._config.pairs]

    def _scan_pair(self, pair: Pair, now: datetime) -> ScanOutcome:
        started = time.perf_counter()
        outcome = self._evaluate(pair, now)
        return attrs.evolve(outcome, latency_ms=(time.perf_counter() - started) * 1000)

    def _evaluate(self, pair: Pair, now: datetime) -> ScanOutcome:
        cfg = self._config
        window = self._source.window(pair, now, max(self._predictor.lookback, cfg.atr_period + 1))
        if len(window) == 0:
            return ScanOutcome(pair, Status.NO_DATA, now)
        if now - window.last_close_time > cfg.max_staleness:
            stale = f"last candle closed {window.last_close_time:%Y-%m-%d %H:%M}"
            return ScanOutcome(pair, Status.STALE, now, reasons=(stale,))
        prediction = self._predictor.predict(window)
        atr = wilder_atr(window, cfg.atr_period)
        if prediction is None or atr is None or atr <= 0:
            return ScanOutcome(pair, Status.NO_PREDICTION, now)
        tier = cfg.thresholds.tier_for(prediction.probability)
        if tier is None:
            return ScanOutcome(pair, Status.BELOW_TIER, now, prediction=prediction)
        signal = self._build(pair, prediction, tier, window, atr, now)
        decision = self._guard(Candidate(signal, prediction, window), now)
        if not decision.allowed:
            return ScanOutcome(pair, Status.DENIED, now, signal=signal, prediction=prediction, reasons=decision.reasons)
        return self._record_and_notify(signal, prediction, now)

    def _build(self, pair: Pair, prediction: Prediction, tier: Tier, window: CandleWindow, atr: float,
               now: datetime) -> Signal:
        cfg = self._config
        return Signal.from_prediction(
            pair=pair,
            prediction=prediction,
            confidence=prediction.probability,
            tier=tier,
            entry=float(window.close[-1]),
            stop_distance=atr * cfg.stop_atr_multiple,
            reward_risk=cfg.reward_risk,
            now=now,
            mode=cfg.mode,
        )

    def _record_and_notify(self, signal: Signal, prediction: Prediction, now: datetime) -> ScanOutcome:
        try:
            stored = self._signals.add(signal)
        except Exception as exc:  # any store failure: the signal must not be announced
            return ScanOutcome(signal.pair, Status.STORE_FAILED, now, signal=signal, prediction=prediction,
                               reasons=(f"{type(exc).__name__}: {exc}",))
        if not stored:
            return ScanOutcome(signal.pair, Status.DUPLICATE, now, signal=signal, prediction=prediction)
        if self._on_emitted is not None:
            self._on_emitted(signal)
        notify_error = None
        try:
            self._notifier.send(format_signal(signal))
        except Exception as exc:  # a lost message must not stop the runtime; it is logged by the caller
            notify_error = f"{type(exc).__name__}: {exc}"
        return ScanOutcome(signal.pair, Status.EMITTED, now, signal=signal, prediction=prediction,
                           notify_error=notify_error)


def kill_switch_guard(is_on: Callable[[], bool]) -> EmissionGuard:
    def guard(candidate: Candidate, now: datetime) -> Decision:
        if is_on():
            return Decision(False, ("kill_switch: emissions are stopped",))
        return Decision(True)

    return guard


def pairs_summary(outcomes: Sequence[ScanOutcome]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status.value] = counts.get(outcome.status.value, 0) + 1
    return counts
