"""Live orders are written as intents before they are sent, and an order the runtime could not
book (no answer, a store that failed after the fill) is booked from the broker's fill once it can
be: in the next scan, or at the next start. A refused order leaves no intent; an order whose intent
cannot be written is never sent."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from adapters.mt5.gateway import Mt5Gateway
from adapters.replay import ArrayCandleSource
from application.brokers.runtime_broker import GatewayBroker
from application.runtime.recover_orders import RecoveryKind
from application.runtime.scan_market import ScanConfig, ScanMarket, ScanReport
from application.runtime.scan_outcome import Status
from domain.market.candles import Direction, Pair
from domain.signals.confidence import HysteresisSettings
from domain.signals.signal import Mode, Signal, Tier
from tests.fakes.market_terminal import LOST, MarketTerminal
from tests.fakes.ports import FixedPredictor, RecordingNotifier
from tests.fakes.risk_book import InMemoryOrderIntents, InMemoryRiskBook
from tests.fakes.series import random_walk

BTC = Pair("BTCUSDT")
START = datetime(2024, 3, 1, tzinfo=UTC)
T0 = START + timedelta(minutes=120)


class Live:
    """A runtime scanning BTC against a fake MT5 terminal that quotes the same candles."""

    def __init__(self, intents: InMemoryOrderIntents | None = None) -> None:
        candles = random_walk(START, 400, seed=3, price=60_000.0)
        self.now = T0
        self.terminal = MarketTerminal(lambda: self.now, {"BTCUSD": candles})
        self.gateway = Mt5Gateway(self.terminal, now=lambda: self.now)
        self.book = InMemoryRiskBook(account=Mode.LIVE.value)
        self.intents = intents if intents is not None else InMemoryOrderIntents()
        self.notifier = RecordingNotifier()
        self.scanner = ScanMarket(source=ArrayCandleSource({BTC: candles}),
                                  predictor=FixedPredictor(Direction.LONG, 0.75), book=self.book,
                                  notifier=self.notifier, broker=GatewayBroker(self.gateway), timer=time.perf_counter,
                                  config=ScanConfig(pairs=(BTC,), mode=Mode.LIVE, hysteresis=HysteresisSettings(1)),
                                  intents=self.intents)

    def scan(self, minutes: int = 0) -> ScanReport:
        self.now = T0 + timedelta(minutes=minutes)
        return self.scanner.scan(self.now)


def test_the_intent_is_committed_before_the_order_leaves_and_cleared_once_booked() -> None:
    live = Live()
    seen_at_send: list[tuple[str, ...]] = []
    send = live.terminal.order_send

    def watching(request):  # type: ignore[no-untyped-def]
        seen_at_send.append(tuple(s.signal_id for s in live.intents.pending()))
        return send(request)

    live.terminal.order_send = watching  # type: ignore[method-assign]
    [outcome] = live.scan().pairs
    assert outcome.status is Status.EMITTED and outcome.signal is not None
    assert seen_at_send == [(outcome.signal.signal_id,)]
    assert live.intents.intents == {}
    entry = live.book.entries[outcome.signal.signal_id]  # the broker's fill, with its costs
    assert entry.price == live.scanner.scan(T0 + timedelta(minutes=2)).state.account.positions[0].entry
    assert entry.spread_bps is not None and entry.spread_bps > 0 and entry.slippage_bps is not None


def test_an_order_whose_intent_cannot_be_written_is_never_sent() -> None:
    live = Live(InMemoryOrderIntents(fail_with=OSError("disk full")))
    [outcome] = live.scan().pairs
    assert outcome.status is Status.STORE_FAILED and "order intent not written, nothing sent" in outcome.reasons[0]
    assert live.terminal.sent == [] and live.book.signals == {} and live.notifier.messages == []


def test_a_refused_order_leaves_no_intent() -> None:
    live = Live()
    live.terminal.retcodes.append(live.terminal.TRADE_RETCODE_REJECT)
    [outcome] = live.scan().pairs
    assert outcome.status is Status.REJECTED and live.intents.intents == {} and not live.terminal.positions


def test_an_unanswered_order_is_booked_from_the_broker_in_the_next_scan_once() -> None:
    live = Live()
    live.scanner.reconcile(live.gateway, T0)
    live.terminal.open_faults.append(LOST)  # the terminal executes the order; its answer is lost
    send = live.terminal.order_send

    def then_down(request):  # type: ignore[no-untyped-def]
        answer = send(request)
        live.terminal.down()  # and the terminal is gone before the order can be looked up
        return answer

    live.terminal.order_send = then_down  # type: ignore[method-assign]
    [lost] = live.scan().pairs
    assert lost.status is Status.REJECTED and lost.signal is not None
    signal_id = lost.signal.signal_id
    assert list(live.intents.intents) == [signal_id] and live.book.signals == {}
    assert len(live.terminal.positions) == 1  # open at the broker, unknown to the book

    live.terminal.order_send = send  # type: ignore[method-assign]
    live.terminal.up()
    report = live.scan(2)
    [recovered] = report.recovered
    assert recovered.kind is RecoveryKind.BOOKED and recovered.signal.signal_id == signal_id
    [held] = live.terminal.positions.values()
    assert [p.position_id for p in report.state.account.positions] == [signal_id]
    assert report.state.account.positions[0].entry == pytest.approx(held.price_open, rel=1e-12)
    assert list(live.book.signals) == [signal_id] and live.intents.intents == {}
    assert "Booked late from the broker's fill" in live.notifier.messages[-1]
    assert len([s for s in live.terminal.sent if "position" not in s]) == 1  # never sent twice
    assert live.scan(4).recovered == ()


def test_a_fill_the_store_failed_to_record_is_booked_when_the_store_is_back() -> None:
    live = Live()
    live.scanner.reconcile(live.gateway, T0)
    live.book.fail_with = OSError("database is down")
    [failed] = live.scan().pairs
    assert failed.status is Status.STORE_FAILED and failed.signal is not None and live.terminal.positions
    live.book.fail_with = None
    report = live.scan(2)
    assert [r.kind for r in report.recovered] == [RecoveryKind.BOOKED]
    assert list(live.book.signals) == [failed.signal.signal_id]
    assert [o.status for o in report.pairs] == [Status.IN_POSITION]


def test_at_start_an_intent_the_broker_never_filled_is_discarded() -> None:
    live = Live()
    never_filled = Signal("BTCUSDT-20240301T0159Z-L", BTC, Direction.LONG, 60_000.0, 61_000.0, 59_000.0, 0.7,
                          Tier.HIGH, T0 - timedelta(minutes=1), Mode.LIVE, size=0.5)
    live.intents.write(never_filled, T0 - timedelta(minutes=1))
    result = live.scanner.reconcile(live.gateway, T0)
    assert [(r.signal.signal_id, r.kind) for r in result.recovered] == [(never_filled.signal_id, RecoveryKind.UNFILLED)]
    assert live.intents.intents == {} and live.book.signals == {} and live.terminal.sent == []
