"""/stats and /ftmo_status: the figures, their intervals and floors, one mode at a time."""

from __future__ import annotations

from datetime import timedelta

import attrs

from domain.evaluation.figures import wilson_interval
from domain.market.candles import Direction, Pair
from domain.risk import Account
from domain.risk.emission import GuardState
from domain.signals.signal import Mode, Signal, Tier
from domain.stats.outcomes import Result, TradeOutcome
from tests.unit.bot.world import T0, World, world


def trade(w: World, n: int, mode: Mode, won: bool, tier: Tier = Tier.HIGH, model: str = "m1") -> None:
    at = T0 - timedelta(days=1, minutes=n)
    signal = Signal(signal_id=f"BTCUSDT-{mode.value}-{n}", pair=Pair("BTCUSDT"), direction=Direction.LONG, entry=100.0,
                    take_profit=103.0, stop_loss=98.0, confidence=0.71, tier=tier, created_at=at, mode=mode,
                    model_version=model, size=0.5)
    w.signals.add(signal)
    w.performance.record_outcome(TradeOutcome(signal.signal_id, Result.WIN if won else Result.LOSS,
                                              at + timedelta(minutes=30), 103.0 if won else 98.0,
                                              1.5 if won else -1.0))


def test_stats_show_the_mode_in_force_only_with_wilson_intervals() -> None:
    w = world()
    for n in range(12):
        trade(w, n, Mode.DRYRUN, won=n < 5, tier=Tier.HIGH if n < 8 else Tier.LOW)
    for n in range(3):
        trade(w, 100 + n, Mode.LIVE, won=True, model="m2")
    text = w.say("/stats").reply.text
    low, high = wilson_interval(5, 12)
    assert text.startswith("[DRY-RUN] Stats: last 7 days, DRY-RUN only")
    assert f"All: 12 trades · won 5: 41.7% (95% CI {low:.1%}-{high:.1%}) · avg +0.04R · few trades" in text
    assert "  HIGH: 8 trades · won 5: 62.5%" in text and "  LOW: 4 trades · won 0: 0.0%" in text
    assert "  MEDIUM: no closed trades" in text
    assert "  m1: 12 trades" in text and "m2" not in text  # the live trades are not mixed in
    live = w.say("/stats 30 live").reply.text
    assert live.startswith("Stats: last 30 days, LIVE only")  # live money: no tag
    assert "All: 3 trades · won 3: 100.0%" in live
    assert "m1" not in live


def test_stats_windows_end_at_the_last_scan_and_bad_arguments_are_named() -> None:
    w = world()
    trade(w, 1, Mode.DRYRUN, won=True)
    w.book.state = GuardState(Account.start(100_000.0, T0), as_of=T0 - timedelta(days=30))  # a replay long ago
    text = w.say("/stats").reply.text
    assert "up to 2026-11-05 09:00 UTC" in text and "All: no closed trades" in text
    assert w.say("/stats 14").reply.text.startswith("/stats does not take '14'. Usage: /stats [7|30]")


def test_ftmo_status_before_the_first_scan() -> None:
    assert "No account state is saved yet" in world().say("/ftmo_status").reply.text


def test_ftmo_status_shows_floors_with_headroom_trading_days_and_target() -> None:
    w = world()
    w.book.state = GuardState(Account.start(100_000.0, T0 - timedelta(hours=2)), as_of=T0)
    lines = w.say("/ftmo_status").reply.text.splitlines()
    assert lines[:5] == ["[DRY-RUN] FTMO status: 2-step, account replay",
                         "Prague day 2026-12-05 (as of 2026-12-05 09:00 UTC)",
                         "Balance 100,000.00 · Equity 100,000.00 · 0 open", "Day-start balance 100,000.00",
                         "Floors today, headroom from equity:"]
    assert lines[5:9] == ["  FTMO daily: 95,000.00 (5,000.00)", "  FTMO max loss: 90,000.00 (10,000.00)",
                          "  internal daily: 95,500.00 (4,500.00)", "  internal total: 91,000.00 (9,000.00)"]
    assert lines[9:] == ["Trading days: 0 of 4 minimum", "Target 110,000.00 (+10%): 0.0% of the way, 10,000.00 to go"]


def test_ftmo_status_names_a_crossed_floor() -> None:
    w = world(mode=Mode.LIVE)
    account = attrs.evolve(Account.start(100_000.0, T0 - timedelta(hours=2)), balance=95_200.0)
    w.book.state = GuardState(account, as_of=T0)
    text = w.say("/ftmo_status").reply.text
    assert text.startswith("FTMO status")  # live: no tag
    assert "  internal daily: 95,500.00 (-300.00)" in text and "CROSSED: equity 95,200.00 is at or below" in text
    assert "-48.0% of the way" in text
