from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from adapters.brokers.paper import PaperBroker
from adapters.console import ConsoleNotifier
from adapters.predictors.baseline import BaselineMomentumPredictor
from adapters.sql import SqlControlRepository, SqlRiskBook
from application.data.candle_source import LoadedCandleSource
from entrypoints.container import build_container
from entrypoints.settings import Secret, Settings
from tests.fakes.ports import RecordingNotifier
from tests.fakes.risk_book import InMemoryRiskBook
from tests.fakes.series import random_walk, write_csv


def settings_for(tmp_path: Path, **sections) -> Settings:
    base = Settings()
    store = attrs.evolve(base.store, url=f"sqlite:///{tmp_path}/t.db")
    candles = attrs.evolve(base.candles, replay_paths=(str(tmp_path),))
    return attrs.evolve(base, **{"store": store, "candles": candles, **sections})


def test_embedded_defaults_build_replay_sqlite_console_paper_baseline(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    write_csv(str(tmp_path / "BTCUSDT.csv"), random_walk(datetime(2024, 1, 1, tzinfo=UTC), 30))
    container = build_container(settings_for(tmp_path))
    runtime, store = container.runtime(), container.store()
    assert isinstance(runtime.candle_source(), LoadedCandleSource)
    assert isinstance(store.risk_book(), SqlRiskBook)
    assert isinstance(store.control_repository(), SqlControlRepository)
    assert isinstance(runtime.notifier(), ConsoleNotifier)
    assert isinstance(runtime.broker(), PaperBroker)
    assert isinstance(runtime.predictor(), BaselineMomentumPredictor)
    assert runtime.risk_book() is store.risk_book()  # the runtime records in the store's risk book
    assert (tmp_path / "t.db").exists()


def test_telegram_is_built_only_when_selected(tmp_path: Path) -> None:
    from adapters.telegram import TelegramNotifier

    base = Settings()
    notifier = attrs.evolve(base.notifier, name="telegram", telegram_bot_token=Secret("1:abc"), telegram_chat_id="7")
    container = build_container(settings_for(tmp_path, notifier=notifier))
    assert isinstance(container.runtime().notifier(), TelegramNotifier)


def test_selector_uses_the_settings_value_for_each_port(tmp_path: Path) -> None:
    container = build_container(settings_for(tmp_path, candles=attrs.evolve(Settings().candles, source="binance")))
    assert container.runtime().candle_source.selector() == "binance"
    container = build_container(settings_for(tmp_path))
    assert container.runtime().candle_source.selector() == "replay"
    assert container.account_name() == "replay"  # replays keep their paper account apart
    live_clock = settings_for(tmp_path, candles=attrs.evolve(Settings().candles, source="binance"))
    assert build_container(live_clock).account_name() == "dryrun"


def test_fakes_override_adapters(tmp_path: Path) -> None:
    container = build_container(settings_for(tmp_path))
    fake_store, fake_notifier = InMemoryRiskBook(), RecordingNotifier()
    container.store().risk_book.override(fake_store)
    container.runtime().notifier.override(fake_notifier)
    assert container.store().risk_book() is fake_store
    assert container.runtime().risk_book() is fake_store  # the runtime reads the overridden store
    assert container.runtime().notifier() is fake_notifier
    assert not (tmp_path / "t.db").exists()  # the real store was never built


def test_unknown_selection_is_refused(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, broker=attrs.evolve(Settings().broker, name="mt5"))
    with pytest.raises(Exception, match="mt5"):
        build_container(settings).runtime().broker()


def test_each_context_builds_only_what_is_asked_for(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, candles=attrs.evolve(Settings().candles, data_dir=str(tmp_path / "data")))
    container = build_container(settings)
    assert container.data().candle_folder() == tmp_path / "data" / "candles"
    assert container.data().candle_store().pairs() == []
    assert container.features().feature_store().names() == []
    assert container.store().account() == "replay"
    assert not (tmp_path / "t.db").exists()  # no context opened the database
    assert not (tmp_path / "data").exists()  # nor wrote to the data folder
