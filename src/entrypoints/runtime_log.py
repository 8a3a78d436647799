"""What the runtime says about each scan: one structured event per signal, denial, alert, closed
trade and store problem, an hourly roll-up, and the summary a run ends with.

Levels follow what a person must do about an event. Warnings and errors: alerts, denials a person
acts on (kill switch, loss floors, invalid inputs), store, notify and broker failures. Routine denials (no
size fits, rate limits, lot steps, ...) are debug, counted in the hourly roll-up at info. An alert
is logged at most once per kind, pair and hour of market time, like the message the notifier gets;
the repeats are counted in the roll-up and the summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from application.runtime.alerts import AlertThrottle, alert_event
from application.runtime.loop import RunSummary
from application.runtime.paper_book import ClosedTrade
from application.runtime.recover_orders import Recovered, RecoveryKind
from application.runtime.scan_market import ScanReport
from application.runtime.scan_outcome import ScanOutcome, Status
from domain.risk.decisions import Rule
from domain.risk.emission import Alert
from entrypoints.runtime_rollup import HourRollup, count
from entrypoints.settings import Settings, mask_url

ACT_ON_RULES = frozenset({Rule.KILL_SWITCH, Rule.FTMO_DAILY_LOSS, Rule.FTMO_MAX_LOSS, Rule.INTERNAL_DAILY_LOSS,
                          Rule.INTERNAL_TOTAL_LOSS, Rule.INVALID_INPUT})


def log_recovered(log: Any, recovered: Sequence[Recovered]) -> None:
    """The orders resolved from their intents: booked late (a warning: a person learns of a trade
    after the fact), found unfilled or already booked, or still unresolved (an error)."""
    for found in recovered:
        fields = {"signal_id": found.signal.signal_id, "pair": found.signal.pair.symbol, "detail": found.detail}
        if found.kind is RecoveryKind.BOOKED and found.fill is not None:
            log.warning("order_recovered", price=found.fill.price, lots=found.fill.lots,
                        filled_at=found.fill.at.isoformat(), **fields)
        elif found.kind is RecoveryKind.UNRESOLVED:
            log.error("order_unresolved", **fields)
        else:
            log.info("order_intent_cleared", outcome=found.kind.value, **fields)


class ScanLog:
    """Logs each ScanReport; ``close`` writes the roll-up of the last hour."""

    def __init__(self, log: Any) -> None:
        self._log = log
        self._throttle = AlertThrottle()
        self._rollup = HourRollup(log)
        self.alerts_suppressed: dict[str, int] = {}

    def __call__(self, report: ScanReport) -> None:
        self._rollup.begin(report.at)
        if report.pattern_note:
            self._log.info("pattern_history", note=report.pattern_note)
        log_recovered(self._log, report.recovered)
        for trade in report.closed:
            _log_trade(self._log, trade)
        for refused in report.refused_closes:
            self._log.error("trade_close_refused", pair=refused.position.pair.symbol,
                            signal_id=refused.position.position_id, reason=refused.exit.reason.value,
                            level=round(refused.exit.level, 6), error=refused.reason)
        for outcome in report.pairs:
            self._outcome(outcome)
        if report.account.crossed:
            self._log.error("floor_crossed", equity=round(report.account.account.equity, 2),
                            reasons=[str(r) for r in report.account.crossed], breached=report.account.breached)
        if report.store_error:
            self._log.error("state_not_saved", error=report.store_error)
        self._rollup.add(report)

    def close(self) -> None:
        self._rollup.flush()

    def _outcome(self, outcome: ScanOutcome) -> None:
        alerted = self._alerts(outcome.alerts)
        fields = _fields(outcome)
        if outcome.pattern_error:  # the scan went on with the model's own confidence
            self._log.error("pattern_unreadable", pair=outcome.pair.symbol, at=outcome.at.isoformat(),
                            error=outcome.pattern_error)
        if outcome.status is Status.STORE_FAILED:
            self._log.error("signal_not_recorded", **fields)
        elif outcome.status is Status.REJECTED:  # the guard allowed it, the broker did not fill it
            self._log.error("signal_rejected", **fields)
        elif outcome.status is Status.DENIED:
            level = denial_level(outcome, alerted)
            getattr(self._log, level)("signal_denied", rules=list(outcome.rules), **fields)
        elif outcome.status is Status.EMITTED:
            self._log.info("signal_emitted", **fields)
            if outcome.notify_error:
                self._log.error("notify_failed", error=outcome.notify_error,
                                **{k: fields[k] for k in ("pair", "signal_id")})
        else:
            self._log.debug("scan_" + outcome.status.value, **fields)

    def _alerts(self, alerts: tuple[Alert, ...]) -> bool:
        """Log the alerts the hourly throttle lets through, count the others; True if one was logged."""
        logged = False
        for alert in alerts:
            if self._throttle.should_send(alert):
                # the fields the trader's message is rendered from (application.runtime.alerts)
                self._log.error("alert", **alert_event(alert))
                logged = True
            else:
                count(self.alerts_suppressed, alert.kind.value)
                self._rollup.suppressed(alert)
        return logged


def denial_level(outcome: ScanOutcome, alerted: bool) -> str:
    """warning for a denial a person must act on, the first of its kind, pair and hour (``alerted``);
    debug for routine denials and for the repeats, which the hourly roll-up counts."""
    must_act = bool(outcome.alerts) or not ACT_ON_RULES.isdisjoint(outcome.rules)
    if must_act and (alerted or not outcome.alerts):
        return "warning"
    return "debug"


def _log_trade(log: Any, trade: ClosedTrade) -> None:
    close = trade.close
    fields = {"pair": close.position.pair.symbol, "signal_id": close.position.position_id,
              "reason": close.exit.reason.value, "exit": round(close.fill, 6), "pnl": round(close.pnl, 2),
              "r": round(close.r_multiple, 3), "result": trade.outcome.result.value,
              "spread_bps": trade.outcome.spread_bps, "slip_bps": trade.outcome.slippage_bps}
    if trade.error:
        log.error("trade_close_not_recorded", error=trade.error, **fields)
    else:
        log.info("trade_closed", **fields)
    if trade.pattern_error:
        log.error("pattern_outcome_not_counted", error=trade.pattern_error, **fields)


def _fields(outcome: ScanOutcome) -> dict[str, Any]:
    fields: dict[str, Any] = {"pair": outcome.pair.symbol, "at": outcome.at.isoformat(),
                              "lat_ms": round(outcome.latency_ms, 3)}
    if outcome.signal is not None:
        s = outcome.signal
        fields.update(tier=s.tier.value, conf=round(s.confidence, 4), direction=s.direction.value,
                      entry=s.entry, tp=round(s.take_profit, 6), sl=round(s.stop_loss, 6), rr=round(s.rr, 3),
                      size=s.size, signal_id=s.signal_id)
        if s.pattern is not None:
            fields["pattern"] = s.pattern.name
        if outcome.prediction is not None and outcome.prediction.probability != s.confidence:
            fields["model_conf"] = round(outcome.prediction.probability, 4)  # before the pattern moved it
    if outcome.reasons:
        fields["reasons"] = list(outcome.reasons)
    return fields


def summary_dict(summary: RunSummary, settings: Settings,
                 alerts_suppressed: dict[str, int] | None = None) -> dict[str, Any]:
    """``alerts_suppressed``: alerts by kind neither logged nor sent, repeats within the hour."""
    out: dict[str, Any] = {
        "scans": summary.scans,
        "failed_scans": summary.failed_scans,
        "emitted": summary.emitted,
        "counts": dict(sorted(summary.counts.items())),
        "denials": dict(sorted(summary.denials.items())),
        "alerts": dict(sorted(summary.alerts.items())),
        "alerts_suppressed": dict(sorted((alerts_suppressed or {}).items())),
        "closed": dict(sorted(summary.closed.items())),
        "first_scan": summary.first_scan.isoformat() if summary.first_scan else None,
        "last_scan": summary.last_scan.isoformat() if summary.last_scan else None,
        "stopped_early": summary.stopped_early,
        "mode": settings.mode,
        "store": mask_url(settings.store.url),
    }
    report = summary.last_report
    if report is not None:
        account, floors = report.account.account, report.account.floors
        out["account"] = {
            "balance": round(account.balance, 2), "equity": round(account.equity, 2),
            "day_start_balance": round(account.day_start_balance, 2), "open_positions": len(account.positions),
            "daily_floor": round(floors.daily, 2), "total_floor": round(floors.total, 2),
            "internal_daily_floor": round(floors.internal_daily, 2),
            "internal_total_floor": round(floors.internal_total, 2),
        }
    return out
