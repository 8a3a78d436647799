"""Settings turned into the domain's configuration values.

Boot validation builds the same values, so a setting the domain would refuse is reported by key
before anything starts, and the runtime never meets a configuration it cannot use.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from domain.evaluation.gates import AcceptanceGate, ChallengeGate, Gates, PromotionGate
from domain.risk import InternalLimits, RiskSettings, Ruleset, SizingSettings
from domain.risk.emission import EmissionConfig
from domain.signals.confidence import EnsembleSettings, HysteresisSettings, PatternSettings
from domain.signals.signal import TierThresholds
from entrypoints.settings.issue import Issue
from entrypoints.settings.schema import Settings


def risk_settings(s: Settings) -> RiskSettings:
    defaults = RiskSettings.for_ruleset(s.risk.ruleset)
    daily = s.risk.internal_daily_loss_pct or defaults.internal.daily_loss_pct
    return RiskSettings(Ruleset.named(s.risk.ruleset), InternalLimits(daily, s.risk.internal_total_loss_pct))


def emission_config(s: Settings) -> EmissionConfig:
    return EmissionConfig(
        risk=risk_settings(s),
        sizing=SizingSettings(risk_per_trade_pct=s.risk.risk_per_trade_pct),
        max_signals_per_hour=s.signals.max_signals_per_hour,
        max_signals_per_hour_high=s.signals.max_signals_per_hour_high,
        backoff_losses=s.risk.backoff_losses,
        backoff_window=timedelta(minutes=s.risk.backoff_window_minutes),
        backoff_risk_reduction_pct=s.risk.backoff_risk_reduction_pct,
    )


def tier_thresholds(s: Settings) -> TierThresholds:
    return TierThresholds(high=s.signals.tier_high, medium=s.signals.tier_medium, low=s.signals.tier_low)


def hysteresis(s: Settings) -> HysteresisSettings:
    return HysteresisSettings(confirm_scans=s.signals.tier_confirm_scans)


def pattern_settings(s: Settings) -> PatternSettings | None:
    """None with the adjustment switched off."""
    p = s.patterns
    return PatternSettings(min_samples=p.min_samples, weight=p.weight, max_shift=p.max_shift) if p.adjust else None


def gates(s: Settings) -> Gates:
    g = s.gates
    return Gates(PromotionGate(g.promotion_min_accuracy, g.promotion_max_calibration_error),
                 ChallengeGate(g.challenge_min_pass_rate, g.challenge_min_attempts),
                 AcceptanceGate(g.acceptance_min_win_rate, g.acceptance_min_trades))


def parse_weights(text: str) -> dict[str, float]:
    """'lstm=0.35,transformer=0.40' -> {'lstm': 0.35, 'transformer': 0.4}."""
    weights: dict[str, float] = {}
    for item in (part.strip() for part in text.split(",") if part.strip()):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"expected name=weight pairs separated by commas, got {item!r}")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"weight of {name.strip()!r} is not a number: {value!r}") from None
    return weights


def _check(keys: tuple[str, ...], build: Callable[[], Any]) -> list[Issue]:
    try:
        build()
    except ValueError as exc:
        return [Issue(keys, str(exc))]
    return []


def domain_problems(s: Settings) -> list[Issue]:
    """Every setting the domain refuses, on the keys the refused value is made of."""
    r = s.risk
    problems: list[Issue] = []
    if not r.initial_balance > 0:
        problems.append(Issue.at("risk.initial_balance", "must be > 0"))
    for key, value in (("max_hold_minutes", r.max_hold_minutes), ("backoff_window_minutes", r.backoff_window_minutes)):
        if value < 1:
            problems.append(Issue.at(f"risk.{key}", "must be at least 1"))
    problems += _buffer_problems(s)
    problems += _check(("risk.risk_per_trade_pct",), lambda: SizingSettings(risk_per_trade_pct=r.risk_per_trade_pct))
    if r.backoff_losses < 1:
        problems.append(Issue.at("risk.backoff_losses", "must be at least 1"))
    if not 0 <= r.backoff_risk_reduction_pct <= 100:
        problems.append(Issue.at("risk.backoff_risk_reduction_pct", "must be within [0, 100]"))
    problems += _check(("signals.tier_confirm_scans",), lambda: hysteresis(s))
    problems += _check(("ensemble.weights",), lambda: EnsembleSettings(with_rl=parse_weights(s.ensemble.weights)))
    problems += _check(("ensemble.weights_without_rl",),
                       lambda: EnsembleSettings(without_rl=parse_weights(s.ensemble.weights_without_rl)))
    problems += _check(("ensemble.bias_pp",), lambda: EnsembleSettings(bias_pp=s.ensemble.bias_pp))
    problems += _pattern_problems(s)
    return problems + _gate_problems(s)


def _pattern_problems(s: Settings) -> list[Issue]:
    p = s.patterns
    share = "must be within [0, 1]"
    checks = {"min_samples": (p.min_samples >= 1, "must be at least 1"), "weight": (0 <= p.weight <= 1, share),
              "max_shift": (0 <= p.max_shift <= 1, share)}
    return [Issue.at(f"patterns.{key}", why) for key, (ok, why) in checks.items() if not ok]


def _gate_problems(s: Settings) -> list[Issue]:
    """Each threshold alone, so a refusal names its key."""
    g = s.gates
    built: dict[str, Callable[[], Any]] = {
        "promotion_min_accuracy": lambda: PromotionGate(min_accuracy=g.promotion_min_accuracy),
        "promotion_max_calibration_error": lambda: PromotionGate(
            max_calibration_error=g.promotion_max_calibration_error),
        "challenge_min_pass_rate": lambda: ChallengeGate(min_pass_rate=g.challenge_min_pass_rate),
        "challenge_min_attempts": lambda: ChallengeGate(min_attempts=g.challenge_min_attempts),
        "acceptance_min_win_rate": lambda: AcceptanceGate(min_win_rate=g.acceptance_min_win_rate),
        "acceptance_min_trades": lambda: AcceptanceGate(min_trades=g.acceptance_min_trades),
    }
    return [problem for key, build in built.items() for problem in _check((f"gates.{key}",), build)]


def _buffer_problems(s: Settings) -> list[Issue]:
    """Each internal buffer alone, then each against the ruleset's hard limit with the other buffer
    at the ruleset's default, so a refusal is named on the buffer (and ruleset) that caused it."""
    r = s.risk
    defaults = RiskSettings.for_ruleset(r.ruleset).internal
    daily = r.internal_daily_loss_pct or defaults.daily_loss_pct
    daily_key, total_key = "risk.internal_daily_loss_pct", "risk.internal_total_loss_pct"
    alone = _check((daily_key,), lambda: InternalLimits(daily_loss_pct=daily))
    alone += _check((total_key,), lambda: InternalLimits(total_loss_pct=r.internal_total_loss_pct))
    if alone:
        return alone
    ruleset = Ruleset.named(r.ruleset)
    return [*_check((daily_key, "risk.ruleset"),
                    lambda: RiskSettings(ruleset, InternalLimits(daily, defaults.total_loss_pct))),
            *_check((total_key, "risk.ruleset"),
                    lambda: RiskSettings(ruleset, InternalLimits(defaults.daily_loss_pct, r.internal_total_loss_pct)))]
