"""Risk decisions as values: a guard answers Allowed or Denied with every rule that denies.

Exceptions stay for broken invariants and bad input; a denial is an ordinary outcome the caller
logs, counts and shows, so it is data.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Literal

import attrs


class Rule(StrEnum):
    """Names of the rules a guard can cite; stable strings because they are logged and counted."""

    KILL_SWITCH = "kill_switch"
    FTMO_DAILY_LOSS = "ftmo_daily_loss"
    FTMO_MAX_LOSS = "ftmo_max_loss"
    INTERNAL_DAILY_LOSS = "internal_daily_loss"
    INTERNAL_TOTAL_LOSS = "internal_total_loss"
    RATE_LIMIT = "rate_limit"
    RATE_LIMIT_TIER = "rate_limit_tier"
    INSTRUMENT = "instrument"
    MAX_LOTS = "max_lots"
    LOT_STEP = "lot_step"
    SIZING = "sizing"
    INVALID_INPUT = "invalid_input"  # a number the decision reads is not finite or not possible: fail closed


@attrs.frozen
class Reason:
    rule: str
    message: str

    def __attrs_post_init__(self) -> None:
        if not self.rule or not self.message:
            raise ValueError("a reason needs both a rule and a message")

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


@attrs.frozen
class Allowed:
    allowed: Literal[True] = attrs.field(default=True, init=False)
    reasons: tuple[Reason, ...] = attrs.field(default=(), init=False)


def _reasons(value: Iterable[Reason]) -> tuple[Reason, ...]:
    return tuple(value)


@attrs.frozen
class Denied:
    reasons: tuple[Reason, ...] = attrs.field(converter=_reasons)
    allowed: Literal[False] = attrs.field(default=False, init=False)

    def __attrs_post_init__(self) -> None:
        if not self.reasons:
            raise ValueError("a denial must say why: reasons is empty")

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(r.rule for r in self.reasons)


Decision = Allowed | Denied


def decide(reasons: Iterable[Reason]) -> Decision:
    collected = tuple(reasons)
    return Denied(collected) if collected else Allowed()
