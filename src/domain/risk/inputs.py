"""Fail closed: every number a risk decision reads must be finite and possible.

NaN compares false with everything, so a check such as ``equity < floor`` silently passes when
equity is NaN; infinities overflow sums into NaN. The guard therefore asks this module first and
denies (``Rule.INVALID_INPUT``) when any input is not a number it could reason about. The
boundaries (settings, scenario files, candles, predictors, brokers) reject such values with a
clear error already; this is the last line, for whatever slipped past them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Literal

from domain.execution.instruments import Instruments, InstrumentSpec
from domain.risk.account import Account, Position
from domain.risk.decisions import Reason, Rule
from domain.risk.rules import RiskSettings
from domain.risk.sizing import SizingSettings

Domain = Literal["positive", "non_negative", "any", "percent", "fraction"]
Check = tuple[str, object, Domain]

_WHAT = {
    "positive": "a finite number > 0",
    "non_negative": "a finite number >= 0",
    "any": "a finite number",
    "percent": "a finite percentage within (0, 100]",
    "fraction": "a finite number within [0, 1]",
}


def _fits(value: float, domain: Domain) -> bool:
    if not math.isfinite(value):
        return False
    if domain == "positive":
        return value > 0
    if domain == "non_negative":
        return value >= 0
    if domain == "percent":
        return 0 < value <= 100
    if domain == "fraction":
        return 0 <= value <= 1
    return True


def problem(name: str, value: object, domain: Domain) -> Reason | None:
    """A reason when ``value`` is not a real number in ``domain`` (bools and strings are not)."""
    if type(value) is float and _fits(value, domain):  # the common case, checked on every scan
        return None
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if number is not None and _fits(float(number), domain):
        return None
    return Reason(Rule.INVALID_INPUT, f"{name} is {value!r}: expected {_WHAT[domain]}")


def problems(checks: Iterable[Check]) -> tuple[Reason, ...]:
    found = (problem(name, value, domain) for name, value, domain in checks)
    return tuple(r for r in found if r is not None)


def _position_checks(index: int, p: Position) -> Iterator[Check]:
    name = f"account.positions[{index}] ({p.position_id})"
    yield from ((f"{name}.{f}", getattr(p, f), "positive") for f in ("lots", "entry", "mark", "contract_size"))
    yield from ((f"{name}.{f}", getattr(p, f), "positive") for f in ("stop", "take_profit")
                if getattr(p, f) is not None)
    yield f"{name}.commission", p.commission, "non_negative"
    yield f"{name}.swap", p.swap, "any"


def account_checks(account: Account) -> Iterator[Check]:
    for field in ("initial_balance", "balance", "day_start_balance", "highest_eod_balance"):
        yield f"account.{field}", getattr(account, field), "positive"
    for i, p in enumerate(account.positions):
        yield from _position_checks(i, p)
    # Equity may be below zero (the floors then deny and close); it must still be a number.
    yield "account.equity", account.equity, "any"


def spec_checks(spec: InstrumentSpec) -> Iterator[Check]:
    name = f"instruments.{spec.base}"
    for field in ("contract_size", "lot_step", "min_lots", "max_lots"):
        yield f"{name}.{field}", getattr(spec, field), "positive"
    for field in ("commission_rate", "spread_p90_bps", "slippage_p90_bps"):
        yield f"{name}.{field}", getattr(spec, field), "non_negative"


def settings_checks(risk: RiskSettings, sizing: SizingSettings, instruments: Instruments) -> Iterator[Check]:
    yield "risk.ruleset.daily_loss_pct", risk.ruleset.daily_loss_pct, "percent"
    yield "risk.ruleset.max_loss_pct", risk.ruleset.max_loss_pct, "percent"
    yield "risk.internal.daily_loss_pct", risk.internal.daily_loss_pct, "percent"
    yield "risk.internal.total_loss_pct", risk.internal.total_loss_pct, "percent"
    yield "sizing.risk_per_trade_pct", sizing.risk_per_trade_pct, "percent"
    for spec in instruments.specs:
        yield from spec_checks(spec)


def trade_checks(entry: float, stop: float, size: float | None) -> Iterator[Check]:
    yield "signal.entry", entry, "positive"
    yield "signal.stop", stop, "positive"
    if size is not None:
        yield "signal.size", size, "positive"
