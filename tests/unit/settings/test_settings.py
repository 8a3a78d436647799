from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from entrypoints.cli import cli
from entrypoints.settings import Secret, SettingsError, load_settings

TOKEN = "123456:AAHsecretTOKENvalue"


def load(tmp_path: Path, toml: str | None = None, dotenv: str | None = None, **env: str):
    config = None
    if toml is not None:
        config = tmp_path / "settings.toml"
        config.write_text(toml)
    dotenv_path = tmp_path / ".env"
    if dotenv is not None:
        dotenv_path.write_text(dotenv)
    return load_settings(config_path=config, dotenv_path=dotenv_path, environ=env)


def problems(tmp_path: Path, toml: str | None = None, **env: str) -> dict[str, str]:
    with pytest.raises(SettingsError) as info:
        load(tmp_path, toml, **env)
    return {p.key: str(p) for p in info.value.problems}


def test_embedded_defaults_are_valid_and_safe(tmp_path: Path) -> None:
    s = load(tmp_path).settings
    assert s.mode == "dryrun"
    assert s.candles.source == "replay" and s.store.backend == "sqlite"
    assert s.broker.name == "paper" and s.notifier.name == "console" and s.predictor.name == "baseline"
    assert s.guards.kill_switch is False
    assert (s.signals.max_signals_per_hour, s.signals.max_signals_per_hour_high) == (10, 5)


def test_toml_file_sets_values_and_records_source(tmp_path: Path) -> None:
    loaded = load(tmp_path, '[runtime]\nscan_interval_minutes = 5\n[signals]\ntier_high = 0.8\n')
    assert loaded.settings.runtime.scan_interval_minutes == 5
    assert loaded.settings.signals.tier_high == 0.8
    assert loaded.sources["runtime.scan_interval_minutes"].source.startswith("file:")
    assert loaded.sources["seed"].source == "default"


def test_precedence_defaults_file_dotenv_environment(tmp_path: Path) -> None:
    toml = "pairs = ['BTCUSDT']\nseed = 1\n[log]\nlevel = 'DEBUG'\n"
    dotenv = "TRADEAI_SEED=2\nLOG_LEVEL=WARNING\n"
    loaded = load(tmp_path, toml, dotenv, LOG_LEVEL="ERROR")
    s = loaded.settings
    assert s.pairs == ("BTCUSDT",)  # file beats default
    assert s.seed == 2  # .env beats file
    assert s.log.level == "ERROR"  # environment beats .env
    assert loaded.sources["log.level"].source == "env:LOG_LEVEL"
    assert loaded.sources["seed"].source == ".env:TRADEAI_SEED"


def test_environment_strings_are_parsed_by_type(tmp_path: Path) -> None:
    s = load(tmp_path, KILL_SWITCH="true", TRADEAI_PAIRS="BTCUSDT, ETHUSDT", TELEGRAM_ALLOWED_USER_IDS="1,22",
             TIER_LOW="0.56").settings
    assert s.guards.kill_switch is True
    assert s.pairs == ("BTCUSDT", "ETHUSDT")
    assert s.notifier.telegram_allowed_user_ids == (1, 22)
    assert s.signals.tier_low == 0.56


@pytest.mark.parametrize(
    ("env", "key", "fragment"),
    [
        ({"SCAN_INTERVAL_MINUTES": "two"}, "runtime.scan_interval_minutes", "expected an integer"),
        ({"KILL_SWITCH": "maybe"}, "guards.kill_switch", "expected true or false"),
        ({"TIER_HIGH": "high"}, "signals.tier_high", "expected a number"),
        ({"TRADEAI_MODE": "paper"}, "mode", "must be one of: dryrun, live"),
        ({"NOTIFIER": "email"}, "notifier.name", "must be one of: console, telegram"),
        ({"TRADEAI_PAIRS": "BTC-USD-X"}, "pairs", "upper-case exchange symbol"),
        ({"SCAN_INTERVAL_MINUTES": "0"}, "runtime.scan_interval_minutes", "at least 1"),
        ({"REPLAY_SPEED": "fast"}, "runtime.speed", "'max' or a positive factor"),
        ({"TIER_LOW": "0.9"}, "signals.tier_low", "tier_low <= tier_medium"),
        ({"DATABASE_URL": "postgresql+psycopg://u:pw@db/x", "STORE_BACKEND": "sqlite"}, "store.backend",
         "store.url is a postgres URL"),
        ({"NOTIFIER": "telegram"}, "notifier.telegram_bot_token", "required"),
        ({"TRADEAI_MODE": "live"}, "mode", "live mode needs a real broker"),
        ({"BROKER": "mt5", "MT5_LOGIN": "1"}, "broker.mt5_password", "required when broker.name is mt5"),
        ({"BROKER": "metaapi"}, "broker.metaapi_account_id", "required when broker.name is metaapi"),
    ],
)
def test_each_kind_of_invalid_value_is_named_by_key(tmp_path: Path, env: dict[str, str], key: str,
                                                      fragment: str) -> None:
    found = problems(tmp_path, **env)
    assert key in found, found
    assert fragment in found[key]


