"""The what-if scenario file of `tradeai risk check`: read strictly (every field checked, named by
its path in the file) and turned into the domain values the guard decides on."""


from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import cattrs
from cattrs.v import format_exception

from domain.execution.instruments import Instruments, InstrumentSpec
from domain.market.candles import Direction, Pair
from domain.risk import Account, Position, RiskSettings, SizingSettings, trading_day
from domain.risk.emission import EmissionCandidate, EmissionConfig, GuardState
from domain.signals.signal import Tier

# ---------------------------------------------------------------- the scenario file, as written


@attrs.frozen
class _PositionIn:
    pair: str
    direction: str
    lots: float
    entry: float
    mark: float
    id: str | None = None
    stop: float | None = None
    commission: float = 0.0
    swap: float = 0.0
    contract_size: float | None = None
    opened_at: str | None = None


@attrs.frozen
class _AccountIn:
    initial_balance: float
    balance: float
    day_start_balance: float
    now: str
    ruleset: str = "2-step"
    highest_eod_balance: float | None = None
    positions: list[_PositionIn] = attrs.Factory(list)


@attrs.frozen
class _SignalIn:
    pair: str
    direction: str
    entry: float
    stop: float
    size: float | None = None
    tier: str = "MEDIUM"


@attrs.frozen
class _InstrumentIn:
    contract_size: float | None = None
    lot_step: float | None = None
    min_lots: float | None = None
    max_lots: float | None = None
    commission_rate: float | None = None
    spread_p90_bps: float | None = None
    slippage_p90_bps: float | None = None


@attrs.frozen
class _SettingsIn:
    daily_loss_pct: float | None = None
    max_loss_pct: float | None = None
    internal_daily_loss_pct: float | None = None
    internal_total_loss_pct: float | None = None
    risk_per_trade_pct: float | None = None
    instruments: dict[str, _InstrumentIn] = attrs.Factory(dict)


@attrs.frozen
class _ScenarioIn:
    account: _AccountIn
    signal: _SignalIn
    settings: _SettingsIn = attrs.Factory(_SettingsIn)
    kill_switch: bool = False
    description: str = ""


def _strict(kind: type, check: Callable[[Any], bool], what: str) -> Callable[[Any, type], Any]:
    def hook(value: Any, _: type) -> Any:
        if not check(value):
            raise ValueError(f"expected {what}, got {value!r}")
        return kind(value)

    return hook


def _make_converter() -> cattrs.Converter:
    # Strict scalars: cattrs would otherwise turn "100000" or true into a number silently.
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    # JSON as Python reads it admits NaN and Infinity: a figure the guard could not reason about stops here.
    converter.register_structure_hook(
        float, _strict(float, lambda v: isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v),
                       "a finite number"))
    converter.register_structure_hook(str, _strict(str, lambda v: isinstance(v, str), "a string"))
    converter.register_structure_hook(bool, _strict(bool, lambda v: isinstance(v, bool), "true or false"))
    return converter


_CONVERTER = _make_converter()


def _format_error(exc: BaseException, type_: type | None) -> str:
    # Our strict hooks say what they expected and what they got; keep their words.
    if isinstance(exc, ValueError) and str(exc).startswith("expected "):
        return str(exc)
    # cattrs reads a section given as a list or a number as if it were a mapping and fails deep inside.
    if isinstance(exc, AttributeError | TypeError) and type_ is not None and attrs.has(type_):
        return "expected a JSON object"
    return format_exception(exc, type_)


class ScenarioError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


# ---------------------------------------------------------------- from the file to domain values


@contextmanager
def _field(path: str) -> Iterator[None]:
    """A domain constructor's ValueError becomes a problem named by the scenario field."""
    try:
        yield
    except (ValueError, LookupError) as exc:
        raise ScenarioError([f"scenario.{path}: {exc}"]) from None


