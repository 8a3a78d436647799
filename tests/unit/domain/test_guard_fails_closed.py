"""The guard fails closed: a number that is not finite or not possible is never allowed.

Every numeric input of ``evaluate_emission`` (account, open position, candidate, instrument costs,
sizing and ruleset percentages) is in turn replaced by NaN, an infinity or an impossible value.
Either the value object refuses it at construction (a ValueError, the boundary's answer) or the
guard denies it: it may never allow.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import attrs
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from domain.execution.instruments import Instruments
from domain.market.candles import Direction
from domain.risk import Account, Position, RiskSettings, SizingSettings
from domain.risk.decisions import Rule
from domain.risk.emission import AlertKind, EmissionCandidate, EmissionConfig, GuardState, evaluate_emission
from domain.risk.rules import InternalLimits, Ruleset
from domain.signals.signal import Tier
from tests.unit.domain.builders import BTC, ETH, utc

NOW = utc(2025, 6, 10, 12)
NAN, INF = float("nan"), float("inf")

# A valid baseline the guard allows: 100k account, one ETH long with a stop, a BTC long candidate.
BASE: dict[str, float] = {
    "account.initial_balance": 100_000.0, "account.balance": 101_000.0, "account.day_start_balance": 100_500.0,
    "account.highest_eod_balance": 100_500.0,
    "position.lots": 1.0, "position.entry": 3_000.0, "position.mark": 3_010.0, "position.contract_size": 10.0,
    "position.stop": 2_950.0, "position.take_profit": 3_100.0, "position.commission": 9.75, "position.swap": -1.5,
    "candidate.entry": 60_000.0, "candidate.stop": 59_400.0, "candidate.size": 0.5,
    "spec.contract_size": 1.0, "spec.lot_step": 0.01, "spec.min_lots": 0.01, "spec.max_lots": 5.0,
    "spec.commission_rate": 0.000325, "spec.spread_p90_bps": 10.0, "spec.slippage_p90_bps": 5.0,
    "sizing.risk_per_trade_pct": 1.0, "ruleset.daily_loss_pct": 5.0, "ruleset.max_loss_pct": 10.0,
    "internal.daily_loss_pct": 4.5, "internal.total_loss_pct": 9.0,
}
# Values each field may legitimately hold below zero: only non-finite numbers are wrong there.
SIGNED = {"position.swap"}
NON_NEGATIVE = {"position.commission", "spec.commission_rate", "spec.spread_p90_bps", "spec.slippage_p90_bps"}


BAD = [NAN, INF, -INF, 0.0, -1e-9, -1.0, -100_000.0]


def is_impossible(field: str, value: float) -> bool:
    if not math.isfinite(value) or value < 0:
        return field not in SIGNED or not math.isfinite(value)
    return field not in SIGNED | NON_NEGATIVE  # zero: only where a value must be > 0


def build(v: dict[str, float]) -> tuple[EmissionCandidate, GuardState, EmissionConfig]:
    position = Position(position_id="eth-1", pair=ETH, direction=Direction.LONG, lots=v["position.lots"],
                        entry=v["position.entry"], mark=v["position.mark"], contract_size=v["position.contract_size"],
                        opened_at=utc(2025, 6, 10, 9), stop=v["position.stop"], commission=v["position.commission"],
                        swap=v["position.swap"], take_profit=v["position.take_profit"])
    account = Account(initial_balance=v["account.initial_balance"], balance=v["account.balance"],
                      day=Account.start(100_000, NOW).day, day_start_balance=v["account.day_start_balance"],
                      highest_eod_balance=v["account.highest_eod_balance"], positions=(position,))
    spec = attrs.evolve(Instruments().spec_for(BTC), **{k[5:]: x for k, x in v.items() if k.startswith("spec.")})
    risk = RiskSettings(Ruleset.two_step(daily_loss_pct=v["ruleset.daily_loss_pct"],
                                         max_loss_pct=v["ruleset.max_loss_pct"]),
                        InternalLimits(v["internal.daily_loss_pct"], v["internal.total_loss_pct"]))
    config = EmissionConfig(risk=risk, instruments=Instruments().with_spec(spec),
                            sizing=SizingSettings(v["sizing.risk_per_trade_pct"]))
    candidate = EmissionCandidate(BTC, Direction.LONG, v["candidate.entry"], v["candidate.stop"], Tier.MEDIUM,
                                  v["candidate.size"])
    return candidate, GuardState(account), config


def outcome(values: dict[str, float], validators: bool = True) -> str:
    """``validators=False`` builds the values with attrs' field validators off: whatever a
    boundary missed must still be denied by the guard itself."""
    try:
        with attrs.validators.disabled() if not validators else _nothing():
            candidate, state, config = build(values)
    except ValueError:
        return "refused"
    decision = evaluate_emission(candidate, state, NOW, config)
    assert not decision.allowed, f"allowed on {values}"
    assert decision.size == 0
    return "denied"


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def test_the_baseline_is_allowed() -> None:
    candidate, state, config = build(BASE)
    assert evaluate_emission(candidate, state, NOW, config).allowed


FIELDS = sorted(BASE)


CHOICES = len(FIELDS) * len(BAD)


def decode(code: int) -> dict[str, float]:
    """One integer names up to three (field, bad value) changes: a cheap draw keeps 10,000 cases fast."""
    changes = {}
    for _ in range(3):
        code, choice = divmod(code, CHOICES + 1)
        if choice:
            field, value = FIELDS[(choice - 1) // len(BAD)], BAD[(choice - 1) % len(BAD)]
            if is_impossible(field, value):
                changes[field] = value
    return changes


@settings(max_examples=10_000, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(code=st.integers(1, (CHOICES + 1) ** 3 - 1), short=st.booleans(), validators=st.booleans())
def test_no_impossible_number_is_ever_allowed(code: int, short: bool, validators: bool) -> None:
    values = dict(BASE)
    if short:  # the mirrored candidate: a stop above the entry
        values["candidate.stop"] = 2 * BASE["candidate.entry"] - BASE["candidate.stop"]
    changes = decode(code)
    if changes:
        event(f"{outcome(values | changes, validators)} (validators {'on' if validators else 'off'})")


@pytest.mark.parametrize("field", sorted(BASE))
@pytest.mark.parametrize("value", [NAN, INF, -INF])
def test_each_field_alone_never_allows_a_non_finite_value(field: str, value: float) -> None:
    assert outcome(BASE | {field: value}) in {"refused", "denied"}


REACHES_THE_GUARD: list[tuple[str, float]] = [
    ("account.balance", NAN), ("account.balance", INF), ("account.balance", -5_000.0),
    ("account.day_start_balance", -100_000.0), ("account.highest_eod_balance", INF),
    ("position.swap", NAN), ("position.commission", INF), ("position.mark", INF),
    ("candidate.entry", INF), ("candidate.size", INF), ("spec.spread_p90_bps", INF), ("spec.contract_size", INF),
]


@pytest.mark.parametrize(("field", "value"), REACHES_THE_GUARD)
def test_the_guard_itself_denies_names_the_field_and_alerts(field: str, value: float) -> None:
    candidate, state, config = build(BASE | {field: value})
    decision = evaluate_emission(candidate, state, NOW, config)
    assert not decision.allowed and decision.size == 0 and decision.risk.max_size == 0
    invalid = [r for r in decision.reasons if r.rule == Rule.INVALID_INPUT]
    assert invalid, decision.reasons
    leaf = field.split(".")[1]
    assert any(leaf in r.message for r in invalid), invalid
    assert AlertKind.INVALID_INPUT in {a.kind for a in decision.alerts}


def test_a_negative_day_start_balance_no_longer_yields_negative_floors_and_an_allow() -> None:
    # The case: day-start -100k put every floor below zero and the trade went through.
    candidate, state, config = build(BASE | {"account.day_start_balance": -100_000.0,
                                             "account.highest_eod_balance": 100_000.0})
    decision = evaluate_emission(candidate, state, NOW, config)
    assert not decision.allowed
    assert "account.day_start_balance" in str(decision.reasons)


def test_finite_inputs_that_overflow_are_denied() -> None:
    # Every input is finite, but the notional is not: the sums the decision rests on overflow.
    candidate, state, config = build(BASE | {"candidate.entry": 1e308, "candidate.stop": 1e307,
                                             "candidate.size": 5.0})
    decision = evaluate_emission(candidate, state, NOW, config)
    assert not decision.allowed
    assert Rule.INVALID_INPUT in {r.rule for r in decision.reasons}
    assert all(math.isfinite(x) or math.isnan(x) for x in (decision.size, decision.risk.max_size))

