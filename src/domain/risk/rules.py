"""FTMO's rulesets and the plan's internal buffers, as settings, and the equity floors they imply.

A floor is the equity level that must not be crossed. Hard floors are FTMO's (crossing one fails
the challenge); internal floors are the plan's stricter buffers, where new signals stop and open
positions are closed. All percentages are of the initial balance, as FTMO measures them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Generic, NamedTuple, TypeVar, overload

import attrs
import numpy as np
import numpy.typing as npt

from domain.risk.account import Account
from domain.risk.decisions import Reason, Rule


def _percent(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0 < value < 100:
        raise ValueError(f"{attribute.name} must be a percentage within (0, 100), got {value!r}")


class RulesetName(StrEnum):
    TWO_STEP = "2-step"
    ONE_STEP = "1-step"


@attrs.frozen
class Ruleset:
    """One FTMO challenge type. ``max_loss_trails``: the maximum-loss floor follows the highest
    end-of-day balance upward (1-Step) instead of staying at the initial balance (2-Step)."""

    name: RulesetName
    daily_loss_pct: float = attrs.field(validator=_percent)
    max_loss_pct: float = attrs.field(validator=_percent)
    max_loss_trails: bool
    profit_targets_pct: tuple[float, ...]
    min_trading_days: int = 0
    best_day_max_share_pct: float | None = None

    def __attrs_post_init__(self) -> None:
        if self.daily_loss_pct > self.max_loss_pct:
            raise ValueError(f"{self.name}: daily loss {self.daily_loss_pct} % exceeds maximum loss "
                             f"{self.max_loss_pct} %")
        if not self.profit_targets_pct or any(t <= 0 for t in self.profit_targets_pct):
            raise ValueError(f"{self.name}: profit targets must be > 0, got {self.profit_targets_pct}")
        if self.min_trading_days < 0:
            raise ValueError(f"{self.name}: min_trading_days must be >= 0")

    @classmethod
    def two_step(cls, *, daily_loss_pct: float = 5.0, max_loss_pct: float = 10.0,
                 profit_targets_pct: tuple[float, ...] = (10.0, 5.0), min_trading_days: int = 4) -> Ruleset:
        """Phase 1 and verification targets; daily and maximum loss fixed to the initial balance."""
        return cls(RulesetName.TWO_STEP, daily_loss_pct, max_loss_pct, False, profit_targets_pct, min_trading_days)

    @classmethod
    def one_step(cls, *, daily_loss_pct: float = 3.0, max_loss_pct: float = 10.0,
                 profit_target_pct: float = 10.0, best_day_max_share_pct: float = 50.0) -> Ruleset:
        return cls(RulesetName.ONE_STEP, daily_loss_pct, max_loss_pct, True, (profit_target_pct,), 0,
                   best_day_max_share_pct)

    @classmethod
    def named(cls, name: str) -> Ruleset:
        return cls.one_step() if RulesetName(name) is RulesetName.ONE_STEP else cls.two_step()


@attrs.frozen
class InternalLimits:
    """The plan's buffers inside FTMO's limits: new signals stop here."""

    daily_loss_pct: float = attrs.field(default=4.5, validator=_percent)
    total_loss_pct: float = attrs.field(default=9.0, validator=_percent)


@attrs.frozen
class RiskSettings:
    ruleset: Ruleset = attrs.Factory(Ruleset.two_step)
    internal: InternalLimits = attrs.Factory(InternalLimits)

    def __attrs_post_init__(self) -> None:
        # A buffer looser than the hard limit would let signals through that FTMO fails on.
        if self.internal.daily_loss_pct > self.ruleset.daily_loss_pct:
            raise ValueError(f"internal daily loss {self.internal.daily_loss_pct} % is looser than "
                             f"{self.ruleset.name}'s {self.ruleset.daily_loss_pct} %")
        if self.internal.total_loss_pct > self.ruleset.max_loss_pct:
            raise ValueError(f"internal total loss {self.internal.total_loss_pct} % is looser than "
                             f"{self.ruleset.name}'s {self.ruleset.max_loss_pct} %")

    @classmethod
    def for_ruleset(cls, name: str) -> RiskSettings:
        """Default settings per ruleset. 1-Step's 3 % daily limit is tighter than the plan's 4.5 %
        buffer, so its buffer keeps the plan's ratio (90 % of the hard limit: 2.7 %)."""
        ruleset = Ruleset.named(name)
        if ruleset.name is RulesetName.ONE_STEP:
            return cls(ruleset, InternalLimits(daily_loss_pct=2.7, total_loss_pct=9.0))
        return cls(ruleset)


@attrs.frozen
class Floors:
    """Equity levels for the account's current Prague day."""

    daily: float
    total: float
    internal_daily: float
    internal_total: float

    @property
    def hard(self) -> float:
        return max(self.daily, self.total)

    @property
    def internal(self) -> float:
        return max(self.internal_daily, self.internal_total)


# Money as one float or as a numpy array of them (one per simulated challenge attempt): the guard
# and the challenge simulator compute floors, breaches and targets with the same functions.
Money = TypeVar("Money", float, npt.NDArray[np.float64])


class FloorLevels(NamedTuple, Generic[Money]):
    daily: Money
    total: Money
    internal_daily: Money
    internal_total: Money


def floor_levels(initial: float, day_start: Money, highest_eod: Money, settings: RiskSettings) -> FloorLevels[Money]:
    """The four floors from the balances they rest on; ``day_start`` and ``highest_eod`` may be
    arrays (one value per simulated attempt), the arithmetic is the same."""
    ruleset, internal = settings.ruleset, settings.internal
    # 2-Step's maximum loss is fixed to the initial balance; 1-Step's trails the best midnight balance.
    reference = highest_eod if ruleset.max_loss_trails else _constant_like(initial, highest_eod)
    return FloorLevels(
        daily=day_start - ruleset.daily_loss_pct / 100 * initial,
        total=reference - ruleset.max_loss_pct / 100 * initial,
        internal_daily=day_start - internal.daily_loss_pct / 100 * initial,
        internal_total=reference - internal.total_loss_pct / 100 * initial,
    )


