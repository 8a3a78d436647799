from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

from adapters.clock import ReplayClock
from adapters.replay import ArrayCandleSource
from application.runtime import Runtime, align_up
from application.scan_market import ScanConfig, ScanMarket, kill_switch_guard
from domain.market import Pair
from domain.signals import Mode
from tests.fakes.ports import FixedPredictor, InMemorySignalRepository, RecordingNotifier
from tests.fakes.series import random_walk

BTC = Pair("BTCUSDT")
START = datetime(2024, 3, 1, tzinfo=UTC)


def test_align_up_snaps_to_the_interval_grid() -> None:
    two = timedelta(minutes=2)
    assert align_up(datetime(2024, 3, 1, 0, 1, 30, tzinfo=UTC), two) == datetime(2024, 3, 1, 0, 2, tzinfo=UTC)
    assert align_up(datetime(2024, 3, 1, 0, 2, tzinfo=UTC), two) == datetime(2024, 3, 1, 0, 2, tzinfo=UTC)


def build(stop: threading.Event, clock: ReplayClock, signals: InMemorySignalRepository):
    scan = ScanMarket(
        source=ArrayCandleSource({BTC: random_walk(START, 600)}), predictor=FixedPredictor(), signals=signals,
        notifier=RecordingNotifier(), guard=kill_switch_guard(lambda: False),
        config=ScanConfig(pairs=(BTC,), mode=Mode.DRYRUN),
    )
    return scan


def test_runs_every_interval_from_start_to_until_inclusive() -> None:
    stop, signals = threading.Event(), InMemorySignalRepository()
    clock = ReplayClock(START + timedelta(minutes=60))
    seen = []
    runtime = Runtime(clock=clock, scan=build(stop, clock, signals), interval=timedelta(minutes=2), stop=stop,
                      on_scan=lambda at, outcomes: seen.append(at))
    summary = runtime.run(START + timedelta(minutes=60), START + timedelta(minutes=120))
    assert summary.scans == 31 and len(seen) == 31
    assert seen[0] == START + timedelta(minutes=60) and seen[-1] == START + timedelta(minutes=120)
    assert all(b - a == timedelta(minutes=2) for a, b in itertools.pairwise(seen))
    assert clock.now() == seen[-1]
    assert signals.count() == summary.emitted == 31


def test_stop_request_ends_after_the_current_scan() -> None:
    stop, signals = threading.Event(), InMemorySignalRepository()
    clock = ReplayClock(START + timedelta(minutes=60))
    scans = []

    def on_scan(at, outcomes):
        scans.append(at)
        if len(scans) == 3:
            stop.set()

    runtime = Runtime(clock=clock, scan=build(stop, clock, signals), interval=timedelta(minutes=2), stop=stop,
                      on_scan=on_scan)
    summary = runtime.run(START + timedelta(minutes=60), None)
    assert summary.scans == 3 and summary.stopped_early
    assert signals.count() == 3