def test_all_problems_are_listed_together(tmp_path: Path) -> None:
    found = problems(tmp_path, SCAN_INTERVAL_MINUTES="x", KILL_SWITCH="y", LOG_LEVEL="LOUD")
    assert {"runtime.scan_interval_minutes", "guards.kill_switch", "log.level"} <= set(found)
    assert "env:KILL_SWITCH" in found["guards.kill_switch"] and "'y'" in found["guards.kill_switch"]


def test_unknown_keys_in_the_file_are_errors(tmp_path: Path) -> None:
    found = problems(tmp_path, "[store]\nurll = 'sqlite:///x.db'\n[nonsense]\nvalue = 1\n")
    assert "unknown key" in found["store.urll"]
    assert "unknown key" in found["nonsense.value"]


def test_missing_or_broken_file_is_a_problem(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(config_path=tmp_path / "nope.toml", dotenv_path=None, environ={})
    bad = tmp_path / "bad.toml"
    bad.write_text("mode = ")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(config_path=bad, dotenv_path=None, environ={})


def test_secrets_are_masked_in_repr_str_and_errors(tmp_path: Path) -> None:
    s = load(tmp_path, NOTIFIER="telegram", TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_CHAT_ID="42",
             DATABASE_URL="postgresql+psycopg://trader:dbpassword@db:5432/tradeai", STORE_BACKEND="postgres").settings
    assert isinstance(s.notifier.telegram_bot_token, Secret)
    assert s.notifier.telegram_bot_token.reveal() == TOKEN
    assert TOKEN not in repr(s) and TOKEN not in str(s.notifier.telegram_bot_token)
    assert "dbpassword" not in repr(s)
    found = problems(tmp_path, NOTIFIER="telegram", TELEGRAM_BOT_TOKEN=TOKEN, SCAN_INTERVAL_MINUTES="x",
                     METAAPI_TOKEN="metaapi-secret-xyz", BROKER="metaapi")
    text = "\n".join(found.values())
    assert TOKEN not in text and "metaapi-secret-xyz" not in text


def _invoke(args: list[str], env: dict[str, str]):
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


def test_config_show_lists_values_with_sources_and_masks_secrets(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": "sqlite:///x.db", "MAX_SIGNALS_PER_HOUR": "7"}
    result = _invoke(["config", "show"], env)
    assert result.exit_code == 0
    assert TOKEN not in result.output
    line = next(line for line in result.output.splitlines() if line.startswith("signals.max_signals_per_hour "))
    assert "7" in line and "env:MAX_SIGNALS_PER_HOUR" in line
    payload = json.loads(_invoke(["config", "show", "--json"], env).output)
    assert payload["notifier.telegram_bot_token"] == {"value": "***", "source": "env:TELEGRAM_BOT_TOKEN"}
    assert payload["signals.max_signals_per_hour"]["value"] == 7


def test_config_validate_exits_2_and_lists_problems(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["config", "validate"], env={"KILL_SWITCH": "perhaps", "TIER_HIGH": "x"})
    assert result.exit_code == 2
    assert "guards.kill_switch" in result.output and "signals.tier_high" in result.output
    ok = CliRunner().invoke(cli, ["config", "validate"], env={})
    assert ok.exit_code == 0 and "valid" in ok.output


def test_config_file_option_is_used(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.toml").write_text("seed = 99\n")
    payload = json.loads(_invoke(["--config", str(tmp_path / "s.toml"), "config", "show", "--json"], {}).output)
    assert payload["seed"]["value"] == 99


def test_env_example_lists_every_variable_with_a_comment() -> None:
    from entrypoints.settings.sources import ENV_VARS

    example = Path(__file__).resolve().parents[3] / ".env.example"
    lines = example.read_text().splitlines()
    names = [line.split("=", 1)[0] for line in lines if "=" in line and not line.startswith("#")]
    compose_only = {"POSTGRES_PASSWORD", "POSTGRES_USER", "POSTGRES_DB"}
    assert sorted(set(names) - compose_only) == sorted(ENV_VARS)
    for index, line in enumerate(lines):
        if "=" in line and not line.startswith("#"):
            assert lines[index - 1].startswith("# "), f"{line} needs a one-line comment above it"
    assert "KILL_SWITCH=false" in lines
    assert "MAX_SIGNALS_PER_HOUR=10" in lines and "MAX_SIGNALS_PER_HOUR_HIGH=5" in lines
