"""Issue #17: settings never show a secret, read the backend from the URL, refuse unusable URLs
and malformed .env lines, and report every problem at once on every key it involves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from entrypoints.cli import cli
from entrypoints.settings import SettingsError
from entrypoints.settings.loader import Problem
from tests.unit.settings.test_settings import load

PG_QUERY_PASSWORD = "postgresql+psycopg://trader@db:5432/book?sslmode=prefer&password=hunter2&sslpassword=k3y"


def problems_of(tmp_path: Path, dotenv: str | None = None, toml: str | None = None, **env: str) -> list[Problem]:
    with pytest.raises(SettingsError) as info:
        load(tmp_path, toml, dotenv, **env)
    return info.value.problems


def invoke(args: list[str], env: dict[str, str]):
    return CliRunner().invoke(cli, args, env={"TRADEAI_CONFIG": "", **env})


# --- 1. secrets ---------------------------------------------------------------------------------

def test_config_show_masks_a_password_given_as_query_parameter(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"DATABASE_URL": PG_QUERY_PASSWORD}
    text = invoke(["config", "show"], env)
    assert text.exit_code == 0, text.output
    assert "hunter2" not in text.output and "k3y" not in text.output
    assert "password=***" in text.output and "sslpassword=***" in text.output
    as_json = invoke(["config", "show", "--json"], env)
    assert "hunter2" not in as_json.output and "k3y" not in as_json.output
    assert json.loads(as_json.output)["store.url"]["value"] == \
        "postgresql+psycopg://trader@db:5432/book?sslmode=prefer&password=***&sslpassword=***"


def test_settings_errors_never_show_a_query_password(tmp_path: Path) -> None:
    found = problems_of(tmp_path, DATABASE_URL=PG_QUERY_PASSWORD.replace(":5432", ":abc"))
    text = "\n".join(map(str, found))
    assert "store.url" in text and "hunter2" not in text and "k3y" not in text


# --- 2. unusable URLs ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("postgresql+psycopg://u@localhost:abc/db", "port must be a whole number"),
        ("postgresql+psycopg://u@localhost:70000/db", "port must be a whole number"),
        ("postgresql+psycopg://u@localhost:0/db", "port must be a whole number"),
        ("mysql://u@localhost/db", "unsupported database 'mysql'"),
        ("just words", "is not a database URL"),
    ],
)
def test_an_unusable_database_url_is_a_problem_of_store_url(tmp_path: Path, url: str, fragment: str) -> None:
    [problem] = [p for p in problems_of(tmp_path, DATABASE_URL=url) if p.key == "store.url"]
    assert fragment in problem.message and problem.source == "env:DATABASE_URL"


def test_config_validate_refuses_a_non_numeric_port_with_exit_2(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(["config", "validate"], {"DATABASE_URL": "postgresql+psycopg://u:pw@localhost:abc/db"})
    assert result.exit_code == 2
    assert "store.url" in result.output and "port" in result.output
    assert "Traceback" not in result.output and ":pw@" not in result.output


# --- 3. the backend follows the URL -------------------------------------------------------------

def test_database_url_alone_chooses_the_backend(tmp_path: Path) -> None:
    loaded = load(tmp_path, DATABASE_URL="postgresql+psycopg://trader:pw@db:5432/book")
    assert loaded.settings.store.backend == "postgres"
    assert loaded.sources["store.backend"].source == "inferred from store.url, env:DATABASE_URL"
    assert load(tmp_path, DATABASE_URL="sqlite:///x.db").settings.store.backend == "sqlite"


def test_a_blank_store_backend_in_dotenv_also_lets_the_url_decide(tmp_path: Path) -> None:
    dotenv = "STORE_BACKEND=\nDATABASE_URL=postgresql://trader@db/book\n"
    assert load(tmp_path, dotenv=dotenv).settings.store.backend == "postgres"


def test_an_explicit_backend_that_agrees_with_the_url_is_kept(tmp_path: Path) -> None:
    loaded = load(tmp_path, STORE_BACKEND="postgres", DATABASE_URL="postgresql+psycopg://db/book")
    assert loaded.sources["store.backend"].source == "env:STORE_BACKEND"


@pytest.mark.parametrize(
    ("sources", "backend_source"),
    [
        ({"env": {"STORE_BACKEND": "sqlite"}}, "env:STORE_BACKEND"),
        ({"dotenv": "STORE_BACKEND=sqlite\n"}, ".env:STORE_BACKEND"),
        ({"toml": "[store]\nbackend = 'sqlite'\n"}, "file:"),
    ],
)
def test_an_explicit_backend_contradicting_the_url_names_both_keys(tmp_path: Path, sources: dict,
                                                                    backend_source: str) -> None:
    env = {**sources.get("env", {}), "DATABASE_URL": "postgresql+psycopg://trader:pw@db/book"}
    [problem] = problems_of(tmp_path, sources.get("dotenv"), sources.get("toml"), **env)
    assert problem.keys == ("store.backend", "store.url")
    text = str(problem)
    assert "store.backend = 'sqlite' (from " + backend_source in text
    assert "store.url = 'postgresql+psycopg://trader:***@db/book' (from env:DATABASE_URL)" in text


# --- 4. every problem at once, on the keys involved ---------------------------------------------

def test_type_errors_do_not_hide_range_errors(tmp_path: Path) -> None:
    found = {p.key: p for p in problems_of(tmp_path, MAX_SIGNALS_PER_HOUR="-1", TIER_HIGH="abc")}
    assert set(found) == {"signals.max_signals_per_hour", "signals.tier_high"}
    assert "expected a number" in found["signals.tier_high"].message
    assert "must be >= 0" in found["signals.max_signals_per_hour"].message


def test_a_rule_on_a_value_that_cannot_be_parsed_is_not_judged_on_its_default(tmp_path: Path) -> None:
    # tier_medium 0.8 is above tier_high's default 0.7, but tier_high was set (badly), not left default
    found = problems_of(tmp_path, TIER_HIGH="abc", TIER_MEDIUM="0.8")
    assert [p.keys for p in found] == [("signals.tier_high",)]


def test_tier_conflict_is_named_on_the_two_tiers_in_conflict(tmp_path: Path) -> None:
    [problem] = problems_of(tmp_path, TIER_MEDIUM="0.9", TIER_HIGH="0.5")
    assert problem.keys == ("signals.tier_medium", "signals.tier_high")
    text = str(problem)
    assert "signals.tier_medium = '0.9' (from env:TIER_MEDIUM)" in text
    assert "signals.tier_high = '0.5' (from env:TIER_HIGH)" in text
    assert "tier_low" not in text.split(":")[0]


@pytest.mark.parametrize(
    ("env", "keys"),
    [
        ({"TIER_LOW": "0.65"}, ("signals.tier_low", "signals.tier_medium")),
        ({"TRADEAI_MODE": "live"}, ("mode", "broker.name")),
        ({"NOTIFIER": "telegram", "TELEGRAM_BOT_TOKEN": "t"}, ("notifier.telegram_chat_id", "notifier.name")),
        ({"FTMO_RULESET": "1-step", "INTERNAL_DAILY_LOSS_PCT": "4"}, ("risk.internal_daily_loss_pct", "risk.ruleset")),
        ({"INTERNAL_TOTAL_LOSS_PCT": "11"}, ("risk.internal_total_loss_pct", "risk.ruleset")),
    ],
)
def test_every_cross_field_rule_names_all_its_keys(tmp_path: Path, env: dict[str, str],
                                                    keys: tuple[str, ...]) -> None:
    found = [p.keys for p in problems_of(tmp_path, **env)]
    assert keys in found, found


def test_config_validate_lists_type_and_range_problems_together(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(["config", "validate"], {"MAX_SIGNALS_PER_HOUR": "-1", "TIER_HIGH": "abc"})
    assert result.exit_code == 2
    assert "signals.max_signals_per_hour = '-1'" in result.output and "signals.tier_high = 'abc'" in result.output


# --- 5. command-line values are shown -----------------------------------------------------------

@pytest.mark.parametrize("speed", ["0", "-5", "abc"])
def test_run_shows_the_bad_speed_given_on_the_command_line(tmp_path: Path, monkeypatch, speed: str) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(["run", "--speed", speed], {})
    assert result.exit_code == 2
    assert f"runtime.speed = '{speed}' (from command line)" in result.output


def test_run_shows_bad_pairs_given_on_the_command_line(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(["run", "--pairs", "BTC-USD-X"], {})
    assert result.exit_code == 2
    assert "pairs = ('BTC-USD-X',) (from command line)" in result.output


# --- 6. malformed .env lines --------------------------------------------------------------------

def test_a_dotenv_line_without_equals_is_an_error_with_file_and_line(tmp_path: Path) -> None:
    dotenv = "# settings\n\nexport TRADEAI_SEED=7\nKILL_SWITCH\n"
    [problem] = problems_of(tmp_path, dotenv)
    assert problem.key == f"{tmp_path / '.env'}:4"
    assert "KILL_SWITCH has no '='" in problem.message


@pytest.mark.parametrize(("line", "fragment"), [("=5", "cannot be read"), ("1BAD=2", "not a variable name"),
                                                ("KILL-SWITCH=true", "not a variable name"),
                                                ("TOKEN='unclosed", "cannot be read")])
def test_empty_or_invalid_names_in_dotenv_are_errors(tmp_path: Path, line: str, fragment: str) -> None:
    [problem] = problems_of(tmp_path, f"LOG_LEVEL=INFO\n{line}\n")
    assert problem.key.endswith(".env:2") and fragment in problem.message


def test_a_bare_line_in_dotenv_is_never_echoed(tmp_path: Path) -> None:
    # a token pasted on its own line is a "name" without "=": it must not reach the output
    [problem] = problems_of(tmp_path, "ghp_SecretTokenValue123\n")
    assert "ghp_SecretTokenValue123" not in str(problem)


def test_comments_blank_lines_and_export_stay_fine(tmp_path: Path) -> None:
    dotenv = "# comment\n\n   \nexport TRADEAI_SEED=7\nKILL_SWITCH=true # inline comment\nUNRELATED_NAME=x\n"
    settings = load(tmp_path, dotenv=dotenv).settings
    assert settings.seed == 7 and settings.guards.kill_switch is True


def test_config_validate_exits_2_on_a_malformed_dotenv_line(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("KILL_SWITCH\n")
    result = invoke(["config", "validate"], {})
    assert result.exit_code == 2
    assert ".env:1" in result.output and "KILL_SWITCH" in result.output


# --- numbers the guard reads are finite where they enter ------------------------------------------

@pytest.mark.parametrize("key", ["ACCOUNT_INITIAL_BALANCE", "TIER_HIGH", "STOP_ATR_MULTIPLE", "REWARD_RISK",
                                 "RISK_PER_TRADE_PCT", "INTERNAL_TOTAL_LOSS_PCT"])
@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "NaN", "Infinity"])
def test_a_setting_that_is_not_a_finite_number_is_refused_by_key(tmp_path: Path, key: str, text: str) -> None:
    found = problems_of(tmp_path, **{key: text})
    assert any(f"env:{key}" in str(p) and "finite" in str(p) for p in found), found


def test_a_toml_nan_or_inf_is_refused_too(tmp_path: Path) -> None:
    found = problems_of(tmp_path, toml="[risk]\ninitial_balance = inf\n[signals]\nreward_risk = nan\n")
    text = "\n".join(map(str, found))
    assert "risk.initial_balance" in text and "signals.reward_risk" in text and "finite" in text
