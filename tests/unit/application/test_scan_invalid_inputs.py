"""The runtime's scan fails closed on numbers no decision can rest on: a NaN prediction, a candle
that is not a price, an open position that cannot be marked. Each is a denial citing
``invalid_input``, with an alert; never an emission and never a crash of the scan."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from adapters.brokers.paper import PaperBroker
from adapters.replay import ArrayCandleSource
from application.runtime.scan_market import ScanConfig, ScanMarket
from application.runtime.scan_outcome import Status
from domain.market.candles import CandleWindow, Direction
from domain.risk.emission import AlertKind
from domain.signals.confidence import HysteresisSettings
from domain.signals.signal import Mode, Prediction
from tests.fakes.candles import with_value
from tests.fakes.ports import FixedPredictor, RecordingNotifier
from tests.fakes.risk_book import InMemoryRiskBook
from tests.fakes.series import random_walk
from tests.unit.application.test_scan_market import BTC, ETH, NOW, START

MINUTES = 400
LAST = 119  # the candle that closes at NOW


class RawPredictor(FixedPredictor):
    """A predictor whose output skips Prediction's own check, as a careless adapter might build it."""

    def __init__(self, probability: float) -> None:
        super().__init__(Direction.LONG, 0.75)
        self._raw = probability

    def predict(self, window: CandleWindow) -> Prediction | None:
        prediction = Prediction(Direction.LONG, 0.75, model=self.version)
        object.__setattr__(prediction, "probability", self._raw)
        return prediction


def scan_over(series: dict, predictor=None, pairs=(BTC,)):
    book, notifier = InMemoryRiskBook(), RecordingNotifier()
    scan = ScanMarket(source=ArrayCandleSource(series), predictor=predictor or FixedPredictor(Direction.LONG, 0.75),
                      book=book, notifier=notifier, broker=PaperBroker(), timer=time.perf_counter,
                      config=ScanConfig(pairs=pairs, mode=Mode.DRYRUN, hysteresis=HysteresisSettings(1)))
    return scan, book, notifier


def assert_denied_invalid(outcome, notifier, *words: str) -> None:
    assert outcome.status is Status.DENIED
    assert outcome.rules == ("invalid_input",)
    assert [a.kind for a in outcome.alerts] == [AlertKind.INVALID_INPUT]
    for word in words:
        assert word in " ".join(outcome.reasons)
    assert not any(m.startswith("[DRY-RUN] 🟢") for m in notifier.messages)
    assert notifier.messages == []  # logged and counted by the runtime, not one of the two alerts sent


@pytest.mark.parametrize("probability", [float("nan"), float("inf"), -0.5, 1.5])
def test_a_prediction_that_is_no_probability_is_denied(probability: float) -> None:
    scan, book, notifier = scan_over({BTC: random_walk(START, MINUTES)}, FixedPredictor(Direction.LONG, probability))
    [outcome] = scan.scan(NOW).pairs
    assert_denied_invalid(outcome, notifier, "predictor output refused")
    assert book.signals == {}


def test_a_prediction_that_bypassed_its_check_is_still_denied() -> None:
    scan, book, notifier = scan_over({BTC: random_walk(START, MINUTES)}, RawPredictor(float("nan")))
    [outcome] = scan.scan(NOW).pairs
    assert_denied_invalid(outcome, notifier, "prediction is nan")
    assert book.signals == {}


@pytest.mark.parametrize(("column", "value"), [("close", float("nan")), ("high", float("inf")),
                                               ("low", -1.0), ("volume", float("nan"))])
def test_a_candle_that_is_no_price_is_denied_and_named(column: str, value: float) -> None:
    series = with_value(random_walk(START, MINUTES), column, LAST, value)
    scan, book, notifier = scan_over({BTC: series})
    [outcome] = scan.scan(NOW).pairs
    assert_denied_invalid(outcome, notifier, "BTCUSDT candle 2024-03-01 01:59 UTC", f"{column} is")
    assert book.signals == {}


def test_an_open_position_that_cannot_be_marked_stops_every_pair_and_the_scan_survives() -> None:
    btc, eth = random_walk(START, MINUTES, seed=3), random_walk(START, MINUTES, seed=4)
    scan, book, notifier = scan_over({BTC: with_value(btc, "close", LAST + 2, float("nan")), ETH: eth}, pairs=(BTC,))
    assert scan.scan(NOW).pairs[0].status is Status.EMITTED
    [held] = book.state.account.positions
    notifier.messages.clear()
    # two minutes on, BTC's latest candle is NaN: the open BTC trade cannot be valued, so equity is unknown
    scan2 = ScanMarket(source=ArrayCandleSource({BTC: with_value(btc, "close", LAST + 2, float("nan")), ETH: eth}),
                       predictor=FixedPredictor(Direction.LONG, 0.75), book=book, notifier=notifier,
                       broker=PaperBroker(), timer=time.perf_counter,
                       config=ScanConfig(pairs=(BTC, ETH), mode=Mode.DRYRUN, hysteresis=HysteresisSettings(1)))
    report = scan2.scan(NOW + timedelta(minutes=2))
    for outcome in report.pairs:
        assert_denied_invalid(outcome, notifier, "BTCUSDT candle", "close is nan")
    [still] = report.state.account.positions
    assert still.position_id == held.position_id and still.mark == held.mark  # kept its last good mark