def _constant_like(value: float, like: Money) -> Money:
    return np.full_like(like, value) if isinstance(like, np.ndarray) else value


def floors(account: Account, settings: RiskSettings) -> Floors:
    """Floors for ``account.day``; roll the account to ``now`` first (the guard does)."""
    return Floors(*floor_levels(account.initial_balance, account.day_start_balance, account.highest_eod_balance,
                                settings))


Flags = npt.NDArray[np.bool_]


@overload
def falls_below(equity: float, level: float) -> bool: ...
@overload
def falls_below(equity: npt.NDArray[np.float64], level: npt.NDArray[np.float64] | float) -> Flags: ...
def falls_below(equity: float | npt.NDArray[np.float64], level: float | npt.NDArray[np.float64]) -> bool | Flags:
    """A hard floor is breached when equity falls below it (FTMO's "may not fall below"); a new
    trade is denied when its stop-out would take equity below an internal floor."""
    return equity < level


@overload
def at_or_below(equity: float, level: float) -> bool: ...
@overload
def at_or_below(equity: npt.NDArray[np.float64], level: npt.NDArray[np.float64] | float) -> Flags: ...
def at_or_below(equity: float | npt.NDArray[np.float64], level: float | npt.NDArray[np.float64]) -> bool | Flags:
    """An internal floor is reached when equity is at or below it: there signals stop."""
    return equity <= level


def crossed_floors(equity: float, levels: Floors) -> tuple[Reason, ...]:
    """Floors already crossed by ``equity``: a hard floor when equity is below it (FTMO's
    "may not fall below"), an internal one when equity is at or below it (where signals stop)."""
    reasons: list[Reason] = []
    if falls_below(equity, levels.daily):
        reasons.append(Reason(Rule.FTMO_DAILY_LOSS, f"equity {equity:,.2f} is below the daily floor "
                                                    f"{levels.daily:,.2f}"))
    if falls_below(equity, levels.total):
        reasons.append(Reason(Rule.FTMO_MAX_LOSS, f"equity {equity:,.2f} is below the maximum-loss floor "
                                                  f"{levels.total:,.2f}"))
    if at_or_below(equity, levels.internal_daily):
        reasons.append(Reason(Rule.INTERNAL_DAILY_LOSS, f"equity {equity:,.2f} is at or below the internal daily "
                                                        f"floor {levels.internal_daily:,.2f}"))
    if at_or_below(equity, levels.internal_total):
        reasons.append(Reason(Rule.INTERNAL_TOTAL_LOSS, f"equity {equity:,.2f} is at or below the internal total "
                                                        f"floor {levels.internal_total:,.2f}"))
    return tuple(reasons)


@attrs.frozen
class BestDay:
    """1-Step's best-day rule: the best day's profit at most ``max_share_pct`` of total profit.
    Missing it is not a failure; it only means the target is not yet met."""

    best_day_profit: float
    total_profit: float
    max_share_pct: float

    @property
    def share_pct(self) -> float | None:
        return 100 * self.best_day_profit / self.total_profit if self.total_profit > 0 else None

    @property
    def satisfied(self) -> bool:
        return bool(best_day_met(self.best_day_profit, self.total_profit, self.max_share_pct))


@overload
def best_day_met(best_day_profit: float, total_profit: float, max_share_pct: float) -> bool: ...
@overload
def best_day_met(best_day_profit: npt.NDArray[np.float64], total_profit: npt.NDArray[np.float64],
                 max_share_pct: float) -> Flags: ...
def best_day_met(best_day_profit: float | npt.NDArray[np.float64], total_profit: float | npt.NDArray[np.float64],
                 max_share_pct: float) -> bool | Flags:
    """The best day's profit is at most ``max_share_pct`` of a positive total profit."""
    if isinstance(total_profit, np.ndarray):
        positive = total_profit > 0
        with np.errstate(over="ignore"):  # a share past the float range is simply too large
            return positive & (100 * best_day_profit / np.where(positive, total_profit, 1.0) <= max_share_pct)
    return total_profit > 0 and 100 * best_day_profit / total_profit <= max_share_pct


def best_day(account: Account, max_share_pct: float = 50.0) -> BestDay:
    """Days are Prague days; today counts with its realised profit so far."""
    profits = [d.profit for d in account.history] + [account.balance - account.day_start_balance]
    return BestDay(max(0.0, *profits), account.balance - account.initial_balance, max_share_pct)


@attrs.frozen
class Progress:
    target_reached: bool
    trading_days: int
    min_trading_days_met: bool
    best_day_satisfied: bool | None

    @property
    def passed(self) -> bool:
        return self.target_reached and self.min_trading_days_met and self.best_day_satisfied is not False


def target_balance(initial: float, target_pct: float) -> float:
    """The balance a phase's profit target asks for (it counts only with every position closed)."""
    return initial * (1 + target_pct / 100)


def progress(account: Account, ruleset: Ruleset, phase: int = 0) -> Progress:
    """Objectives of ``phase`` (0: phase 1, 1: verification): the target counts only with every
    position closed."""
    target = target_balance(account.initial_balance, ruleset.profit_targets_pct[phase])
    reached = not account.positions and account.balance >= target
    days = len(account.trading_days)
    rule = ruleset.best_day_max_share_pct
    return Progress(reached, days, days >= ruleset.min_trading_days,
                    None if rule is None else best_day(account, rule).satisfied)
