"""A bot use case over in-memory stores, a settable clock and recorded audit events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from application.bot.ratelimit import RateLimit
from application.bot.service import BotService, Incoming, Outgoing
from application.bot.setup import BotSetup, BotStores
from application.runtime.health import HealthMonitor, Served
from application.runtime.scan_outcome import Controls
from domain.risk import RiskSettings
from domain.signals.signal import Mode
from tests.fakes.ports import InMemorySignalRepository
from tests.fakes.retrain_requests import InMemoryRetrainRequests
from tests.fakes.risk_book import InMemoryControlRepository, InMemoryRiskBook
from tests.unit.persistence.fakes import InMemoryPatternRepository
from tests.unit.persistence.fakes import InMemoryRiskBook as InMemoryPerformance

T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
TRADER, PARTNER, STRANGER = 4242, 4343, 6666
CHAT = -1001234567890


@attrs.define
class World:
    clock: list[datetime]  # the wall clock the health monitor reads too
    service: BotService
    events: list[tuple[str, str, dict[str, Any]]]
    controls: InMemoryControlRepository
    book: InMemoryRiskBook
    signals: InMemorySignalRepository
    performance: InMemoryPerformance
    retrain: InMemoryRetrainRequests
    monitor: HealthMonitor

    @property
    def now(self) -> datetime:
        return self.clock[0]

    def say(self, text: str, user: int | None = TRADER, chat: int | None = CHAT,
            sent: datetime | None = None) -> Outgoing:
        return self.service.handle(Incoming(user, chat, sent or self.now, text=text), self.now)

    def press(self, data: str, user: int = TRADER, chat: int = CHAT) -> Outgoing:
        return self.service.handle(Incoming(user, chat, self.now, callback_data=data), self.now)

    def later(self, **delta: float) -> None:
        self.clock[0] += timedelta(**delta)

    def named(self, event: str) -> list[dict[str, Any]]:
        return [fields for name, _, fields in self.events if name == event]


def world(mode: Mode = Mode.DRYRUN, allowed: frozenset[int] = frozenset({TRADER, PARTNER}),
          rate: RateLimit | None = None, forced_kill_switch: bool = False) -> World:
    events: list[tuple[str, str, dict[str, Any]]] = []
    controls, book = InMemoryControlRepository(), InMemoryRiskBook("replay")
    signals = InMemorySignalRepository()
    performance = InMemoryPerformance(signals)
    retrain = InMemoryRetrainRequests()
    clock = [T0]
    monitor = HealthMonitor(Served(mode.value, "paper", "fixed-v1"), timedelta(minutes=2), lambda: None,
                            lambda: clock[0])
    setup = BotSetup(mode, "replay", allowed, str(CHAT), Controls(), forced_kill_switch, RiskSettings(),
                     rate or RateLimit(per_minute=60, burst=100))
    stores = BotStores(controls, book, performance, InMemoryPatternRepository(), retrain, monitor.report)
    service = BotService(setup, stores, lambda e, level, **f: events.append((e, level, f)), T0)
    return World(clock, service, events, controls, book, signals, performance, retrain, monitor)


def buttons(out: Outgoing) -> dict[str, str]:
    assert out.reply is not None
    return {b.label: b.data for b in out.reply.buttons}
