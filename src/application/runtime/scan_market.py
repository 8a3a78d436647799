"""Use case: scan every pair once at market time ``now`` and emit the signals that pass.

Each scan: settle the paper account (exits, marks, floors) -> per pair: fresh closed candles ->
prediction -> confidence moved towards its pattern's history -> tier with hysteresis -> the
emission guard (domain.risk.emission.evaluate_emission: kill switch, floors, rate limits, backoff,
sizing) -> the broker fills the order (fill-or-kill) and the fill is booked into the account ->
record the signal with the guard state it consumed in one unit of work -> notify. A signal the
broker refuses, or that cannot be recorded, is never announced.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta

import attrs

from application.brokers.ports import BrokerGateway
from application.brokers.values import AccountInfo
from application.data.ports import CandleSource
from application.models.ports import Predictor
from application.runtime.alerts import AlertDispatch
from application.runtime.emit import Emitter
from application.runtime.outbox import Delivery
from application.runtime.paper_book import ClosedTrade, PaperBook, RefusedClose
from application.runtime.pattern_adjust import Adjusted, PatternAdjuster
from application.runtime.pattern_history import RunPatterns
from application.runtime.ports import Broker, EquitySnapshot, Notifier, OrderIntents, RiskBookUnitOfWork
from application.runtime.reconcile import Reconciliation, reconcile
from application.runtime.recover_orders import Recovered, recover_orders
from application.runtime.scan_outcome import Controls, ScanOutcome, Status
from application.runtime.scan_predictions import Prefetched, ScanPrefetch
from application.stats.ports import PatternRepository
from domain.execution.instruments import Instruments
from domain.market.candles import CandleWindow, Pair
from domain.market.indicators import wilder_atr
from domain.risk import Account
from domain.risk.decisions import Rule
from domain.risk.emission import Alert, AlertKind, EmissionConfig, GuardState, set_kill_switch
from domain.risk.trade_check import AccountStatus
from domain.signals.confidence import HysteresisSettings, PatternSettings, TierState, update_tier
from domain.signals.signal import Mode, Prediction, Signal, Tier


@attrs.frozen
class ScanConfig:
    pairs: tuple[Pair, ...]
    mode: Mode
    emission: EmissionConfig = attrs.Factory(EmissionConfig)
    hysteresis: HysteresisSettings = attrs.Factory(HysteresisSettings)
    initial_balance: float = 100_000.0
    max_hold: timedelta = timedelta(minutes=60)
    reward_risk: float = 1.5
    stop_atr_multiple: float = 2.0
    atr_period: int = 14
    max_staleness: timedelta = timedelta(minutes=2)
    # the confidence moved towards its pattern's history (application.runtime.pattern_adjust); None: off
    patterns: PatternSettings | None = None


@attrs.frozen
class ScanReport:
    at: datetime
    pairs: tuple[ScanOutcome, ...]
    closed: tuple[ClosedTrade, ...]
    account: AccountStatus
    state: GuardState
    store_error: str | None = None
    refused_closes: tuple[RefusedClose, ...] = ()
    pattern_note: str | None = None  # which pattern history the run uses, said at its first scan when not the store
    recovered: tuple[Recovered, ...] = ()  # unbooked orders resolved at the broker before this scan


class ScanMarket:
    """``timer`` reads seconds for the latency of each pair's scan (time.perf_counter in the
    runtime): injected, so that the use case reads no clock of its own."""

    def __init__(self, *, source: CandleSource, predictor: Predictor, book: RiskBookUnitOfWork, notifier: Notifier,
                 broker: Broker, config: ScanConfig, timer: Callable[[], float],
                 controls: Callable[[], Controls] = Controls, instruments: Instruments | None = None,
                 patterns: PatternRepository | None = None, delivery: Delivery | None = None,
                 account: Callable[[], AccountInfo] | None = None, intents: OrderIntents | None = None,
                 day_start: Callable[[datetime, datetime], float] | None = None) -> None:
        """Live: ``account`` and ``day_start`` are the broker's account and its balance at a past
        instant, which the guard reads (PaperBook); ``intents``: each order is written before it is
        sent, so that one the runtime never booked is booked from the broker later
        (application.runtime.recover_orders)."""
        self._source = source
        self._predictor = predictor
        self._book = book
        self._notifier = notifier
        self._broker = broker
        self._config = config
        self._timer = timer
        self._controls = controls
        self._instruments = instruments or config.emission.instruments
        self._patterns = RunPatterns(patterns) if patterns is not None else None
        self._paper = PaperBook(source=source, book=book, broker=broker, instruments=self._instruments,
                                risk=config.emission.risk, max_hold=config.max_hold, patterns=self._patterns,
                                account=account, day_start=day_start)
        self._adjust = PatternAdjuster(self._patterns, config.patterns)
        # None: messages go straight to the notifier (backtests, stores of no durability)
        self._delivery = delivery
        self._alerts = AlertDispatch(self._notify, delivery)
        self._emitter = Emitter(book=book, broker=broker, instruments=self._instruments, notify=self._notify,
                                alerts=self._send_alerts, delivery=delivery, intents=intents)
        self._gateway: BrokerGateway | None = None  # live, once reconciled: unbooked orders are resolved there
        self._state: GuardState | None = None
        self._prefetch = ScanPrefetch.offered_by(predictor, source, self._window_length, config.max_staleness, timer)

    def scan(self, now: datetime) -> ScanReport:
        controls = self._controls()
        pattern_note = self._patterns.start(now) if self._patterns is not None else None
        state, recovered = self._recover(self._current_state(now), now)
        state = set_kill_switch(state, controls.kill_switch, controls.kill_switch_reason)
        settled = self._paper.settle(state, now)
        state = settled.state
        ready, waited = self._prefetched(state, now) if not settled.problems else ({}, 0.0)
        outcomes = []
        for pair in self._config.pairs:
            started = self._timer()
            if settled.problems:  # an open position cannot be marked: equity is unknown, so nothing is emitted
                outcome = self._invalid(pair, now, settled.problems)
            else:
                outcome, state = self._scan_pair(pair, now, state, controls, ready.get(pair))
            # a prefetched pair's decision waited for the scan-level prediction too
            spent = self._timer() - started + (waited if pair in ready else 0.0)
            outcomes.append(attrs.evolve(outcome, latency_ms=spent * 1000))
        state = attrs.evolve(state, as_of=now)
        store_error = self._save(state, now)
        self._state = state
        return ScanReport(now, tuple(outcomes), settled.closed, settled.status, state, store_error, settled.refused,
                          pattern_note, recovered)

    def reconcile(self, gateway: BrokerGateway, now: datetime) -> Reconciliation:
        """Live, before the first scan: the broker's positions against the book (reconcile.py);
        the scans go on from the state with the broker's closes booked."""
        self._gateway = gateway
        state, recovered = recover_orders(gateway, self._emitter, self._current_state(now), now, self._config.emission)
        result = reconcile(gateway, self._paper, state, now)
        self._state = result.state
        return attrs.evolve(result, recovered=recovered)

    def _recover(self, state: GuardState, now: datetime) -> tuple[GuardState, tuple[Recovered, ...]]:
        """Live: the orders this run sent and could not book, resolved at the broker before the scan."""
        if self._gateway is None or not self._emitter.unresolved:
            return state, ()
        return recover_orders(self._gateway, self._emitter, state, now, self._config.emission)

    def carry_tiers(self, tiers: TierState) -> None:
        """Start the next scan from ``tiers``: for a caller (the backtest) that fed the hysteresis
        itself over scans it proved would change nothing else."""
        if self._state is not None:
            self._state = attrs.evolve(self._state, tiers=tiers)

    def _current_state(self, now: datetime) -> GuardState:
        if self._state is not None:
            return self._state
        loaded = self._book.load_state()
        # a saved state from later market time belongs to another replay: start the account anew
        if loaded is None or (loaded.as_of is not None and loaded.as_of > now):
            return GuardState(Account.start(self._config.initial_balance, now))
        return loaded

    def _save(self, state: GuardState, now: datetime) -> str | None:
        account = state.account
        snapshot = EquitySnapshot(now, account.balance, account.equity, account.day, account.day_start_balance,
                                  len(account.positions))
        try:
            self._book.save_state(state, snapshot)
        except Exception as exc:  # the next save carries the state; nothing was announced on it
            return f"{type(exc).__name__}: {exc}"
        return None

    def _window_length(self) -> int:
        return max(self._predictor.lookback, self._config.atr_period + 1)

    def _prefetched(self, state: GuardState, now: datetime) -> tuple[dict[Pair, Prefetched], float]:
        """The windows and the scan-level predictions of the pairs not in a position, when the
        predictor answers a scan at once; else nothing, and each pair is read and asked alone."""
        if self._prefetch is None:
            return {}, 0.0
        held = {p.pair for p in state.account.positions}
        return self._prefetch([p for p in self._config.pairs if p not in held], now)

    def _scan_pair(self, pair: Pair, now: datetime, state: GuardState, controls: Controls,
                   ready: Prefetched | None = None) -> tuple[ScanOutcome, GuardState]:
        cfg = self._config
        if any(p.pair == pair for p in state.account.positions):
            return ScanOutcome(pair, Status.IN_POSITION, now), state
        window = ready.window if ready is not None else self._source.window(pair, now, self._window_length())
        prediction, atr, missing = self._predict(pair, window, now, ready)
        adjusted = self._adjust(window, prediction) if prediction is not None and atr is not None else None
        # anything but a prediction breaks a rising tier streak
        tiers, tier = update_tier(state.tiers, pair, adjusted.confidence if adjusted else 0.0,
                                  controls.thresholds, cfg.hysteresis)
        state = attrs.evolve(state, tiers=tiers)
        if prediction is None or atr is None or adjusted is None:
            return missing or ScanOutcome(pair, Status.NO_PREDICTION, now), state
        if tier is None:
            seen = controls.thresholds.tier_for(adjusted.confidence)
            status = Status.BELOW_TIER if seen is None else Status.UNCONFIRMED
            outcome = ScanOutcome(pair, status, now, prediction=prediction)
        else:
            signal = self._build(pair, prediction, adjusted, tier, window, atr, now)
            outcome, state = self._guard_and_emit(signal, prediction, state, now, controls)
        return attrs.evolve(outcome, pattern_error=adjusted.error), state

    def _predict(self, pair: Pair, window: CandleWindow, now: datetime,
                 ready: Prefetched | None = None) -> tuple[Prediction | None, float | None, ScanOutcome | None]:
        if len(window) == 0:
            return None, None, ScanOutcome(pair, Status.NO_DATA, now)
        if now - window.last_close_time > self._config.max_staleness:
            stale = f"last candle closed {window.last_close_time:%Y-%m-%d %H:%M}"
            return None, None, ScanOutcome(pair, Status.STALE, now, reasons=(stale,))
        if bad := window.problems():
            return None, None, self._invalid(pair, now, bad)
        try:
            prediction = ready.prediction if ready is not None and ready.answered else self._predictor.predict(window)
        except ValueError as exc:  # e.g. a probability of NaN refused by Prediction itself
            return None, None, self._invalid(pair, now, (f"{pair} predictor output refused: {exc}",))
        if prediction is not None and not 0 <= prediction.probability <= 1:
            return None, None, self._invalid(pair, now, (f"{pair} prediction is {prediction.probability!r}",))
        atr = wilder_atr(window, self._config.atr_period)
        if prediction is None or atr is None or atr <= 0:
            return None, None, ScanOutcome(pair, Status.NO_PREDICTION, now)
        if not math.isfinite(atr):
            return None, None, self._invalid(pair, now, (f"{pair} ATR is {atr!r}",))
        return prediction, atr, None

    def _invalid(self, pair: Pair, now: datetime, problems: tuple[str, ...]) -> ScanOutcome:
        """Fail closed on a number no decision can rest on: a denial with its alert, never a crash."""
        alert = Alert(AlertKind.INVALID_INPUT, now, pair, f"{pair}: signal withheld on invalid input: "
                                                          + "; ".join(problems))
        self._send_alerts((alert,))
        return ScanOutcome(pair, Status.DENIED, now, reasons=tuple(f"{Rule.INVALID_INPUT}: {p}" for p in problems),
                           rules=(Rule.INVALID_INPUT,), alerts=(alert,))

    def _build(self, pair: Pair, prediction: Prediction, adjusted: Adjusted, tier: Tier, window: CandleWindow,
               atr: float, now: datetime) -> Signal:
        cfg = self._config
        return Signal.from_prediction(
            pair=pair, prediction=prediction, confidence=adjusted.confidence, tier=tier,
            entry=float(window.close[-1]), stop_distance=atr * cfg.stop_atr_multiple, reward_risk=cfg.reward_risk,
            now=now, mode=cfg.mode, pattern=adjusted.pattern,
        )

    def _guard_and_emit(self, signal: Signal, prediction: Prediction, state: GuardState, now: datetime,
                        controls: Controls) -> tuple[ScanOutcome, GuardState]:
        config = attrs.evolve(self._config.emission, max_signals_per_hour=controls.max_signals_per_hour,
                              max_signals_per_hour_high=controls.max_signals_per_hour_high)
        return self._emitter.guard_and_emit(signal, prediction, state, now, config)

    def _send_alerts(self, alerts: tuple[Alert, ...]) -> None:
        self._alerts(alerts)  # the two delivered kinds, throttled; invalid inputs are only logged

    def _notify(self, text: str) -> str | None:
        try:
            self._notifier.send(text)
        except Exception as exc:  # a lost message must not stop the runtime; the caller logs it
            return f"{type(exc).__name__}: {exc}"
        return None
