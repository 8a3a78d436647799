"""The bot beside a running replay, on one SQLite store: `/kill_switch on` sent through the real
Telegram client stops the replay's next emission, and a flood of updates does not hold up the
scans (the bot has a thread and an event loop of its own; even a bot stuck in a handler delays no
scan)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from adapters.brokers.paper import PaperBroker
from adapters.clock import ReplayClock
from adapters.replay import ArrayCandleSource
from adapters.sql import SqlControlRepository, SqlRiskBook, create_engine, upgrade
from adapters.sql.tables import control_changes, risk_book
from application.bot.access import REFUSAL
from application.bot.ratelimit import RateLimit
from application.bot.service import Incoming, Outgoing
from application.runtime.controls import controls_reader
from application.runtime.loop import RunSummary, Runtime
from application.runtime.scan_market import ScanConfig, ScanMarket, ScanReport
from application.runtime.scan_outcome import Controls, Status
from domain.market.candles import Pair
from domain.signals.confidence import HysteresisSettings
from domain.signals.signal import Mode
from tests.fakes.ports import FixedPredictor, RecordingNotifier
from tests.fakes.risk_book import InMemoryRiskBook
from tests.fakes.series import random_walk
from tests.integration.telegram.bot_api_server import FakeBotApi
from tests.integration.telegram.bot_harness import (
    ACCOUNT,
    CHAT,
    TRADER,
    Chat,
    Events,
    running_bot,
    service,
    sql_stores,
    wait_until,
)

BTC = Pair("BTCUSDT")
START = datetime(2024, 3, 1, tzinfo=UTC)
FROM, UNTIL = START + timedelta(minutes=60), START + timedelta(minutes=300)
SCANS = 121  # every 2 minutes from FROM to UNTIL, both included


@pytest.fixture
def engine(tmp_path) -> Iterator[sa.Engine]:
    engine = create_engine(f"sqlite:///{tmp_path}/store.db")
    upgrade(engine)
    yield engine
    engine.dispose()


def replay(book, controls: Callable[[], Controls], on_scan: Callable[[ScanReport], None]) -> RunSummary:
    """The runtime's loop and scan over a seeded random walk; controls are read before every scan."""
    stop = threading.Event()
    scan = ScanMarket(source=ArrayCandleSource({BTC: random_walk(START, 600)}), predictor=FixedPredictor(),
                      book=book, notifier=RecordingNotifier(), broker=PaperBroker(), timer=time.perf_counter,
                      config=ScanConfig(pairs=(BTC,), mode=Mode.DRYRUN, hysteresis=HysteresisSettings(1)),
                      controls=controls)
    runtime = Runtime(clock=ReplayClock(FROM), scan=scan, interval=timedelta(minutes=2), stop=stop, on_scan=on_scan)
    return runtime.run(FROM, UNTIL)


def emitted(report: ScanReport) -> bool:
    return any(o.status is Status.EMITTED for o in report.pairs)


def test_without_the_switch_the_replay_emits_again_and_again() -> None:
    summary = replay(InMemoryRiskBook(ACCOUNT), Controls, lambda _: None)
    assert summary.emitted >= 3  # so one emission only, below, is the switch's doing


def test_kill_switch_on_from_telegram_stops_the_next_emission_of_a_running_replay(api: FakeBotApi,
                                                                                  engine: sa.Engine) -> None:
    events = Events()
    repo = SqlControlRepository(engine)
    switched_at: list[datetime] = []
    with running_bot(api, service(sql_stores(engine), events), events=events) as chat:
        def on_scan(report: ScanReport) -> None:
            if emitted(report) and not switched_at:  # the trader reads the signal and stops the bot
                chat.say("/kill_switch on news at 14:30")
                switched_at.append(report.at)

        summary = replay(SqlRiskBook(engine, ACCOUNT), controls_reader(Controls(), repo, False), on_scan)
    assert summary.scans == SCANS and summary.emitted == 1
    assert summary.denials.get("kill_switch", 0) >= 1 and summary.alerts.get("kill_switch_attempt", 0) >= 1
    with engine.connect() as connection:
        entries = connection.execute(sa.select(risk_book.c.entry_time)).scalars().all()
        [change] = connection.execute(sa.select(control_changes)).mappings().all()
    assert len(entries) == 1
    assert (change["value"], change["changed_by"], change["reason"]) == ("on", f"telegram:{TRADER}", "news at 14:30")
    assert api.texts()[-1].startswith("[DRY-RUN] Kill switch ON")


class Stuck:
    """The use case, stuck in its first update (as on a store that hangs) until released."""

    def __init__(self, inner: object) -> None:
        self.inner, self.release, self.entered = inner, threading.Event(), threading.Event()

    def handle(self, incoming: Incoming, now: datetime) -> Outgoing:
        if not self.entered.is_set():
            self.entered.set()
            self.release.wait(60)
        return self.inner.handle(incoming, now)  # type: ignore[attr-defined]


def flood(chat: Chat, count: int) -> int:
    """``count`` updates: strangers (20 of them) and the trader's store-reading commands."""
    last = 0
    for n in range(count):
        if n % 3:
            last = chat.api.updates.push_message(9000 + n % 20, 9000 + n % 20, f"/kill_switch on {n}")
        else:
            last = chat.api.updates.push_message(TRADER, CHAT, ("/check", "/stats", "/ftmo_status")[n % 9 // 3])
    return last


def test_a_flood_of_updates_does_not_hold_up_the_scans(api: FakeBotApi, engine: sa.Engine) -> None:
    events = Events()
    stuck = Stuck(service(sql_stores(engine), events, RateLimit(per_minute=60, burst=10)))
    repo = SqlControlRepository(engine)
    with running_bot(api, stuck, events=events) as chat:
        flood(chat, 300)
        assert stuck.entered.wait(15)
        seen: list[datetime] = []
        first = replay(SqlRiskBook(engine, ACCOUNT), controls_reader(Controls(), repo, False),
                       lambda report: seen.append(report.at))
        # every scan ran, in order, while the bot was still stuck on its first update
        assert not stuck.release.is_set() and chat.recording.count() == 0
        assert first.scans == SCANS and seen == [FROM + timedelta(minutes=2 * i) for i in range(SCANS)]
        stuck.release.set()
        # and the same with the bot working through a second flood while a second replay runs
        last = flood(chat, 300)
        again: list[datetime] = []
        second = replay(InMemoryRiskBook(ACCOUNT), controls_reader(Controls(), repo, False),
                        lambda report: again.append(report.at))
        assert second.scans == SCANS and again == seen
        assert api.updates.wait_confirmed(last, timeout=60)
        wait_until(lambda: chat.recording.count() == 600, timeout=60, what="every update to be handled")
    refusals = [m for m in api.delivered if m["text"] == REFUSAL]
    assert sorted(m["chat"]["id"] for m in refusals) == list(range(9000, 9020))  # once per stranger
    assert len(events.named("bot_refused")) == 400
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(control_changes)).scalar_one() == 0
