"""The emission guard: the one entry point every signal passes before it is emitted.

``evaluate_emission`` applies the guards in this fixed order and reports every reason, not only
the first (a trader should see all that is wrong at once):

1. kill switch - a value in the state, set by a trader or by the runtime;
2. FTMO hard floors and the internal floors - equity (open positions marked to market) already
   past a floor blocks everything, and the open positions must be closed;
3. rate limits - over a rolling hour, all tiers together and the HIGH tier on its own;
4. loss backoff - after ``backoff_losses`` losing trades within ``backoff_window`` the risk per
   trade is cut by ``backoff_risk_reduction_pct`` for the rest of that Prague day. The Prague
   day is the session: it is already the FTMO accounting day, and crypto trades through the
   Tokyo/London/New York hours alike, so a per-market session would end the backoff after a few
   hours for no reason tied to the account;
5. sizing and stop-out - the trade, sized (or at its given size), must not take equity below
   either internal floor when stopped out with p90 costs (domain.risk.check_trade).

Before any of it, every number the decision reads (balances, equity, marks, entry, stop, size,
costs, percentages) must be finite and possible; otherwise the answer is a denial citing
``invalid_input`` with an alert, never an allow (domain.risk.inputs).

An attempt to emit while the kill switch is on, or while equity is past a loss floor, raises an
Alert (the plan's two alerts) for the caller to send. State changes are pure functions
(``record_emission``, ``record_outcome``, ``set_kill_switch``, ``with_account``) so the caller
persists the state and a restart changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

import attrs

from domain.execution.instruments import Instruments
from domain.market.candles import Direction, Pair, require_utc
from domain.risk.account import Account, trading_day
from domain.risk.decisions import Decision, Reason, Rule, decide
from domain.risk.rules import RiskSettings
from domain.risk.sizing import SizingSettings
from domain.risk.trade_check import RiskCheck, TradeCandidate, check_trade
from domain.signals.confidence import TierState
from domain.signals.signal import Signal, Tier


def _utc(value: datetime) -> datetime:
    return require_utc(value, "at")


@attrs.frozen
class Emission:
    at: datetime = attrs.field(converter=_utc)
    pair: Pair
    tier: Tier


def _emissions(value: Iterable[Emission]) -> tuple[Emission, ...]:
    return tuple(sorted(value, key=lambda e: e.at))


def _losses(value: Iterable[datetime]) -> tuple[datetime, ...]:
    return tuple(sorted(require_utc(v, "loss time") for v in value))


@attrs.frozen
class GuardState:
    """What the guard needs to remember between scans; persist it after every change. ``tiers``
    holds each pair's tier hysteresis, so a restart does not reset a rising streak."""

    account: Account
    kill_switch: bool = False
    kill_switch_reason: str = ""
    emissions: tuple[Emission, ...] = attrs.field(default=(), converter=_emissions)
    losses: tuple[datetime, ...] = attrs.field(default=(), converter=_losses)
    tiers: TierState = attrs.Factory(TierState)
    as_of: datetime | None = None  # the market time of the last scan that updated this state


@attrs.frozen
class EmissionConfig:
    risk: RiskSettings = attrs.Factory(RiskSettings)
    instruments: Instruments = attrs.Factory(Instruments)
    sizing: SizingSettings = attrs.Factory(SizingSettings)
    max_signals_per_hour: int = 10
    max_signals_per_hour_high: int = 5
    rate_window: timedelta = timedelta(hours=1)
    backoff_losses: int = 2
    backoff_window: timedelta = timedelta(minutes=60)
    backoff_risk_reduction_pct: float = 50.0

    def __attrs_post_init__(self) -> None:
        if self.max_signals_per_hour < 0 or self.max_signals_per_hour_high < 0:
            raise ValueError("signal rate limits must be >= 0")
        if self.backoff_losses < 1:
            raise ValueError(f"backoff_losses must be >= 1, got {self.backoff_losses}")
        if not 0 <= self.backoff_risk_reduction_pct <= 100:
            raise ValueError(f"backoff_risk_reduction_pct must be within [0, 100], got "
                             f"{self.backoff_risk_reduction_pct}")
        if self.rate_window <= timedelta(0) or self.backoff_window <= timedelta(0):
            raise ValueError("rate_window and backoff_window must be positive")


@attrs.frozen
class EmissionCandidate:
    """A signal about to be emitted; ``size`` None lets the guard size it."""

    pair: Pair
    direction: Direction
    entry: float
    stop: float
    tier: Tier
    size: float | None = None

    def __attrs_post_init__(self) -> None:
        self.trade()  # the same checks as the risk book's candidate: stop side, positive prices and size

    @classmethod
    def from_signal(cls, signal: Signal, size: float | None = None) -> EmissionCandidate:
        return cls(signal.pair, signal.direction, signal.entry, signal.stop_loss, signal.tier, size)

    def trade(self) -> TradeCandidate:
        return TradeCandidate(self.pair, self.direction, self.entry, self.stop, self.size)


class AlertKind(StrEnum):
    KILL_SWITCH_ATTEMPT = "kill_switch_attempt"
    LOSS_LIMIT_ATTEMPT = "loss_limit_attempt"
    INVALID_INPUT = "invalid_input"  # a number the guard reads is not finite or not possible


