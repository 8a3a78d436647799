"""The runtime end to end with Telegram as its notifier (the real python-telegram-bot client against
the local Bot API server): every signal recorded reaches the chat exactly once through 429s and
500s; the kill-switch alert reaches the configured chat and each allowed user's private chat,
rendered from the ``alert`` log event, once per pair and hour, and not again after a restart."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest
import structlog

from adapters.sql import SqlRiskBook, create_engine, upgrade
from application.runtime.outbox import OutboxMessage
from domain.market.candles import Direction
from entrypoints.container import build_container
from entrypoints.runtime_main import run_runtime
from entrypoints.settings import Secret, Settings
from tests.fakes.ports import FixedPredictor
from tests.fakes.series import random_walk, write_csv
from tests.integration.sql.states import fresh_state
from tests.integration.sql.test_risk_book_contract import make_signal
from tests.integration.telegram.bot_api_server import CHAT_ID, TOKEN, FakeBotApi, error, too_many_requests

START = datetime(2024, 3, 1, tzinfo=UTC)
USERS = (111, 222)


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path) -> str:
    return f"sqlite:///{tmp_path}/t.db" if request.param == "sqlite" else request.getfixturevalue("pg_url")


def settings_for(tmp_path: Path, api: FakeBotApi, url: str, kill_switch: bool = False) -> Settings:
    write_csv(str(tmp_path / "BTCUSDT.csv"), random_walk(START, 6 * 60))
    base = Settings()
    notifier = attrs.evolve(base.notifier, name="telegram", telegram_bot_token=Secret(TOKEN),
                            telegram_chat_id=str(CHAT_ID), telegram_base_url=api.base_url,
                            telegram_allowed_user_ids=USERS)
    return attrs.evolve(base, pairs=("BTCUSDT",), store=attrs.evolve(base.store, url=url), notifier=notifier,
                        candles=attrs.evolve(base.candles, replay_paths=(str(tmp_path),)),
                        guards=attrs.evolve(base.guards, kill_switch=kill_switch),
                        log=attrs.evolve(base.log, format="json"))


def run(settings: Settings) -> tuple[dict, list[dict]]:
    container = build_container(settings)
    container.runtime().predictor.override(FixedPredictor(Direction.LONG, 0.75))
    stderr = io.StringIO()
    try:
        summary = run_runtime(settings, start=START + timedelta(hours=1), until=START + timedelta(hours=4),
                              json_output=True, root=container, stdout=io.StringIO(), stderr=stderr)
    finally:
        structlog.reset_defaults()
    events = [json.loads(line) for line in stderr.getvalue().splitlines() if line.startswith("{")]
    return summary, events


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter's own __init__
def test_every_signal_reaches_the_chat_once_through_flood_control_and_a_server_error(tmp_path, api,
                                                                                   store_url) -> None:
    api.script("sendMessage", too_many_requests(1), error(500, "Internal Server Error"))
    summary, events = run(settings_for(tmp_path, api, store_url))
    emitted = [e["signal_id"] for e in events if e["event"] == "signal_emitted"]
    assert summary["emitted"] == len(emitted) > 0
    texts = api.texts()
    assert Counter(sid for text in texts for sid in emitted if sid in text) == Counter(emitted)  # each once
    assert len(texts) == len(emitted) and len(api.calls_of("sendMessage")) == len(emitted) + 2
    assert [e["event"] for e in events if e["event"] == "outbox_retry"] == ["outbox_retry"] * 2
    assert summary["outbox"] | {"oldest_pending": None} == {
        "delivered": len(emitted), "retried": 2, "given_up": 0, "interrupted": 0, "pending": 0,
        "given_up_total": 0, "oldest_pending": None}


def test_the_kill_switch_alert_reaches_each_chat_once_per_hour_from_its_log_event(tmp_path, api,
                                                                               store_url) -> None:
    settings = settings_for(tmp_path, api, store_url, kill_switch=True)
    summary, events = run(settings)
    alerts = [e for e in events if e["event"] == "alert"]
    assert summary["emitted"] == 0 and len(alerts) == 3  # one per market hour in the window
    assert all(a["kind"] == "kill_switch_attempt" for a in alerts)
    expected = Counter()
    for alert in alerts:
        text = f"⛔ KILL SWITCH · {alert['pair']}\n{alert['message']}\n{datetime.fromisoformat(alert['at']):%Y-%m-%d %H:%M} UTC"
        expected.update((chat, text) for chat in (CHAT_ID, *USERS))
    assert Counter((m["chat"]["id"], m["text"]) for m in api.delivered) == expected
    run(settings)  # a restart over the same window: the same hours, already alerted
    assert Counter((m["chat"]["id"], m["text"]) for m in api.delivered) == expected


def test_a_restart_delivers_what_a_dead_run_left_in_the_outbox_exactly_once(tmp_path, api, store_url) -> None:
    settings = settings_for(tmp_path, api, store_url)
    engine = create_engine(store_url)
    upgrade(engine)
    book = SqlRiskBook(engine, "dryrun")  # a run that recorded two signals and died before sending them
    for n in (1, 2):
        book.record_signal(make_signal(n), fresh_state(), OutboxMessage.for_signal(f"BTCUSDT-{n}", f"left {n}"))
    engine.dispose()
    first, _ = run(settings)
    second, _ = run(settings)  # the same window again: its signals are duplicates, announced once
    texts = api.texts()
    assert texts[:2] == ["left 1", "left 2"] and texts.count("left 1") == texts.count("left 2") == 1
    assert len(texts) == 2 + first["emitted"] and second["emitted"] == 0
    assert second["outbox"]["pending"] == 0 and second["outbox"]["delivered"] == 0
