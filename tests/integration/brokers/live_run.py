"""Runs of `tradeai run`'s runtime in live mode against the fake MT5 terminal, put in through the
container's ``broker_gateway`` as the composition root would build the real one. One terminal
(the broker's account) outlives the runs, as a real account outlives a runtime's restarts."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import structlog
from dependency_injector import providers

from adapters.clock import ReplayClock
from adapters.mt5.gateway import Mt5Gateway
from domain.market.candles import Direction
from domain.models.registry import PromotionKind, Registry, RegistryEntry
from entrypoints.container import build_container
from entrypoints.runtime_main import run_runtime
from entrypoints.settings import Secret, Settings
from tests.fakes.market_terminal import MarketTerminal
from tests.fakes.ports import FixedPredictor
from tests.fakes.registry import InMemoryRegistryStore
from tests.fakes.series import random_walk, write_csv
from tests.unit.registry.builders import T0, card

START = datetime(2024, 3, 1, tzinfo=UTC)


def gated_registry() -> InMemoryRegistryStore:
    """A registry serving one model promoted through its gates (the served predictor is a fixed one)."""
    store = InMemoryRegistryStore()
    c = card(1)
    entry = RegistryEntry.from_card("v1.0.0", c, f"{c.name}.pt", "1" * 64, "2" * 64, T0)
    store.registry = Registry().register(entry).promote("v1.0.0", PromotionKind.GATED, T0)
    return store


def live_settings(tmp_path: Path) -> Settings:
    base = Settings()
    return attrs.evolve(base, mode="live", pairs=("BTCUSDT",),
                        broker=attrs.evolve(base.broker, name="mt5", mt5_login="1", mt5_password=Secret("pw"),
                                            mt5_server="FTMO-Demo"),
                        predictor=attrs.evolve(base.predictor, name="torch"),
                        store=attrs.evolve(base.store, url=f"sqlite:///{tmp_path}/live.db"),
                        candles=attrs.evolve(base.candles, replay_paths=(str(tmp_path),)),
                        log=attrs.evolve(base.log, format="json"))


class LiveAccount:
    """The broker's account (a terminal quoting the replayed candles) and the replays run against it."""

    def __init__(self, tmp_path: Path, terminal_type: type[MarketTerminal] = MarketTerminal) -> None:
        self.tmp_path = tmp_path
        self.candles = random_walk(START, 6 * 60, price=60_000.0)
        write_csv(str(tmp_path / "BTCUSDT.csv"), self.candles)
        self.settings = live_settings(tmp_path)
        self.url = self.settings.store.url
        self.clock: ReplayClock | None = None
        self.terminal = terminal_type(self.now, {"BTCUSD": self.candles})

    def now(self) -> datetime | None:
        return None if self.clock is None else self.clock.now()

    def at(self) -> datetime:
        return self.now() or START

    def _start(self, start: datetime) -> ReplayClock:
        self.clock = ReplayClock(start, speed=None)
        return self.clock

    def run(self, start: datetime, until: datetime) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
        """One runtime from start to stop: its summary, its log events and what it printed."""
        root = build_container(self.settings)
        runtime = root.runtime()
        runtime.replay_clock.override(providers.Callable(self._start))
        runtime.broker_gateway.override(providers.Object(Mt5Gateway(self.terminal, now=self.at)))
        runtime.predictor.override(FixedPredictor(Direction.LONG, 0.75))
        root.registry().registry_store.override(providers.Object(gated_registry()))
        stderr = io.StringIO()
        try:
            summary = run_runtime(self.settings, start=start, until=until, json_output=True, root=root,
                                  stdout=io.StringIO(), stderr=stderr)
        finally:
            structlog.reset_defaults()
        text = stderr.getvalue()
        return summary, [json.loads(line) for line in text.splitlines() if line.startswith("{")], text
