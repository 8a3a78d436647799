"""What the runtime's log says about each scan: levels by what a person must do, alerts at most
once per kind, pair and hour, routine denials rolled up per market hour."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.brokers.paper import PaperBroker
from adapters.replay import ArrayCandleSource
from application.runtime.scan_market import ScanConfig, ScanMarket
from application.runtime.scan_outcome import Controls, ScanOutcome, Status
from domain.market.candles import Direction, Pair
from domain.risk.emission import Alert, AlertKind
from domain.signals.confidence import HysteresisSettings
from domain.signals.signal import Mode
from entrypoints.runtime_log import ScanLog, denial_level
from tests.fakes.broker import RecordingBroker
from tests.fakes.ports import FixedPredictor, RecordingNotifier
from tests.fakes.risk_book import InMemoryRiskBook
from tests.fakes.series import random_walk
from tests.unit.application.test_scan_market import make_scan

BTC, ETH = Pair("BTCUSDT"), Pair("ETHUSDT")
START = datetime(2024, 3, 1, tzinfo=UTC)


class RecordingLog:
    """Records (level, event, fields) as structlog's bound logger would be called."""

    def __init__(self) -> None:
        self.records: list[tuple[str, str, dict[str, Any]]] = []

    def __getattr__(self, level: str) -> Any:
        return lambda event, **fields: self.records.append((level, event, fields))

    def events(self, event: str) -> list[tuple[str, dict[str, Any]]]:
        return [(level, fields) for level, name, fields in self.records if name == event]


def replay(controls: Controls, hours: int, notifier: RecordingNotifier) -> tuple[RecordingLog, ScanLog]:
    """Scan BTC and ETH every 2 minutes for ``hours`` from 01:00, logging every report."""
    source = ArrayCandleSource({p: random_walk(START, 60 * (hours + 2), seed=3 + i) for i, p in enumerate((BTC, ETH))})
    scan = ScanMarket(source=source, predictor=FixedPredictor(Direction.LONG, 0.75), book=InMemoryRiskBook(),
                      notifier=notifier, broker=PaperBroker(), timer=time.perf_counter,
                      config=ScanConfig(pairs=(BTC, ETH), mode=Mode.DRYRUN, hysteresis=HysteresisSettings(1)),
                      controls=lambda: controls)
    log = RecordingLog()
    scan_log = ScanLog(log)
    for step in range(hours * 30):
        scan_log(scan.scan(START + timedelta(hours=1, minutes=2 * step)))
    scan_log.close()
    return log, scan_log


def test_with_the_kill_switch_on_an_alert_is_logged_once_per_kind_pair_and_hour() -> None:
    notifier = RecordingNotifier()
    log, scan_log = replay(Controls(kill_switch=True, kill_switch_reason="CPI"), hours=3, notifier=notifier)
    alerts = log.events("alert")
    per_hour = Counter((f["kind"], f["pair"], datetime.fromisoformat(f["at"]).hour) for _, f in alerts)
    assert set(per_hour.values()) == {1} and len(per_hour) == 6  # 2 pairs x 3 hours
    # the log and the notifier agree on which alerts went out
    assert len(alerts) == sum("KILL SWITCH" in m for m in notifier.messages)
    denials = log.events("signal_denied")
    assert len(denials) == 180 and Counter(level for level, _ in denials) == {"warning": 6, "debug": 174}
    assert scan_log.alerts_suppressed == {"kill_switch_attempt": 174}
    rollups = [f for _, f in log.events("hourly_rollup")]
    assert [r["hour"] for r in rollups] == [(START + timedelta(hours=h)).isoformat() for h in (1, 2, 3)]
    assert all(r["denials"] == {"kill_switch": 60} and r["denied_pairs"] == {"BTCUSDT": 30, "ETHUSDT": 30}
               for r in rollups)
    assert sum(r["alerts_suppressed"]["kill_switch_attempt"] for r in rollups) == 174
    assert all(level == "info" for level, _ in log.events("hourly_rollup"))


def test_routine_denials_are_debug_and_counted_in_the_hourly_roll_up() -> None:
    # one signal per hour allowed: every other candidate meets the rate limit or the open trade
    log, _ = replay(Controls(max_signals_per_hour=1, max_signals_per_hour_high=1), hours=2,
                    notifier=RecordingNotifier())
    denials = log.events("signal_denied")
    assert denials and {level for level, _ in denials} == {"debug"}
    assert not [r for r in log.records if r[0] in ("warning", "error")]
    rollups = [f for _, f in log.events("hourly_rollup")]
    assert sum(r["denied"] for r in rollups) == len(denials)
    assert sum(sum(r["denied_pairs"].values()) for r in rollups) == len(denials)
    assert all(set(r["denials"]) <= {"rate_limit", "rate_limit_tier", "sizing"} for r in rollups)


def outcome(*rules: str, alerts: tuple[Alert, ...] = ()) -> ScanOutcome:
    return ScanOutcome(BTC, Status.DENIED, START, rules=rules, alerts=alerts)


@pytest.mark.parametrize("rules", [("sizing",), ("rate_limit",), ("rate_limit_tier",), ("lot_step",), ("max_lots",),
                                   ("instrument",)])
def test_a_routine_denial_is_never_a_warning(rules: tuple[str, ...]) -> None:
    assert denial_level(outcome(*rules), alerted=False) == "debug"


def test_a_denial_a_person_must_act_on_warns_once_per_alert_hour() -> None:
    alert = Alert(AlertKind.INVALID_INPUT, START, BTC, "BTCUSDT: signal withheld on invalid input: NaN close")
    assert denial_level(outcome("invalid_input", alerts=(alert,)), alerted=True) == "warning"
    assert denial_level(outcome("invalid_input", alerts=(alert,)), alerted=False) == "debug"  # a repeat: rolled up
    assert denial_level(outcome("internal_daily_loss", "sizing"), alerted=False) == "warning"  # no alert to count it
    assert denial_level(outcome("kill_switch", alerts=(alert,)), alerted=True) == "warning"


def test_broker_refusals_are_errors_naming_the_signal_and_the_reason() -> None:
    broker = RecordingBroker(PaperBroker())
    scan, _ = make_scan(broker=broker)
    now = START + timedelta(hours=2)
    log = RecordingLog()
    scan_log = ScanLog(log)
    broker.refuse_opens = "market closed"
    scan_log(scan.scan(now))
    [(level, fields)] = log.events("signal_rejected")
    assert level == "error" and fields["signal_id"] and "market closed" in fields["reasons"][0]
    broker.refuse_opens, broker.refuse_closes = None, "no connection"
    scan_log(scan.scan(now + timedelta(minutes=2)))
    scan_log(scan.scan(now + timedelta(minutes=92)))
    [(level, fields)] = log.events("trade_close_refused")
    assert level == "error" and fields["error"] == "no connection" and fields["signal_id"]
