"""The outbox drained through the real TelegramNotifier (python-telegram-bot over HTTP) into the
local Bot API server, on SQLite and Postgres: flood control and server errors lose nothing and
send nothing twice; a restart sends what is left exactly once; a message claimed by a drainer
that died mid-send is not sent again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from adapters.sql import SqlOutbox, SqlRiskBook
from adapters.sql.tables import outbox
from adapters.telegram import TelegramNotifier
from application.runtime.outbox import OutboxMessage
from application.runtime.outbox_drain import DrainOutbox
from tests.integration.sql.conftest import migrated_engine
from tests.integration.sql.states import fresh_state
from tests.integration.sql.test_risk_book_contract import make_signal
from tests.integration.telegram.bot_api_server import CHAT_ID, TOKEN, FakeBotApi, Reply, error, too_many_requests
from tests.integration.telegram.test_telegram_notifier import assert_token_hidden

SERVER_ERROR = error(500, "Internal Server Error")


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path) -> sa.Engine:
    return migrated_engine(request, tmp_path, request.param)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def record(engine: sa.Engine, *numbers: int) -> None:
    book = SqlRiskBook(engine, "dryrun")
    for n in numbers:
        assert book.record_signal(make_signal(n), fresh_state(), OutboxMessage.for_signal(f"BTCUSDT-{n}", f"signal {n}"))


def rows(engine: sa.Engine) -> list[dict]:
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(sa.select(outbox).order_by(outbox.c.id))]


def notifier_for(api: FakeBotApi) -> TelegramNotifier:
    return TelegramNotifier(TOKEN, CHAT_ID, base_url=api.base_url, timeout_s=5.0)


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter's own __init__
def test_flood_control_then_a_server_error_lose_nothing_and_send_nothing_twice(api, engine) -> None:
    record(engine, 1, 2)
    api.script("sendMessage", too_many_requests(3), SERVER_ERROR)
    clock = Clock()
    with notifier_for(api) as notifier:
        drain = DrainOutbox(SqlOutbox(engine), notifier, clock)
        [flood] = drain.step().retrying
        assert flood.next_attempt_at == clock.now + timedelta(seconds=3)  # Telegram's retry_after
        [row, _] = rows(engine)
        assert "RetryAfter: Flood control exceeded. Retry in 3 seconds" in row["last_error"]
        assert_token_hidden(row["last_error"])
        clock.now += timedelta(seconds=2)
        assert drain.step().retrying == ()  # not due yet: nothing is sent
        clock.now += timedelta(seconds=1)
        [failed] = drain.step().retrying
        assert "Internal Server Error" in failed.error and failed.next_attempt_at == clock.now + timedelta(seconds=4)
        clock.now += timedelta(seconds=4)
        assert [p.message.text for p in drain.step().delivered] == ["signal 1", "signal 2"]
        clock.now += timedelta(days=1)
        assert drain.step().delivered == ()
    assert api.texts() == ["signal 1", "signal 2"]
    assert len(api.calls_of("sendMessage")) == 4  # 429, 500, then each once
    assert [(r["attempts"], r["last_error"], r["delivered_at"] is not None) for r in rows(engine)] == [
        (3, None, True), (1, None, True)]


def test_a_restart_sends_what_is_left_exactly_once_and_never_what_was_in_flight(api, engine) -> None:
    record(engine, 1, 2, 3)
    api.script("sendMessage", SERVER_ERROR)
    clock = Clock()
    with notifier_for(api) as notifier:  # the first run: Telegram fails, then the process dies
        assert len(DrainOutbox(SqlOutbox(engine), notifier, clock).step().retrying) == 1
    with engine.begin() as connection:  # and message 3 was being sent when it died
        connection.execute(sa.update(outbox).where(outbox.c.signal_id == "BTCUSDT-3")
                           .values(claimed_at=clock.now - timedelta(minutes=10), attempts=1))
    clock.now += timedelta(seconds=2)
    for _ in range(2):  # two restarts: new objects over the same database
        with notifier_for(api) as notifier:
            report = DrainOutbox(SqlOutbox(engine), notifier, clock).step()
        clock.now += timedelta(minutes=1)
    assert api.texts() == ["signal 1", "signal 2"]
    state = {r["signal_id"]: (r["delivered_at"] is not None, r["given_up_at"] is not None) for r in rows(engine)}
    assert state == {"BTCUSDT-1": (True, False), "BTCUSDT-2": (True, False), "BTCUSDT-3": (False, True)}
    assert report.delivered == () and SqlOutbox(engine).backlog().pending == 0


def test_a_permanent_refusal_is_recorded_masked_and_not_retried(api, engine) -> None:
    record(engine, 1)
    api.script("sendMessage", error(403, "Forbidden: bot was blocked by the user"))
    clock = Clock()
    with notifier_for(api) as notifier:
        drain = DrainOutbox(SqlOutbox(engine), notifier, clock)
        [failure] = drain.step().given_up
        assert "blocked by the user" in failure.error
        clock.now += timedelta(hours=1)
        assert drain.step() == drain.step()  # nothing left to do
    [row] = rows(engine)
    assert row["given_up_at"] is not None and "blocked by the user" in row["last_error"]
    assert len(api.calls_of("sendMessage")) == 1 and api.texts() == []


def test_a_request_telegram_took_but_did_not_answer_is_not_sent_again(api, engine) -> None:
    record(engine, 1, 2)
    api.script("sendMessage", Reply(200, {"ok": True, "result": {}}, delay_s=1.5))  # past the 0.5 s read timeout
    clock = Clock()
    with TelegramNotifier(TOKEN, CHAT_ID, base_url=api.base_url, timeout_s=0.5) as notifier:
        drain = DrainOutbox(SqlOutbox(engine), notifier, clock)
        report = drain.step()
        clock.now += timedelta(hours=1)
        drain.step()
    [failure] = report.given_up
    assert "TimedOut" in failure.error and "may have arrived, so it is not sent again" in failure.error
    assert [p.message.text for p in report.delivered] == ["signal 2"]  # the next message went on
    assert [c.params["text"] for c in api.calls_of("sendMessage")] == ["signal 1", "signal 2"]
