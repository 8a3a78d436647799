"""Load and validate settings: every problem is collected and reported by key, secrets masked."""

from __future__ import annotations

import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import attrs
import cattrs
from cattrs.errors import ClassValidationError, IterableValidationError

from domain.market import Pair
from entrypoints.settings.domain_config import domain_problems
from entrypoints.settings.schema import Settings
from entrypoints.settings.secret import MASK, Secret, mask_url
from entrypoints.settings.sources import (
    SECRET_KEYS,
    SettingsFileError,
    Sourced,
    default_values,
    gather,
    unflatten,
)

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


@attrs.frozen
class Problem:
    key: str
    value: str
    source: str
    message: str

    def __str__(self) -> str:
        return f"{self.key} = {self.value} (from {self.source}): {self.message}"


class SettingsError(Exception):
    """Invalid settings; ``problems`` lists each one with its key."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("invalid settings:\n" + "\n".join(f"  - {p}" for p in problems))


@attrs.frozen
class LoadedSettings:
    settings: Settings
    sources: Mapping[str, Sourced]


def _structure_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError("expected true or false")


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("expected an integer")
    try:
        return int(value)
    except ValueError:
        raise ValueError("expected an integer") from None


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("expected a number")
    try:
        return float(value)
    except ValueError:
        raise ValueError("expected a number") from None


def _structure_str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def _structure_secret(value: Any, _: type) -> Secret | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return Secret(value)


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(Secret | None, _structure_secret)
    converter.register_structure_hook_func(
        lambda t: typing.get_origin(t) is tuple,  # type: ignore[comparison-overlap]
        lambda value, t: tuple(
            converter.structure(item.strip() if isinstance(item, str) else item, typing.get_args(t)[0])
            for item in (value.split(",") if isinstance(value, str) else value)
            if not (isinstance(item, str) and item.strip() == "")
        ),
    )
    converter.register_unstructure_hook(Secret, lambda s: MASK)
    return converter


_CONVERTER = _make_converter()


def display_value(key: str, value: Any) -> str:
    if key in SECRET_KEYS:
        return "(unset)" if value in (None, "") else MASK
    if isinstance(value, str):
        return repr(mask_url(value))
    return repr(value)


def load_settings(
    config_path: Path | None = None,
    dotenv_path: Path | None = Path(".env"),
    environ: Mapping[str, str] | None = None,
) -> LoadedSettings:
    """Read every source and validate. Raises SettingsError listing all problems."""
    try:
        sourced = gather(config_path, dotenv_path, environ)
    except SettingsFileError as exc:
        raise SettingsError([Problem("--config", str(config_path), "command line", str(exc))]) from None
    problems = _unknown_keys(sourced)
    known = {key: item for key, item in sourced.items() if key in _KNOWN_KEYS}
    settings: Settings | None = None
    try:
        settings = _CONVERTER.structure(unflatten({k: v.value for k, v in known.items()}), Settings)
    except ClassValidationError as exc:
        problems += [_problem(path, error, known) for path, error in _leaf_errors(exc, ())]
    if settings is not None:
        problems += [_problem_at(key, message, known) for key, message in semantic_problems(settings)]
    if problems or settings is None:
        raise SettingsError(problems)
    return LoadedSettings(settings, known)


_KNOWN_KEYS = frozenset(default_values())


def _unknown_keys(sourced: Mapping[str, Sourced]) -> list[Problem]:
    return [
        Problem(key, display_value(key, item.value), item.source, "unknown key")
        for key, item in sourced.items()
        if key not in _KNOWN_KEYS
    ]


def _leaf_errors(exc: BaseException, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], BaseException]]:
    if isinstance(exc, ClassValidationError | IterableValidationError):
        for sub in exc.exceptions:
            yield from _leaf_errors(sub, path + _note_path(sub))
    else:
        yield path, exc


def _note_path(exc: BaseException) -> tuple[str, ...]:
    for note in getattr(exc, "__notes__", []):
        name = getattr(note, "name", None)
        if name is not None:
            return (str(name),) if not isinstance(name, int) else ()
    return ()


def _problem(path: tuple[str, ...], error: BaseException, known: Mapping[str, Sourced]) -> Problem:
    key = ".".join(path)
    message = str(error)
    field_type = _field_type(path)
    if typing.get_origin(field_type) is Literal:
        message = "must be one of: " + ", ".join(str(a) for a in typing.get_args(field_type))
    elif isinstance(error, KeyError | TypeError) and not message.startswith("expected"):
        message = f"has the wrong shape (expected {getattr(field_type, '__name__', field_type)})"
    return _problem_at(key, message, known)


def _field_type(path: tuple[str, ...]) -> Any:
    cls: Any = Settings
    field_type: Any = None
    for part in path:
        if not attrs.has(cls):
            return field_type
        hints = typing.get_type_hints(cls)
        field_type = hints.get(part)
        cls = field_type
    return field_type


def _problem_at(key: str, message: str, known: Mapping[str, Sourced]) -> Problem:
    item = known.get(key)
    if item is None:
        return Problem(key, "?", "?", message)
    return Problem(key, display_value(key, item.value), item.source, message)


def semantic_problems(s: Settings) -> list[tuple[str, str]]:
    """Rules that types alone cannot express; each returns (key, message)."""
    problems: list[tuple[str, str]] = []
    if not s.pairs:
        problems.append(("pairs", "at least one pair is required"))
    for symbol in s.pairs:
        try:
            Pair.parse(symbol)
        except ValueError as exc:
            problems.append(("pairs", str(exc)))
    if s.runtime.scan_interval_minutes < 1:
        problems.append(("runtime.scan_interval_minutes", "must be at least 1"))
    if s.runtime.speed != "max":
        try:
            if float(s.runtime.speed) <= 0:
                problems.append(("runtime.speed", "must be 'max' or a positive factor"))
        except ValueError:
            problems.append(("runtime.speed", "must be 'max' or a positive factor such as 60"))
    if s.candles.bootstrap_days < 1:
        problems.append(("candles.bootstrap_days", "must be at least 1"))
    problems += _store_problems(s)
    problems += _signal_problems(s)
    problems += domain_problems(s)
    problems += _adapter_problems(s)
    return problems


def _store_problems(s: Settings) -> list[tuple[str, str]]:
    scheme = s.store.url.split(":", 1)[0]
    expected = {"sqlite": ("sqlite",), "postgres": ("postgresql", "postgresql+psycopg")}[s.store.backend]
    if scheme not in expected:
        return [("store.url", f"store.backend is {s.store.backend}: the URL must start with {expected[-1]}://")]
    return []


def _signal_problems(s: Settings) -> list[tuple[str, str]]:
    sig = s.signals
    problems: list[tuple[str, str]] = []
    if not 0.5 <= sig.tier_low <= sig.tier_medium <= sig.tier_high <= 1.0:
        problems.append(("signals.tier_low", "tiers must satisfy 0.5 <= tier_low <= tier_medium <= tier_high <= 1"))
    for key, value in (("reward_risk", sig.reward_risk), ("stop_atr_multiple", sig.stop_atr_multiple)):
        if value <= 0:
            problems.append((f"signals.{key}", "must be > 0"))
    for key, count in (("max_signals_per_hour", sig.max_signals_per_hour),
                       ("max_signals_per_hour_high", sig.max_signals_per_hour_high)):
        if count < 0:
            problems.append((f"signals.{key}", "must be >= 0"))
    return problems


def _adapter_problems(s: Settings) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if s.notifier.name == "telegram":
        if s.notifier.telegram_bot_token is None:
            problems.append(("notifier.telegram_bot_token", "required when notifier.name is telegram"))
        if not s.notifier.telegram_chat_id:
            problems.append(("notifier.telegram_chat_id", "required when notifier.name is telegram"))
    if s.broker.name == "mt5" and not (s.broker.mt5_login and s.broker.mt5_password and s.broker.mt5_server):
        problems.append(("broker.mt5_login", "mt5 needs mt5_login, mt5_password and mt5_server"))
    if s.broker.name == "metaapi" and not (s.broker.metaapi_token and s.broker.metaapi_account_id):
        problems.append(("broker.metaapi_token", "metaapi needs metaapi_token and metaapi_account_id"))
    if s.broker.name in ("mt5", "metaapi"):
        problems.append(("broker.name", f"the {s.broker.name} broker is not available in this version yet; use paper"))
    if s.predictor.name == "torch":
        problems.append(("predictor.name", "no torch model can be promoted yet in this version; use baseline"))
    if s.mode == "live" and s.broker.name == "paper":
        problems.append(("mode", "live mode needs a real broker (mt5 or metaapi); use dryrun with paper"))
    return problems
