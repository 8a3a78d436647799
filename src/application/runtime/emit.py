"""The end of a pair's scan that reached a tier: the emission guard, the order, the record and the
announcement, in that order. A signal the guard denies is never sent; one the broker refuses, or
that cannot be recorded, is never announced.

Live, each order is first written as an intent (application.runtime.ports.OrderIntents) and
committed before it leaves; the intent is discarded once the order's outcome is booked. An order
the broker may have filled without the runtime booking it (no answer, a store that failed after
the fill, a process killed in between) keeps its intent, which application.runtime.recover_orders
resolves by the order's client id.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime

import attrs

from application.runtime.messages import format_signal
from application.runtime.outbox import Delivery, OutboxMessage
from application.runtime.paper_book import ask_broker
from application.runtime.ports import Broker, EntryFill, OrderIntents, RiskBookUnitOfWork
from application.runtime.scan_outcome import ScanOutcome, Status
from domain.execution.fills import Fill, RejectCode, Rejection
from domain.execution.instruments import Instruments
from domain.execution.paper import book_open
from domain.risk.emission import (
    Alert,
    EmissionCandidate,
    EmissionConfig,
    GuardState,
    evaluate_emission,
    record_emission,
    with_account,
)
from domain.signals.signal import Prediction, Signal


@attrs.frozen
class Booked:
    """How a filled order came to be booked: its ``fill`` (``costs_known`` false for one found
    again in the deal history, which carries no quote) and a ``note`` added to its message."""

    fill: Fill
    costs_known: bool = True
    note: str = ""


class Emitter:
    def __init__(self, *, book: RiskBookUnitOfWork, broker: Broker, instruments: Instruments,
                 notify: Callable[[str], str | None], alerts: Callable[[tuple[Alert, ...]], None],
                 delivery: Delivery | None = None, intents: OrderIntents | None = None) -> None:
        self._book = book
        self._broker = broker
        self._instruments = instruments
        self._notify = notify
        self._alerts = alerts
        self._delivery = delivery
        self._intents = intents
        # intents this run left for resolution (an unanswered order, a fill the store failed to record)
        self.unresolved: set[str] = set()

    @property
    def intents(self) -> OrderIntents | None:
        return self._intents

    def guard_and_emit(self, signal: Signal, prediction: Prediction, state: GuardState, now: datetime,
                       config: EmissionConfig) -> tuple[ScanOutcome, GuardState]:
        candidate = EmissionCandidate.from_signal(signal)
        decision = evaluate_emission(candidate, state, now, config)
        self._alerts(decision.alerts)
        if not decision.allowed:
            return ScanOutcome(signal.pair, Status.DENIED, now, signal=signal, prediction=prediction,
                               reasons=tuple(str(r) for r in decision.reasons),
                               rules=tuple(r.rule for r in decision.reasons), alerts=decision.alerts), state
        signal = attrs.evolve(signal, size=decision.size)
        if (unwritten := self._write_intent(signal, now)) is not None:
            return ScanOutcome(signal.pair, Status.STORE_FAILED, now, signal=signal, prediction=prediction,
                               reasons=(unwritten,)), state
        fill = ask_broker(self._broker.open, signal, decision.size)
        if isinstance(fill, Rejection):  # nothing was filled: the state stays as if the signal never came
            self.settle_intent(signal.signal_id, kept=fill.code is RejectCode.UNANSWERED)
            return ScanOutcome(signal.pair, Status.REJECTED, now, signal=signal, prediction=prediction,
                               reasons=(f"{self._broker.name}: {fill.reason}",)), state
        signal = attrs.evolve(signal, size=fill.lots)  # what was traded (MICRO_LOT sends 0.01), as booked
        return self.record(signal, prediction, Booked(fill), record_emission(state, candidate, now, config),
                           state, now)

    def record(self, signal: Signal, prediction: Prediction | None, booked: Booked, emitted: GuardState,
               before: GuardState, now: datetime) -> tuple[ScanOutcome, GuardState]:
        """Book the fill and write the signal with the state it produced, and with its message
        when it goes through the outbox, in one unit of work; announce it only once written."""
        fill = booked.fill
        spec = self._instruments.spec_for(signal.pair)
        after = with_account(emitted, book_open(emitted.account, signal, fill, spec.contract_size))
        text = format_signal(signal) + (f"\n{booked.note}" if booked.note else "")
        message = None if self._delivery is None else OutboxMessage.for_signal(signal.signal_id, text)
        try:
            stored = self._book.record_signal(signal, after, message, EntryFill.of(fill, booked.costs_known))
        except Exception as exc:
            # the signal must not be announced, and its fill is not booked: the paper broker keeps
            # nothing, and a live order's intent stays for recover_orders to book the position
            self.settle_intent(signal.signal_id, kept=True)
            return ScanOutcome(signal.pair, Status.STORE_FAILED, now, signal=signal, prediction=prediction,
                               reasons=(f"{type(exc).__name__}: {exc}",)), before
        self.settle_intent(signal.signal_id, kept=False)
        if not stored:
            # recorded by an earlier run of the same replay: replay it into the state, announce nothing
            return ScanOutcome(signal.pair, Status.DUPLICATE, now, signal=signal, prediction=prediction), after
        notify_error = self._notify(text) if message is None else None  # else the outbox's drainer sends it
        return ScanOutcome(signal.pair, Status.EMITTED, now, signal=signal, prediction=prediction,
                           notify_error=notify_error), after

    def _write_intent(self, signal: Signal, now: datetime) -> str | None:
        """None once the intent is committed (or when there is no intent store); else why the
        order is not sent: an order whose record could be lost is never sent."""
        if self._intents is None:
            return None
        try:
            self._intents.write(signal, now)
        except Exception as exc:
            return f"order intent not written, nothing sent: {type(exc).__name__}: {exc}"
        return None

    def settle_intent(self, signal_id: str, *, kept: bool) -> None:
        """``kept``: the order may stand at the broker unbooked, so its intent stays for
        recover_orders; else the intent is discarded (its outcome is booked, or nothing was filled)."""
        if self._intents is None:
            return
        if kept:
            self.unresolved.add(signal_id)
            return
        self.unresolved.discard(signal_id)
        # a stale intent is harmless: recover_orders finds its signal booked, or its order unfilled
        with contextlib.suppress(Exception):
            self._intents.discard(signal_id)
