"""FTMO's rulesets and the plan's internal buffers, as settings, and the equity floors they imply.

A floor is the equity level that must not be crossed. Hard floors are FTMO's (crossing one fails
the challenge); internal floors are the plan's stricter buffers, where new signals stop and open
positions are closed. All percentages are of the initial balance, as FTMO measures them.
"""

from __future__ import annotations

from enum import StrEnum

import attrs

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


def floors(account: Account, settings: RiskSettings) -> Floors:
    """Floors for ``account.day``; roll the account to ``now`` first (the guard does)."""
    initial = account.initial_balance
    ruleset, internal = settings.ruleset, settings.internal
    # 2-Step's maximum loss is fixed to the initial balance; 1-Step's trails the best midnight balance.
    reference = account.highest_eod_balance if ruleset.max_loss_trails else initial
    return Floors(
        daily=account.day_start_balance - ruleset.daily_loss_pct / 100 * initial,
        total=reference - ruleset.max_loss_pct / 100 * initial,
        internal_daily=account.day_start_balance - internal.daily_loss_pct / 100 * initial,
        internal_total=reference - internal.total_loss_pct / 100 * initial,
    )


def crossed_floors(equity: float, levels: Floors) -> tuple[Reason, ...]:
    """Floors already crossed by ``equity``: a hard floor when equity is below it (FTMO's
    "may not fall below"), an internal one when equity is at or below it (where signals stop)."""
    reasons: list[Reason] = []
    if equity < levels.daily:
        reasons.append(Reason(Rule.FTMO_DAILY_LOSS, f"equity {equity:,.2f} is below the daily floor "
                                                    f"{levels.daily:,.2f}"))
    if equity < levels.total:
        reasons.append(Reason(Rule.FTMO_MAX_LOSS, f"equity {equity:,.2f} is below the maximum-loss floor "
                                                  f"{levels.total:,.2f}"))
    if equity <= levels.internal_daily:
        reasons.append(Reason(Rule.INTERNAL_DAILY_LOSS, f"equity {equity:,.2f} is at or below the internal daily "
                                                        f"floor {levels.internal_daily:,.2f}"))
    if equity <= levels.internal_total:
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
        share = self.share_pct
        return share is not None and share <= self.max_share_pct


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


def progress(account: Account, ruleset: Ruleset, phase: int = 0) -> Progress:
    """Objectives of ``phase`` (0: phase 1, 1: verification): the target counts only with every
    position closed."""
    target = ruleset.profit_targets_pct[phase]
    reached = not account.positions and account.balance >= account.initial_balance * (1 + target / 100)
    days = len(account.trading_days)
    rule = ruleset.best_day_max_share_pct
    return Progress(reached, days, days >= ruleset.min_trading_days,
                    None if rule is None else best_day(account, rule).satisfied)