@attrs.frozen
class Alert:
    kind: AlertKind
    at: datetime
    pair: Pair
    message: str


@attrs.frozen
class EmissionDecision:
    """``size``: the lots to emit with (0 when denied for want of size). ``risk``: the FTMO check
    with the floors, sizes and the account rolled to ``now``."""

    decision: Decision
    alerts: tuple[Alert, ...]
    risk: RiskCheck
    size: float
    risk_multiplier: float
    backoff_active: bool

    @property
    def allowed(self) -> bool:
        return self.decision.allowed

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return self.decision.reasons

    @property
    def must_close(self) -> bool:
        return self.risk.must_close


def recent_emissions(state: GuardState, now: datetime, window: timedelta) -> tuple[Emission, ...]:
    return tuple(e for e in state.emissions if now - window < e.at <= now)


def backoff_active(state: GuardState, now: datetime, config: EmissionConfig) -> bool:
    """True when ``backoff_losses`` losses of today (Prague) fall within ``backoff_window``."""
    today = trading_day(now, state.account.timezone)
    losses = [t for t in state.losses if t <= now and trading_day(t, state.account.timezone) == today]
    n = config.backoff_losses
    return any(losses[i + n - 1] - losses[i] <= config.backoff_window for i in range(len(losses) - n + 1))


def _rate_reasons(candidate: EmissionCandidate, state: GuardState, now: datetime,
                  config: EmissionConfig) -> list[Reason]:
    recent = recent_emissions(state, now, config.rate_window)
    reasons = []
    if len(recent) >= config.max_signals_per_hour:
        reasons.append(Reason(Rule.RATE_LIMIT, f"{len(recent)} signals in the last {config.rate_window}; "
                                               f"at most {config.max_signals_per_hour}"))
    high = sum(1 for e in recent if e.tier is Tier.HIGH)
    if candidate.tier is Tier.HIGH and high >= config.max_signals_per_hour_high:
        reasons.append(Reason(Rule.RATE_LIMIT_TIER, f"{high} HIGH signals in the last {config.rate_window}; "
                                                    f"at most {config.max_signals_per_hour_high}"))
    return reasons


def evaluate_emission(candidate: EmissionCandidate, state: GuardState, now: datetime,
                      config: EmissionConfig) -> EmissionDecision:
    now = require_utc(now, "now")
    reasons: list[Reason] = []
    alerts: list[Alert] = []
    if state.kill_switch:
        why = f" ({state.kill_switch_reason})" if state.kill_switch_reason else ""
        reasons.append(Reason(Rule.KILL_SWITCH, f"emissions are stopped by the kill switch{why}"))
        attempt = f"attempt to emit {candidate.pair} {candidate.direction.value}"
        alerts.append(Alert(AlertKind.KILL_SWITCH_ATTEMPT, now, candidate.pair,
                            f"{attempt} while the kill switch is on"))

    backoff = backoff_active(state, now, config)
    multiplier = 1 - config.backoff_risk_reduction_pct / 100 if backoff else 1.0
    risk = check_trade(candidate.trade(), state.account, now, config.risk, config.instruments, config.sizing,
                       risk_multiplier=multiplier)
    # Floors crossed come first (rule 2), then rate limits (3), then the trade's own checks (5).
    crossed = list(risk.crossed)
    reasons += crossed
    if crossed:
        alerts.append(Alert(AlertKind.LOSS_LIMIT_ATTEMPT, now, candidate.pair,
                            f"attempt to emit {candidate.pair} past a loss limit: "
                            + "; ".join(str(r) for r in crossed)))
    invalid = [r for r in risk.decision.reasons if r.rule == Rule.INVALID_INPUT]
    if invalid:
        alerts.append(Alert(AlertKind.INVALID_INPUT, now, candidate.pair,
                            f"attempt to emit {candidate.pair} on impossible numbers, denied: "
                            + "; ".join(r.message for r in invalid)))
    reasons += _rate_reasons(candidate, state, now, config)
    reasons += [r for r in risk.decision.reasons if r not in crossed]
    decision = decide(reasons)
    return EmissionDecision(decision, tuple(alerts), risk, risk.size if decision.allowed else 0.0, multiplier,
                            backoff)


def record_emission(state: GuardState, candidate: EmissionCandidate, now: datetime,
                    config: EmissionConfig) -> GuardState:
    """Count an emitted signal in the rate window; entries older than the window are dropped."""
    now = require_utc(now, "now")
    kept = recent_emissions(state, now, config.rate_window)
    return attrs.evolve(state, emissions=(*kept, Emission(now, candidate.pair, candidate.tier)))


def record_outcome(state: GuardState, closed_at: datetime, pnl: float) -> GuardState:
    """Note a closed trade; losses feed the backoff. Only the latest Prague day's losses can still
    matter, so older ones are dropped."""
    if pnl >= 0:
        return state
    losses = (*state.losses, require_utc(closed_at, "closed_at"))
    latest = trading_day(max(losses), state.account.timezone)
    return attrs.evolve(state, losses=tuple(t for t in losses if trading_day(t, state.account.timezone) == latest))


def set_kill_switch(state: GuardState, on: bool, reason: str = "") -> GuardState:
    return attrs.evolve(state, kill_switch=on, kill_switch_reason=reason if on else "")


def with_account(state: GuardState, account: Account) -> GuardState:
    return attrs.evolve(state, account=account)
