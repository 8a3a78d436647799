"""Where settings come from, in rising precedence: defaults < TOML file < .env < environment.

Each value keeps the name of its source so that `tradeai config show` can say where it came from.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attr
import attrs
from dotenv import dotenv_values
from dotenv.parser import Binding, parse_stream

from entrypoints.settings.schema import Settings

# Environment variable -> dotted settings key. .env.example lists exactly these names.
ENV_VARS: dict[str, str] = {  # nosec B105
    "TRADEAI_MODE": "mode",
    "TRADEAI_SEED": "seed",
    "TRADEAI_PAIRS": "pairs",
    "LOG_LEVEL": "log.level",
    "LOG_FORMAT": "log.format",
    "SCAN_INTERVAL_MINUTES": "runtime.scan_interval_minutes",
    "HEALTH_BIND": "runtime.health_bind",
    "HEALTH_PORT": "runtime.health_port",
    "REPLAY_SPEED": "runtime.speed",
    "CANDLE_SOURCE": "candles.source",
    "REPLAY_PATHS": "candles.replay_paths",
    "DATA_DIR": "candles.data_dir",
    "BINANCE_BASE_URL": "candles.binance_base_url",
    "BOOTSTRAP_DAYS": "candles.bootstrap_days",
    "STORE_BACKEND": "store.backend",
    "DATABASE_URL": "store.url",
    "BROKER": "broker.name",
    "MT5_LOGIN": "broker.mt5_login",
    "MT5_PASSWORD": "broker.mt5_password",
    "MT5_SERVER": "broker.mt5_server",
    "METAAPI_TOKEN": "broker.metaapi_token",
    "METAAPI_ACCOUNT_ID": "broker.metaapi_account_id",
    "BROKER_SYMBOLS": "broker.symbols",
    "BROKER_MAGIC": "broker.magic",
    "BROKER_DEVIATION_BPS": "broker.deviation_bps",
    "MICRO_LOT": "broker.micro_lot",
    "BROKER_TIMEOUT_SECONDS": "broker.timeout_seconds",
    "MT5_TERMINAL_PATH": "broker.mt5_terminal_path",
    "MT5_BRIDGE_URL": "broker.mt5_bridge_url",
    "MT5_BRIDGE_TOKEN": "broker.mt5_bridge_token",
    "MT5_BRIDGE_BIND": "broker.mt5_bridge_bind",
    "MT5_BRIDGE_PORT": "broker.mt5_bridge_port",
    "METAAPI_REGION": "broker.metaapi_region",
    "METAAPI_BASE_URL": "broker.metaapi_base_url",
    "NOTIFIER": "notifier.name",
    "TELEGRAM_BOT_TOKEN": "notifier.telegram_bot_token",
    "TELEGRAM_CHAT_ID": "notifier.telegram_chat_id",
    "TELEGRAM_ALLOWED_USER_IDS": "notifier.telegram_allowed_user_ids",
    "TELEGRAM_BASE_URL": "notifier.telegram_base_url",
    "BOT_ENABLED": "notifier.bot_enabled",
    "BOT_COMMANDS_PER_MINUTE": "notifier.bot_commands_per_minute",
    "BOT_COMMAND_BURST": "notifier.bot_command_burst",
    "PREDICTOR": "predictor.name",
    "MODEL_DIR": "predictor.model_dir",
    "PREDICTOR_TAGS": "predictor.tags",
    "TIER_HIGH": "signals.tier_high",
    "TIER_MEDIUM": "signals.tier_medium",
    "TIER_LOW": "signals.tier_low",
    "REWARD_RISK": "signals.reward_risk",
    "STOP_ATR_MULTIPLE": "signals.stop_atr_multiple",
    "MAX_SIGNALS_PER_HOUR": "signals.max_signals_per_hour",
    "MAX_SIGNALS_PER_HOUR_HIGH": "signals.max_signals_per_hour_high",
    "TIER_CONFIRM_SCANS": "signals.tier_confirm_scans",
    "KILL_SWITCH": "guards.kill_switch",
    "STORE_STARTUP_WAIT_SECONDS": "store.startup_wait_seconds",
    "FTMO_RULESET": "risk.ruleset",
    "ACCOUNT_INITIAL_BALANCE": "risk.initial_balance",
    "INTERNAL_DAILY_LOSS_PCT": "risk.internal_daily_loss_pct",
    "INTERNAL_TOTAL_LOSS_PCT": "risk.internal_total_loss_pct",
    "RISK_PER_TRADE_PCT": "risk.risk_per_trade_pct",
    "MAX_HOLD_MINUTES": "risk.max_hold_minutes",
    "BACKOFF_LOSSES": "risk.backoff_losses",
    "BACKOFF_WINDOW_MINUTES": "risk.backoff_window_minutes",
    "BACKOFF_RISK_REDUCTION_PCT": "risk.backoff_risk_reduction_pct",
    "ENSEMBLE_WEIGHTS": "ensemble.weights",
    "ENSEMBLE_WEIGHTS_WITHOUT_RL": "ensemble.weights_without_rl",
    "CONFIDENCE_BIAS_PP": "ensemble.bias_pp",
    "PATTERN_ADJUST": "patterns.adjust",
    "PATTERN_MIN_SAMPLES": "patterns.min_samples",
    "PATTERN_WEIGHT": "patterns.weight",
    "PATTERN_MAX_SHIFT": "patterns.max_shift",
    "EXEC_MIN_SAMPLES": "execution.min_samples",
    "EXEC_TICKS_DIR": "execution.ticks_dir",
    "EXEC_MT5_TIME_ZONE": "execution.mt5_time_zone",
    "EXEC_TICKS_LOGIN": "execution.ticks_login",
    "EXEC_TICKS_PASSWORD": "execution.ticks_password",
    "EXEC_TICKS_SERVER": "execution.ticks_server",
    "LATENCY_BUDGET_MS": "backtest.latency_budget_ms",
    "GATE_PROMOTION_MIN_ACCURACY": "gates.promotion_min_accuracy",
    "GATE_PROMOTION_MAX_CALIBRATION_ERROR": "gates.promotion_max_calibration_error",
    "GATE_CHALLENGE_MIN_PASS_RATE": "gates.challenge_min_pass_rate",
    "GATE_CHALLENGE_MIN_ATTEMPTS": "gates.challenge_min_attempts",
    "GATE_ACCEPTANCE_MIN_WIN_RATE": "gates.acceptance_min_win_rate",
    "GATE_ACCEPTANCE_MIN_TRADES": "gates.acceptance_min_trades",
    "MONITOR_RETRAIN_WEEKDAY": "monitor.retrain_weekday",
    "MONITOR_RETRAIN_TIME_ZONE": "monitor.retrain_time_zone",
    "MONITOR_MIN_DAILY_ACCURACY": "monitor.min_daily_accuracy",
    "MONITOR_LOW_ACCURACY_DAYS": "monitor.low_accuracy_days",
    "MONITOR_MIN_DAY_SAMPLES": "monitor.min_day_samples",
    "MONITOR_MIN_WIN_RATE": "monitor.min_win_rate",
    "MONITOR_MIN_TRADES": "monitor.min_trades",
    "MONITOR_WIN_RATE_TRADES": "monitor.win_rate_trades",
    "MONITOR_WIN_RATE_MODE": "monitor.win_rate_mode",
    "MONITOR_MAX_CALIBRATION_ERROR": "monitor.max_calibration_error",
    "MONITOR_DRIFT_ALPHA": "monitor.drift_alpha",
    "MONITOR_DRIFT_MIN_STATISTIC": "monitor.drift_min_statistic",
    "MONITOR_RECENT_DAYS": "monitor.recent_days",
    "MONITOR_DRIFT_STRIDE_MINUTES": "monitor.drift_stride_minutes",
    "MONITOR_DRIFT_MIN_SAMPLES": "monitor.drift_min_samples",
    "MONITOR_RECENT_FEATURE_SET": "monitor.recent_feature_set",
}

SECRET_KEYS = frozenset(
    {"broker.mt5_password", "broker.metaapi_token", "notifier.telegram_bot_token", "execution.ticks_password",
     "broker.mt5_bridge_token"}
)


@attrs.frozen
class Sourced:
    value: Any
    source: str


class SettingsFileError(Exception):
    """The TOML file cannot be read or parsed."""


def default_values() -> dict[str, Sourced]:
    return {key: Sourced(value, "default") for key, value in effective_values(Settings()).items()}


def effective_values(settings: Settings) -> dict[str, Any]:
    """Every setting by dotted key, as parsed (secrets stay Secret objects, masked when shown)."""
    tree = attr.asdict(settings, retain_collection_types=True, recurse=True,
                       filter=lambda a, _: True, value_serializer=lambda _, __, v: v)
    return _flatten(_keep_secrets(settings, tree))


def _keep_secrets(settings: Any, tree: dict[str, Any]) -> dict[str, Any]:
    # attr.asdict would turn a Secret into a dict of its value: put the object back
    for field in attrs.fields(type(settings)):
        value = getattr(settings, field.name)
        if attrs.has(type(value)) and isinstance(tree[field.name], dict):
            is_secret = type(value).__name__ == "Secret"
            tree[field.name] = value if is_secret else _keep_secrets(value, tree[field.name])
    return tree


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for dotted, value in flat.items():
        node = tree
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return tree


def file_values(path: Path) -> dict[str, Sourced]:
    try:
        with path.open("rb") as handle:
            tree = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise SettingsFileError(f"settings file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsFileError(f"settings file {path} is not valid TOML: {exc}") from exc
    except OSError as exc:
        raise SettingsFileError(f"settings file {path} cannot be read: {exc.strerror}") from exc
    return {key: Sourced(value, f"file:{path}") for key, value in _flatten(tree).items()}


def dotenv_file_values(path: Path) -> dict[str, Sourced]:
    if not path.is_file():
        return {}
    try:
        values = dotenv_values(path, encoding="utf-8")
    except UnicodeDecodeError:  # reported by dotenv_line_errors
        return {}
    return {
        ENV_VARS[name]: Sourced(value, f".env:{name}")
        for name, value in values.items()
        if name in ENV_VARS and value is not None
    }


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@attrs.frozen
class LineError:
    """A .env line that sets nothing although it is not a comment: python-dotenv skips it
    silently, which would leave e.g. a bare KILL_SWITCH line with the switch off."""

    line: int
    message: str


def dotenv_line_errors(path: Path) -> list[LineError]:
    if not path.is_file():
        return []
    try:
        with path.open(encoding="utf-8") as handle:
            bindings = list(parse_stream(handle))
    except UnicodeDecodeError:
        return [LineError(1, "the file is not UTF-8 text")]
    return [error for error in map(_line_error, bindings) if error is not None]


def _line_error(binding: Binding) -> LineError | None:
    text = binding.original.string
    # a binding's text starts with the blank lines before it
    line = binding.original.line + text[: len(text) - len(text.lstrip())].count("\n")
    if binding.error:
        return LineError(line, "cannot be read as NAME=value (an unclosed quote, or nothing before '=')")
    if binding.key is None:
        return None  # a comment or a blank line
    # the text itself is never echoed unless it is a known name: a pasted token may stand alone
    if not _ENV_NAME.fullmatch(binding.key):
        return LineError(line, "the name before '=' is not a variable name (letters, digits and _)")
    if binding.value is None:
        name = binding.key if binding.key in ENV_VARS else "the line"
        return LineError(line, f"{name} has no '=' and sets nothing; write NAME=value")
    return None


def environment_values(environ: Mapping[str, str]) -> dict[str, Sourced]:
    return {key: Sourced(environ[name], f"env:{name}") for name, key in ENV_VARS.items() if name in environ}


def gather(config_path: Path | None, dotenv_path: Path | None, environ: Mapping[str, str] | None) -> dict[str, Sourced]:
    """Merge every source; later sources win key by key."""
    merged = default_values()
    if config_path is not None:
        merged.update(file_values(config_path))
    if dotenv_path is not None:
        merged.update(dotenv_file_values(dotenv_path))
    merged.update(environment_values(os.environ if environ is None else environ))
    return merged
