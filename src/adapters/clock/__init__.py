"""Clocks: the wall clock for the live runtime, a replay clock driven by the data's timestamps."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from application.data.ports import Clock
from domain.market.candles import require_utc


class SystemClock(Clock):
    def __init__(self, stop: threading.Event | None = None) -> None:
        self._stop = stop or threading.Event()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep_until(self, moment: datetime) -> None:
        # waiting on the stop event lets SIGTERM end the wait at once
        delay = (require_utc(moment, "moment") - self.now()).total_seconds()
        if delay > 0:
            self._stop.wait(delay)


class ReplayClock(Clock):
    """Market time that starts at ``start`` and advances only when asked.

    ``speed`` None jumps at once ("max"); a factor of 60 turns a market minute into a second.
    """

    def __init__(self, start: datetime, speed: float | None = None, stop: threading.Event | None = None) -> None:
        if speed is not None and speed <= 0:
            raise ValueError(f"replay speed must be positive, got {speed}")
        self._now = require_utc(start, "start")
        self._speed = speed
        self._stop = stop or threading.Event()

    def now(self) -> datetime:
        return self._now

    def sleep_until(self, moment: datetime) -> None:
        moment = require_utc(moment, "moment")
        if moment <= self._now:
            return
        if self._speed is not None:
            self._stop.wait((moment - self._now).total_seconds() / self._speed)
        self._now = moment
