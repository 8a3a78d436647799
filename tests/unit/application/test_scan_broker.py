"""The scan fills through its Broker: every open and close is an order whose fill is booked into
the guard's account; a refusal, or a broker that cannot be asked, is an outcome, never a crash.
And the scan times itself with the timer it is given."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from adapters.brokers.paper import PaperBroker
from application.runtime.scan_outcome import Status
from domain.execution.fills import Fill
from tests.fakes.broker import RecordingBroker
from tests.fakes.ports import RecordingNotifier
from tests.fakes.risk_book import InMemoryRiskBook
from tests.unit.application.test_scan_market import BTC, ETH, NOW, make_scan


def scan_with_broker(**kwargs):
    broker, book, notifier = RecordingBroker(PaperBroker()), InMemoryRiskBook(), RecordingNotifier()
    scan, _ = make_scan(broker=broker, book=book, notifier=notifier, **kwargs)
    return scan, broker, book, notifier


def test_every_open_and_close_of_the_runtime_goes_through_the_broker() -> None:
    scan, broker, book, _ = scan_with_broker(pairs=(BTC, ETH), minutes=600)
    reports = [scan.scan(NOW + timedelta(minutes=2 * step)) for step in range(200)]
    emitted = [o.signal for r in reports for o in r.pairs if o.status is Status.EMITTED]
    closed = [c for r in reports for c in r.closed]
    assert len(emitted) > 4 and len(closed) > 4
    assert [o.signal for o in broker.opens] == emitted and [o.lots for o in broker.opens] == [s.size for s in emitted]
    assert [c.exit for c in broker.closes] == [c.close.exit for c in closed]
    fills = {o.signal.signal_id: o.answer for o in broker.opens}
    for trade, order in zip(closed, broker.closes, strict=True):
        # the account holds what the broker filled, and the outcome records the broker's closing fill
        assert trade.close.position.entry == fills[trade.outcome.signal_id].price
        assert isinstance(order.answer, Fill) and trade.outcome.exit_price == order.answer.price
        assert book.outcomes[trade.outcome.signal_id] == trade.outcome


@pytest.mark.parametrize("trouble", ["refuse", "raise"])
def test_an_open_the_broker_refuses_is_not_recorded_announced_nor_counted(trouble: str) -> None:
    scan, broker, book, notifier = scan_with_broker()
    if trouble == "refuse":
        broker.refuse_opens = "market closed"
    else:
        broker.fail_with = TimeoutError("broker unreachable")
    report = scan.scan(NOW)
    [outcome] = report.pairs
    assert outcome.status is Status.REJECTED and outcome.signal is not None
    assert outcome.reasons[0].startswith("recording paper: ")
    assert ("market closed" if trouble == "refuse" else "TimeoutError: broker unreachable") in outcome.reasons[0]
    assert book.signals == {} and notifier.messages == [] and report.store_error is None
    assert report.state.account.positions == () and report.state.emissions == ()
    broker.refuse_opens, broker.fail_with = None, None
    assert scan.scan(NOW + timedelta(minutes=2)).pairs[0].status is Status.EMITTED


@pytest.mark.parametrize("trouble", ["refuse", "raise"])
def test_a_close_the_broker_refuses_stays_open_and_is_tried_again(trouble: str) -> None:
    scan, broker, book, _ = scan_with_broker()
    opened = scan.scan(NOW).pairs[0].signal
    if trouble == "refuse":
        broker.refuse_closes = "no connection to trade server"
    else:
        broker.fail_with = ConnectionError("link down")
    report = scan.scan(NOW + timedelta(minutes=90))
    [refused] = report.refused_closes
    assert refused.position.position_id == opened.signal_id and refused.reason
    assert report.closed == () and book.outcomes == {}
    assert [p.position_id for p in report.state.account.positions] == [opened.signal_id]
    assert report.pairs[0].status is Status.IN_POSITION
    broker.refuse_closes, broker.fail_with = None, None
    again = scan.scan(NOW + timedelta(minutes=92))
    [closed] = again.closed
    assert closed.close.exit == refused.exit and book.outcomes[opened.signal_id] == closed.outcome


def test_latency_is_read_from_the_injected_timer() -> None:
    ticks = itertools.count(0.0, 0.25)
    scan, _ = make_scan(pairs=(BTC, ETH), timer=lambda: next(ticks))
    assert [o.latency_ms for o in scan.scan(NOW).pairs] == [250.0, 250.0]