def _time(text: str, path: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ScenarioError([f"scenario.{path}: {text!r} is not an ISO datetime like 2025-03-30T10:00:00Z"]) from None
    if parsed.tzinfo is None:
        raise ScenarioError([f"scenario.{path}: {text!r} has no UTC offset; write it as 2025-03-30T10:00:00Z"])
    return parsed.astimezone(UTC)


def _direction(text: str, path: str) -> Direction:
    with _field(path):
        return Direction(text.strip().upper())


def _present(**values: float | None) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _config(raw: _SettingsIn, ruleset_name: str) -> EmissionConfig:
    with _field("account.ruleset"):
        risk = RiskSettings.for_ruleset(ruleset_name)
    with _field("settings"):
        ruleset = attrs.evolve(risk.ruleset, **_present(daily_loss_pct=raw.daily_loss_pct,
                                                        max_loss_pct=raw.max_loss_pct))
        internal = attrs.evolve(risk.internal, **_present(daily_loss_pct=raw.internal_daily_loss_pct,
                                                          total_loss_pct=raw.internal_total_loss_pct))
        risk = RiskSettings(ruleset, internal)
    sizing = SizingSettings()
    if raw.risk_per_trade_pct is not None:
        with _field("settings.risk_per_trade_pct"):
            sizing = SizingSettings(raw.risk_per_trade_pct)
    instruments = Instruments()
    for base, override in raw.instruments.items():
        with _field(f"settings.instruments.{base}"):
            changes = _present(**attrs.asdict(override))
            current = instruments.find(Pair(f"{base.upper()}USD"))
            spec = InstrumentSpec(base.upper(), **changes) if current is None else attrs.evolve(current, **changes)
            instruments = instruments.with_spec(spec)
    return EmissionConfig(risk=risk, instruments=instruments, sizing=sizing)


def _position(index: int, raw: _PositionIn, now: datetime, instruments: Instruments) -> Position:
    path = f"account.positions[{index}]"
    with _field(f"{path}.pair"):
        pair = Pair.parse(raw.pair)
        contract_size = raw.contract_size or instruments.spec_for(pair).contract_size
    direction = _direction(raw.direction, f"{path}.direction")
    opened_at = _time(raw.opened_at, f"{path}.opened_at") if raw.opened_at else now
    with _field(path):
        return Position(position_id=raw.id or f"position-{index + 1}", pair=pair, direction=direction,
                        lots=raw.lots, entry=raw.entry, mark=raw.mark, contract_size=contract_size,
                        opened_at=opened_at, stop=raw.stop, commission=raw.commission, swap=raw.swap)


_ACCOUNT_FIGURES = ("initial_balance", "balance", "day_start_balance", "highest_eod_balance")


def _account(raw: _AccountIn, now: datetime, instruments: Instruments) -> Account:
    # A balance at or below zero is no account the guard can size for (and gave negative floors).
    wrong = [f"scenario.account.{name}: must be > 0, got {getattr(raw, name)!r}" for name in _ACCOUNT_FIGURES
             if getattr(raw, name) is not None and not getattr(raw, name) > 0]
    if wrong:
        raise ScenarioError(wrong)
    positions = [_position(i, p, now, instruments) for i, p in enumerate(raw.positions)]
    highest = raw.highest_eod_balance
    if highest is None:
        highest = max(raw.initial_balance, raw.day_start_balance)
    with _field("account"):
        return Account(initial_balance=raw.initial_balance, balance=raw.balance, day=trading_day(now),
                       day_start_balance=raw.day_start_balance, highest_eod_balance=highest, positions=positions)


def _candidate(raw: _SignalIn) -> EmissionCandidate:
    direction = _direction(raw.direction, "signal.direction")
    with _field("signal.pair"):
        pair = Pair.parse(raw.pair)
    with _field("signal.tier"):
        tier = Tier(raw.tier.strip().upper())
    with _field("signal"):
        return EmissionCandidate(pair=pair, direction=direction, entry=raw.entry, stop=raw.stop, tier=tier,
                                 size=raw.size)


@attrs.frozen
class Scenario:
    state: GuardState
    candidate: EmissionCandidate
    config: EmissionConfig
    now: datetime
    description: str


_JSON_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}


def load_scenario(path: Path) -> Scenario:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    except json.JSONDecodeError as exc:
        raise ScenarioError([f"{path}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"]) from None
    if not isinstance(data, dict):
        raise ScenarioError([f"{path}: expected a JSON object with account and signal, got a JSON "
                             f"{_JSON_TYPES.get(type(data), type(data).__name__)}"])
    try:
        raw = _CONVERTER.structure(data, _ScenarioIn)
    except Exception as exc:  # cattrs raises exception groups; transform_error names every field
        raise ScenarioError(cattrs.transform_error(exc, path="scenario", format_exception=_format_error)) from None
    now = _time(raw.account.now, "account.now")
    config = _config(raw.settings, raw.account.ruleset)
    account = _account(raw.account, now, config.instruments)
    candidate = _candidate(raw.signal)
    return Scenario(GuardState(account, kill_switch=raw.kill_switch, kill_switch_reason="set in the scenario"),
                    candidate, config, now, raw.description)
