"""The emission guard: kill switch, floors, rate limits, loss backoff, sizing, and alerts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.market.candles import Direction
from domain.risk import Account, close_position, open_position
from domain.risk.decisions import Rule
from domain.risk.emission import (
    AlertKind,
    Emission,
    EmissionCandidate,
    EmissionConfig,
    GuardState,
    backoff_active,
    evaluate_emission,
    record_emission,
    record_outcome,
    set_kill_switch,
    with_account,
)
from domain.signals.signal import Mode, Signal, Tier
from tests.unit.domain.builders import BNB, BTC, ETH, position, utc

NOW = utc(2025, 6, 10, 12)
CONFIG = EmissionConfig()


def candidate(tier: Tier = Tier.MEDIUM, pair=BTC, size: float | None = None) -> EmissionCandidate:
    return EmissionCandidate(pair, Direction.LONG, 60_000 if pair == BTC else 3_000 if pair == ETH else 600,
                             59_000 if pair == BTC else 2_950 if pair == ETH else 590, tier, size)


def fresh() -> GuardState:
    return GuardState(Account.start(100_000, utc(2025, 6, 10, 6)))


def test_a_clean_state_allows_and_sizes() -> None:
    decision = evaluate_emission(candidate(), fresh(), NOW, CONFIG)
    assert decision.allowed and decision.alerts == ()
    assert decision.size == decision.risk.suggested_size > 0
    assert decision.risk_multiplier == 1.0


def test_kill_switch_denies_and_alerts() -> None:
    state = set_kill_switch(fresh(), True, "trader stop")
    decision = evaluate_emission(candidate(), state, NOW, CONFIG)
    assert not decision.allowed and decision.size == 0
    assert [r.rule for r in decision.reasons] == [Rule.KILL_SWITCH]
    assert "trader stop" in decision.reasons[0].message
    assert [a.kind for a in decision.alerts] == [AlertKind.KILL_SWITCH_ATTEMPT]
    assert evaluate_emission(candidate(), set_kill_switch(state, False), NOW, CONFIG).allowed


def emitted(state: GuardState, n: int, tier: Tier, at) -> GuardState:
    for i in range(n):
        state = record_emission(state, candidate(tier), at + timedelta(seconds=i), CONFIG)
    return state


def test_overall_rate_limit_over_a_rolling_hour() -> None:
    state = emitted(fresh(), 10, Tier.LOW, NOW - timedelta(minutes=50))
    decision = evaluate_emission(candidate(Tier.LOW), state, NOW, CONFIG)
    assert [r.rule for r in decision.reasons] == [Rule.RATE_LIMIT]
    assert decision.alerts == ()
    # an hour after the first of them, the window has room again
    assert evaluate_emission(candidate(Tier.LOW), state, NOW + timedelta(minutes=10, seconds=1), CONFIG).allowed


def test_high_tier_has_its_own_limit() -> None:
    state = emitted(fresh(), 5, Tier.HIGH, NOW - timedelta(minutes=30))
    assert [r.rule for r in evaluate_emission(candidate(Tier.HIGH), state, NOW, CONFIG).reasons] == [
        Rule.RATE_LIMIT_TIER]
    assert evaluate_emission(candidate(Tier.MEDIUM), state, NOW, CONFIG).allowed
    loose = EmissionConfig(max_signals_per_hour_high=6)
    assert evaluate_emission(candidate(Tier.HIGH), state, NOW, loose).allowed


def test_record_emission_keeps_only_the_window() -> None:
    state = emitted(fresh(), 3, Tier.LOW, NOW - timedelta(hours=3))
    state = record_emission(state, candidate(Tier.HIGH), NOW, CONFIG)
    assert state.emissions == (Emission(NOW, BTC, Tier.HIGH),)


def test_two_losses_within_an_hour_halve_the_risk_for_the_rest_of_the_prague_day() -> None:
    base = evaluate_emission(candidate(), fresh(), NOW, CONFIG)
    state = record_outcome(fresh(), NOW - timedelta(minutes=90), -300)
    state = record_outcome(state, NOW - timedelta(minutes=40), -250)
    state = record_outcome(state, NOW - timedelta(minutes=39), +400)  # a win neither counts nor cancels
    assert backoff_active(state, NOW, CONFIG)  # 50 minutes apart
    decision = evaluate_emission(candidate(), state, NOW, CONFIG)
    assert decision.allowed and decision.backoff_active
    assert decision.risk_multiplier == 0.5
    assert decision.size == pytest.approx(round(base.size / 2, 2), abs=0.011)
    assert decision.size < base.size
    # still on at 23:59 Prague (21:59 UTC in June); gone after midnight
    assert backoff_active(state, utc(2025, 6, 10, 21, 59), CONFIG)
    assert not backoff_active(state, utc(2025, 6, 10, 22, 0), CONFIG)


def test_losses_further_apart_than_the_window_do_not_back_off() -> None:
    state = record_outcome(fresh(), NOW - timedelta(minutes=130), -300)
    state = record_outcome(state, NOW - timedelta(minutes=60), -300)
    assert not backoff_active(state, NOW, CONFIG)
    assert backoff_active(state, NOW, EmissionConfig(backoff_window=timedelta(minutes=70)))
    assert evaluate_emission(candidate(), state, NOW, EmissionConfig(
        backoff_window=timedelta(minutes=70), backoff_risk_reduction_pct=75)).risk_multiplier == 0.25


def test_reasons_come_in_the_documented_order() -> None:
    acc = open_position(fresh().account, position(lots=5, entry=60_000, mark=59_000, opened_at=NOW), NOW)
    state = emitted(set_kill_switch(with_account(fresh(), acc), True), 10, Tier.HIGH, NOW - timedelta(minutes=5))
    decision = evaluate_emission(candidate(Tier.HIGH, size=7.0), state, NOW, CONFIG)
    assert [r.rule for r in decision.reasons] == [
        Rule.KILL_SWITCH, Rule.INTERNAL_DAILY_LOSS, Rule.RATE_LIMIT, Rule.RATE_LIMIT_TIER, Rule.MAX_LOTS,
        Rule.INTERNAL_TOTAL_LOSS]  # the last: 7 lots stopped out would also cross the total floor
    assert {a.kind for a in decision.alerts} == {AlertKind.KILL_SWITCH_ATTEMPT, AlertKind.LOSS_LIMIT_ATTEMPT}
    assert decision.must_close


def test_from_signal_carries_the_stop_and_tier() -> None:
    signal = Signal("s1", BTC, Direction.SHORT, 60_000, 58_000, 61_000, 0.7, Tier.HIGH, NOW, Mode.DRYRUN)
    c = EmissionCandidate.from_signal(signal, size=0.5)
    assert (c.stop, c.tier, c.size) == (61_000, Tier.HIGH, 0.5)


def lose(state: GuardState, amount: float, at, pid: str) -> GuardState:
    acc = open_position(state.account, position(entry=50_000, position_id=pid, opened_at=at), at)
    acc = close_position(acc, pid, 50_000 - amount, at + timedelta(minutes=1))
    return record_outcome(with_account(state, acc), at + timedelta(minutes=1), -amount)


def test_guardrail_losses_past_a_limit_block_every_later_attempt_with_an_alert() -> None:
    """The plan's guardrail: synthetic losses push the account over the internal daily limit;
    from then on every attempt that day is blocked and raises an alert, whatever the signal."""
    state = fresh()
    start = utc(2025, 6, 10, 7)
    for i, amount in enumerate([1_500, 1_500, 1_600]):  # 4.6 % of 100k: past the 4.5 % buffer
        state = lose(state, amount, start + timedelta(minutes=10 * i), f"loss{i}")
    assert state.account.balance == 95_400
    attempts = [
        (start + timedelta(minutes=45 + 20 * k), candidate(tier, pair, size))
        for k, (tier, pair, size) in enumerate(
            [(Tier.HIGH, BTC, None), (Tier.LOW, ETH, 0.01), (Tier.MEDIUM, BNB, None), (Tier.HIGH, BTC, 0.01)] * 10)
    ]
    for at, attempt in attempts:
        decision = evaluate_emission(attempt, state, at, CONFIG)
        assert not decision.allowed
        assert decision.size == 0
        assert Rule.INTERNAL_DAILY_LOSS in [r.rule for r in decision.reasons]
        assert [a.kind for a in decision.alerts] == [AlertKind.LOSS_LIMIT_ATTEMPT]
        assert decision.must_close
    # A new Prague day starts from the lower balance: the daily buffer is fresh, the total one still holds.
    tomorrow = evaluate_emission(candidate(), state, utc(2025, 6, 10, 22, 0), CONFIG)
    assert tomorrow.allowed and tomorrow.alerts == ()
    assert tomorrow.risk.floors.internal_daily == 95_400 - 4_500


def test_guardrail_past_the_total_limit_blocks_on_every_later_day() -> None:
    state = fresh()
    for day in range(10, 14):  # 2.4k a day, each day within the daily buffer
        state = lose(state, 2_400, utc(2025, 6, day, 8), f"d{day}")
    assert state.account.balance == 90_400  # below the 91k internal total floor, above FTMO's 90k
    for day in range(14, 30):
        decision = evaluate_emission(candidate(Tier.LOW, size=0.01), state, utc(2025, 6, day, 12), CONFIG)
        assert not decision.allowed
        assert Rule.INTERNAL_TOTAL_LOSS in [r.rule for r in decision.reasons]
        assert Rule.FTMO_MAX_LOSS not in [r.rule for r in decision.reasons]
        assert [a.kind for a in decision.alerts] == [AlertKind.LOSS_LIMIT_ATTEMPT]


def test_config_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        EmissionConfig(backoff_risk_reduction_pct=120)
    with pytest.raises(ValueError):
        EmissionConfig(max_signals_per_hour=-1)
    with pytest.raises(ValueError):
        EmissionConfig(backoff_losses=0)
