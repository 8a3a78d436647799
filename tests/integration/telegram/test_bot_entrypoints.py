"""The bot's entrypoints as a trader starts them: `tradeai bot` on its own (a real process, the
local Bot API, a SQLite store), the bot inside `tradeai run` (BOT_ENABLED), the settings it
refuses to start without, and `tradeai retrain --if-requested`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from adapters.sql import SqlRiskBook, create_engine, upgrade
from adapters.sql.retrain_requests import SqlRetrainRequests
from adapters.sql.tables import control_changes
from application.bot.access import REFUSAL
from application.bot.ports import RequestStatus
from domain.risk import Account
from domain.risk.emission import GuardState
from entrypoints.cli import cli
from tests.integration.telegram.bot_api_server import FakeBotApi
from tests.integration.telegram.bot_harness import CHAT, STRANGER, TOKEN, TRADER, wait_until

SECRET = TOKEN.partition(":")[2]


def bot_env(api: FakeBotApi, url: str) -> dict[str, str]:
    proxies = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
    return {**{k: v for k, v in os.environ.items() if k not in proxies}, "LOG_FORMAT": "json", "DATABASE_URL": url,
            "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_CHAT_ID": str(CHAT), "TELEGRAM_ALLOWED_USER_IDS": str(TRADER),
            "TELEGRAM_BASE_URL": api.base_url}


def events(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def test_tradeai_bot_runs_alone_against_the_store_until_sigterm(api: FakeBotApi, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    engine = create_engine(url)
    upgrade(engine)
    scanned = datetime(2021, 7, 9, 18, 0, tzinfo=UTC)  # a replay's market time, saved just now
    SqlRiskBook(engine, "replay").save_state(GuardState(Account.start(100_000.0, scanned), as_of=scanned))
    process = subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "bot"], env=bot_env(api, url), cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: api.updates.polls > 0 or process.poll() is not None, timeout=60, what="the bot to poll")
        api.updates.push_message(TRADER, CHAT, "/check")
        api.updates.push_message(STRANGER, STRANGER, "/kill_switch on")
        api.updates.push_message(TRADER, CHAT, "/kill_switch on")
        wait_until(lambda: len(api.delivered) == 3, timeout=30, what="three answers")
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr[-2000:]
    check, refusal, switched = api.texts()
    assert check.startswith("[DRY-RUN] Check:")
    assert "Last scan: 2021-07-09 18:00 UTC market time, finished" in check and "Model: baseline" in check
    assert refusal == REFUSAL and switched.startswith("[DRY-RUN] Kill switch ON")
    with engine.connect() as connection:
        [change] = connection.execute(sa.select(control_changes)).mappings().all()
    assert (change["key"], change["value"], change["changed_by"]) == ("kill_switch", "on", f"telegram:{TRADER}")
    logged = events(stderr)
    refused = [e for e in logged if e["event"] == "bot_refused"]
    assert refused and refused[0]["user_id"] == STRANGER and refused[0]["level"] == "warning"
    assert {"bot_started", "bot_stopped"} <= {e["event"] for e in logged}
    assert TOKEN not in stdout + stderr and SECRET not in stdout + stderr
    engine.dispose()


@pytest.mark.shared_data
def test_the_bot_runs_inside_tradeai_run_when_enabled(api: FakeBotApi, tmp_path: Path, spot_1m_dir: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    env = {**bot_env(api, url), "NOTIFIER": "telegram", "BOT_ENABLED": "true"}
    process = subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "run", "--replay", str(spot_1m_dir),
                                "--pairs", "BTCUSDT", "--start", "2021-07-09T00:00", "--until", "2021-07-09T00:10",
                                "--speed", "60", "--json"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: _saved_state(url) or process.poll() is not None, timeout=120, what="the first scan")
        api.updates.push_message(TRADER, CHAT, "/ftmo_status")
        api.updates.push_message(TRADER, CHAT, "/check")
        wait_until(lambda: sum("status" in t or "Check" in t for t in api.texts()) >= 2 or process.poll() is not None,
                   timeout=60, what="the bot's answers")
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr[-2000:]
    assert json.loads(stdout)["scans"] == 6
    ftmo = next(t for t in api.texts() if "FTMO status" in t)
    assert ftmo.startswith("[DRY-RUN] FTMO status: 2-step, account replay") and "Prague day 2021-07-09" in ftmo
    check = next(t for t in api.texts() if "Check:" in t)
    assert "Last scan: 2021-07-09 00:" in check and "Model: baseline-momentum" in check  # the runtime's own monitor
    assert {"setMyCommands", "deleteWebhook", "getUpdates"} <= {c.method for c in api.calls}
    assert "bot_started" in {e["event"] for e in events(stderr)}
    assert TOKEN not in stdout + stderr and SECRET not in stderr


def _saved_state(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM guard_state")).scalar_one() > 0
    except sa.exc.OperationalError:  # not migrated yet
        return False
    finally:
        engine.dispose()


def test_the_bot_is_refused_without_what_it_needs(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/store.db", "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_CHAT_ID": str(CHAT)}
    alone = runner.invoke(cli, ["bot"], env=env)
    assert alone.exit_code == 2 and "TELEGRAM_ALLOWED_USER_IDS" in alone.output and "obeys nobody" in alone.output
    inside = runner.invoke(cli, ["config", "validate"], env={**env, "BOT_ENABLED": "true"})
    assert inside.exit_code == 2
    assert "notifier.bot_enabled = 'true'" in inside.output and "set NOTIFIER=telegram" in inside.output
    assert "notifier.telegram_allowed_user_ids" in inside.output and SECRET not in inside.output


def test_retrain_if_requested_does_nothing_without_a_request_and_records_the_outcome_of_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    env = {"DATABASE_URL": url, "MODEL_DIR": str(tmp_path / "models")}
    runner = CliRunner()
    idle = runner.invoke(cli, ["retrain", "--if-requested"], env=env)
    assert idle.exit_code == 0 and "no retrain request pending" in idle.output
    engine = create_engine(url)
    requests = SqlRetrainRequests(engine)
    requests.request("telegram:4242", datetime.now(UTC) - timedelta(minutes=5))
    asked = runner.invoke(cli, ["retrain", "--if-requested"], env=env)
    assert asked.exit_code == 2 and "no role is promoted" in asked.output  # nothing to retrain here
    latest = requests.latest()
    assert latest.status is RequestStatus.FAILED and "no role is promoted" in latest.result
    assert runner.invoke(cli, ["retrain", "--if-requested"], env=env).exit_code == 0  # run once, not again
    engine.dispose()


class Log:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str, dict]] = []

    def __getattr__(self, level: str):
        return lambda event, **fields: self.lines.append((level, event, fields))


def test_inside_the_runtime_an_unreachable_telegram_does_not_stop_the_runtime_but_a_refused_token_does(
        api: FakeBotApi, tmp_path: Path) -> None:
    import socket

    from application.runtime.health import HealthMonitor, Served
    from entrypoints.bot_boot import start_runtime_bot
    from entrypoints.candle_bootstrap import RuntimeFailure
    from entrypoints.container import build_container
    from entrypoints.settings import load_settings

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there
    monitor = HealthMonitor(Served("dryrun", "paper", "m"), timedelta(minutes=2), lambda: None,
                            lambda: datetime.now(UTC))
    env = {**bot_env(api, f"sqlite:///{tmp_path}/store.db"), "NOTIFIER": "telegram", "BOT_ENABLED": "true"}
    unreachable = load_settings(dotenv_path=None, environ={**env, "TELEGRAM_BASE_URL": f"http://127.0.0.1:{port}/bot"})
    log = Log()
    assert start_runtime_bot(build_container(unreachable.settings), unreachable.settings, monitor, log) is None
    [(level, event, fields)] = log.lines
    assert (level, event) == ("error", "bot_not_started") and "NetworkError" in fields["error"]
    refused = load_settings(dotenv_path=None, environ={**env, "TELEGRAM_BOT_TOKEN": "7000001:AAH_wRoNg-token_value_98"})
    with pytest.raises(RuntimeFailure) as raised:
        start_runtime_bot(build_container(refused.settings), refused.settings, monitor, Log())
    assert raised.value.usage and "InvalidToken" in str(raised.value) and "wRoNg" not in str(raised.value)
