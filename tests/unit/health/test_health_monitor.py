"""The health report: healthy while scans keep coming and the store answers; otherwise why not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from application.runtime.health import HealthMonitor, Served

START = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
SERVED = Served("dryrun", "paper", "baseline-momentum-k0.5")


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def _monitor(clock: Clock, store: list[str | None]) -> HealthMonitor:
    return HealthMonitor(SERVED, timedelta(minutes=2), lambda: store[0], clock)


def test_healthy_while_scans_come_and_stale_after_two_intervals() -> None:
    clock, store = Clock(), [None]
    monitor = _monitor(clock, store)
    assert monitor.report().healthy  # within the grace before the first scan
    clock.now += timedelta(minutes=5)
    stale = monitor.report()
    assert not stale.healthy and "no scan yet" in stale.body["problems"][0]
    monitor.scanned(datetime(2021, 7, 9, 18, 0, tzinfo=UTC))
    clock.now += timedelta(minutes=3, seconds=59)
    fresh = monitor.report()
    assert fresh.healthy and fresh.body["status"] == "ok" and fresh.body["lag_seconds"] == 239.0
    assert fresh.body["last_scan"] == "2021-07-09T18:00:00+00:00" and fresh.body["model"] == SERVED.model
    clock.now += timedelta(seconds=2)
    late = monitor.report()
    assert not late.healthy and late.body["problems"] == [
        "the last scan was 241 s ago (more than two scan intervals, 240 s)"]


def test_a_store_that_does_not_answer_is_unhealthy_and_says_why() -> None:
    clock, store = Clock(), ["OperationalError: connection refused"]
    monitor = _monitor(clock, store)
    monitor.scanned(START)
    down = monitor.report()
    assert not down.healthy and down.body["store"] == "down"
    assert down.body["problems"] == ["store: OperationalError: connection refused"]
    store[0] = None
    assert monitor.report().healthy
