from __future__ import annotations

import io
import json
import logging

import structlog

from entrypoints.logging_setup import configure_logging
from entrypoints.runtime_main import secrets_of
from entrypoints.settings import load_settings

TOKEN = "987654:AAsecret-token"


def records(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_mode_and_never_a_secret(tmp_path) -> None:
    settings = load_settings(dotenv_path=None, environ={"TELEGRAM_BOT_TOKEN": TOKEN, "TRADEAI_MODE": "dryrun"}).settings
    stream = io.StringIO()
    configure_logging(level="INFO", fmt="json", mode="dryrun", secrets=secrets_of(settings), stream=stream)
    log = structlog.get_logger("t")
    log.info("signal_emitted", pair="BTCUSDT", tier="HIGH", conf=0.71, note=f"bot{TOKEN}/sendMessage")
    log.error("boom", error=RuntimeError(f"https://api.telegram.org/bot{TOKEN}/getMe failed"))
    logging.getLogger("httpx").warning("HTTP Request: POST https://api.telegram.org/bot%s/sendMessage", TOKEN)
    log.debug("hidden at INFO")
    events = records(stream)
    assert [e["event"] for e in events] == ["signal_emitted", "boom",
                                            "HTTP Request: POST https://api.telegram.org/bot***/sendMessage"]
    assert all(e["mode"] == "dryrun" for e in events)
    assert events[0]["pair"] == "BTCUSDT" and events[0]["conf"] == 0.71
    assert TOKEN not in stream.getvalue()
    assert "***" in events[1]["error"]


def test_database_passwords_are_masked_in_logs() -> None:
    stream = io.StringIO()
    configure_logging(level="INFO", fmt="json", mode="live", stream=stream)
    structlog.get_logger().info("store", url="postgresql+psycopg://trader:hunter2@db:5432/tradeai")
    [event] = records(stream)
    assert "hunter2" not in stream.getvalue() and event["url"].endswith("trader:***@db:5432/tradeai")
    assert event["mode"] == "live"
