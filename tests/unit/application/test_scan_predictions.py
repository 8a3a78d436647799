"""A predictor that answers a whole scan at once is asked once per scan, about the pairs the scan
would have asked one by one, and the scan decides exactly as it does with per-pair predictions;
when the scan-level call raises, each pair is asked alone, so one bad window denies only its pair."""

from __future__ import annotations

import time
from datetime import timedelta
from itertools import count

from adapters.brokers.paper import PaperBroker
from adapters.replay import ArrayCandleSource
from application.runtime.scan_market import ScanConfig, ScanMarket, ScanReport
from application.runtime.scan_outcome import Status
from domain.market.candles import Direction, Pair
from domain.signals.confidence import HysteresisSettings
from domain.signals.signal import Mode
from tests.fakes.candles import with_value
from tests.fakes.ports import FixedPredictor, FixedScanPredictor, RecordingNotifier
from tests.fakes.risk_book import InMemoryRiskBook
from tests.fakes.series import random_walk
from tests.unit.application.test_scan_market import BTC, ETH, NOW, START

SOL, XRP, BNB = Pair("SOLUSDT"), Pair("XRPUSDT"), Pair("BNBUSDT")
PAIRS = (BTC, SOL, ETH, XRP, BNB)
LAST = 119  # the candle that closes at NOW


def series() -> dict:
    """BTC and ETH readable, SOL without candles, XRP stale, BNB with a close that is no price."""
    return {BTC: random_walk(START, 400, seed=3), ETH: random_walk(START, 400, seed=4),
            XRP: random_walk(START, 100, seed=5),
            BNB: with_value(random_walk(START, 400, seed=6), "close", LAST, float("nan"))}


def scanner(predictor, pairs=PAIRS, timer=time.perf_counter) -> ScanMarket:
    return ScanMarket(source=ArrayCandleSource(series()), predictor=predictor, book=InMemoryRiskBook(),
                      notifier=RecordingNotifier(), broker=PaperBroker(), timer=timer,
                      config=ScanConfig(pairs=pairs, mode=Mode.DRYRUN, hysteresis=HysteresisSettings(1)))


def decided(report: ScanReport) -> list[tuple]:
    return [(o.pair, o.status, o.prediction, o.reasons, o.rules,
             None if o.signal is None else (o.signal.entry, o.signal.stop_loss, o.signal.take_profit, o.signal.size))
            for o in report.pairs]


def test_one_scan_level_call_decides_as_per_pair_predictions_do() -> None:
    batched, alone = FixedScanPredictor(), FixedPredictor()
    scans = [scanner(batched), scanner(alone)]
    for minutes in (0, 2):  # the second scan: BTC and ETH hold the positions the first opened
        by_batch, by_pair = (s.scan(NOW + timedelta(minutes=minutes)) for s in scans)
        assert decided(by_batch) == decided(by_pair)
    first = [o.status for o in scans[0].scan(NOW + timedelta(minutes=4)).pairs]
    assert first == [Status.IN_POSITION, Status.NO_DATA, Status.IN_POSITION, Status.STALE, Status.DENIED]
    # asked once, about the two readable pairs only; then never (both in a position); never per pair
    assert batched.scans == [(BTC, ETH)] and batched.asked == []


def test_a_window_that_makes_the_scan_level_call_raise_fails_only_its_own_pair() -> None:
    predictor = FixedScanPredictor(refuse=[ETH])
    report = scanner(predictor, pairs=(ETH, BTC)).scan(NOW)
    eth, btc = report.pairs
    assert eth.status is Status.DENIED and eth.rules == ("invalid_input",)
    assert "ETHUSDT predictor output refused: ETHUSDT: cannot read this window" in eth.reasons[0]
    assert btc.status is Status.EMITTED
    assert predictor.scans == [(ETH, BTC)] and predictor.asked == [ETH, BTC]  # then each pair alone, in order


def test_a_prefetched_pair_counts_the_scan_level_prediction_in_its_latency() -> None:
    ticks = count()
    timer = lambda: float(next(ticks))  # noqa: E731  every reading one second on
    batched = scanner(FixedScanPredictor(Direction.LONG, 0.52), pairs=(BTC, ETH), timer=timer).scan(NOW)
    ticks = count()
    alone = scanner(FixedPredictor(Direction.LONG, 0.52), pairs=(BTC, ETH), timer=timer).scan(NOW)
    assert [o.latency_ms for o in alone.pairs] == [1000.0, 1000.0]
    assert [o.latency_ms for o in batched.pairs] == [2000.0, 2000.0]  # the prefetch's second, then its own
