from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime, timedelta

from adapters.brokers.paper import PaperBroker
from adapters.clock import ReplayClock
from adapters.replay import ArrayCandleSource
from application.runtime.loop import Runtime, align_up
from application.runtime.scan_market import ScanConfig, ScanMarket
from domain.market.candles import Pair
from domain.signals.confidence import HysteresisSettings
from domain.signals.signal import Mode
from tests.fakes.ports import FixedPredictor, RecordingNotifier
from tests.fakes.risk_book import InMemoryRiskBook
from tests.fakes.series import random_walk

BTC = Pair("BTCUSDT")
START = datetime(2024, 3, 1, tzinfo=UTC)


def test_align_up_snaps_to_the_interval_grid() -> None:
    two = timedelta(minutes=2)
    assert align_up(datetime(2024, 3, 1, 0, 1, 30, tzinfo=UTC), two) == datetime(2024, 3, 1, 0, 2, tzinfo=UTC)
    assert align_up(datetime(2024, 3, 1, 0, 2, tzinfo=UTC), two) == datetime(2024, 3, 1, 0, 2, tzinfo=UTC)


def build(stop: threading.Event, clock: ReplayClock, book: InMemoryRiskBook):
    return ScanMarket(
        source=ArrayCandleSource({BTC: random_walk(START, 600)}), predictor=FixedPredictor(), book=book,
        notifier=RecordingNotifier(), broker=PaperBroker(), timer=time.perf_counter,
        config=ScanConfig(pairs=(BTC,), mode=Mode.DRYRUN, hysteresis=HysteresisSettings(1)),
    )


def test_runs_every_interval_from_start_to_until_inclusive() -> None:
    stop, book = threading.Event(), InMemoryRiskBook()
    clock = ReplayClock(START + timedelta(minutes=60))
    seen = []
    runtime = Runtime(clock=clock, scan=build(stop, clock, book), interval=timedelta(minutes=2), stop=stop,
                      on_scan=lambda report: seen.append(report.at))
    summary = runtime.run(START + timedelta(minutes=60), START + timedelta(minutes=120))
    assert summary.scans == 31 and len(seen) == 31
    assert seen[0] == START + timedelta(minutes=60) and seen[-1] == START + timedelta(minutes=120)
    assert all(b - a == timedelta(minutes=2) for a, b in itertools.pairwise(seen))
    assert clock.now() == seen[-1]
    # one trade at a time on the pair: every scan either emits or finds the trade still open
    assert len(book.signals) == summary.emitted > 0
    assert summary.emitted + summary.counts.get("in_position", 0) == 31


def test_stop_request_ends_after_the_current_scan() -> None:
    stop, book = threading.Event(), InMemoryRiskBook()
    clock = ReplayClock(START + timedelta(minutes=60))
    scans = []

    def on_scan(report):
        scans.append(report.at)
        if len(scans) == 3:
            stop.set()

    runtime = Runtime(clock=clock, scan=build(stop, clock, book), interval=timedelta(minutes=2), stop=stop,
                      on_scan=on_scan)
    summary = runtime.run(START + timedelta(minutes=60), None)
    assert summary.scans == 3 and summary.stopped_early
    assert len(book.signals) == summary.emitted >= 1


class _Flaky(ScanMarket):
    def __init__(self, inner, fail_at):
        self._inner, self._fail_at = inner, fail_at

    def scan(self, now):
        if now == self._fail_at:
            raise ConnectionError("store went away")
        return self._inner.scan(now)


def test_a_failed_scan_is_reported_and_the_runtime_goes_on() -> None:
    stop, book = threading.Event(), InMemoryRiskBook()
    clock = ReplayClock(START + timedelta(minutes=60))
    errors = []
    runtime = Runtime(clock=clock, scan=_Flaky(build(stop, clock, book), START + timedelta(minutes=62)),
                      interval=timedelta(minutes=2), stop=stop, on_error=lambda at, exc: errors.append((at, str(exc))))
    summary = runtime.run(START + timedelta(minutes=60), START + timedelta(minutes=66))
    assert errors == [(START + timedelta(minutes=62), "store went away")]
    assert summary.scans == 3 and summary.failed_scans == 1
