"""What the runtime says about each scan: one structured event per signal, denial, alert, closed
trade and store problem, and the summary a run ends with."""

from __future__ import annotations

from typing import Any

from application.runtime import RunSummary
from application.scan_market import ScanOutcome, ScanReport, Status
from entrypoints.settings import Settings, mask_url


def log_report(log: Any, report: ScanReport) -> None:
    for trade in report.closed:
        close = trade.close
        fields = {"pair": close.position.pair.symbol, "signal_id": close.position.position_id,
                  "reason": close.exit.reason.value, "exit": round(close.fill, 6), "pnl": round(close.pnl, 2),
                  "r": round(close.r_multiple, 3), "result": trade.outcome.result.value,
                  "spread_bps": trade.outcome.spread_bps, "slip_bps": trade.outcome.slippage_bps}
        if trade.error:
            log.error("trade_close_not_recorded", error=trade.error, **fields)
        else:
            log.info("trade_closed", **fields)
    for outcome in report.pairs:
        _log_outcome(log, outcome)
    if report.account.crossed:
        log.error("floor_crossed", equity=round(report.account.account.equity, 2),
                  reasons=[str(r) for r in report.account.crossed], breached=report.account.breached)
    if report.store_error:
        log.error("state_not_saved", error=report.store_error)


def _log_outcome(log: Any, outcome: ScanOutcome) -> None:
    fields: dict[str, Any] = {"pair": outcome.pair.symbol, "at": outcome.at.isoformat(),
                              "lat_ms": round(outcome.latency_ms, 3)}
    if outcome.signal is not None:
        s = outcome.signal
        fields.update(tier=s.tier.value, conf=round(s.confidence, 4), direction=s.direction.value,
                      entry=s.entry, tp=round(s.take_profit, 6), sl=round(s.stop_loss, 6), rr=round(s.rr, 3),
                      size=s.size, signal_id=s.signal_id)
    if outcome.reasons:
        fields["reasons"] = list(outcome.reasons)
    for alert in outcome.alerts:
        log.error("alert", kind=alert.kind.value, pair=alert.pair.symbol, message=alert.message)
    if outcome.status is Status.STORE_FAILED:
        log.error("signal_not_recorded", **fields)
    elif outcome.status is Status.DENIED:
        log.warning("signal_denied", rules=list(outcome.rules), **fields)
    elif outcome.status is Status.EMITTED:
        log.info("signal_emitted", **fields)
        if outcome.notify_error:
            log.error("notify_failed", error=outcome.notify_error, **{k: fields[k] for k in ("pair", "signal_id")})
    else:
        log.debug("scan_" + outcome.status.value, **fields)


def summary_dict(summary: RunSummary, settings: Settings) -> dict[str, Any]:
    out: dict[str, Any] = {
        "scans": summary.scans,
        "failed_scans": summary.failed_scans,
        "emitted": summary.emitted,
        "counts": dict(sorted(summary.counts.items())),
        "denials": dict(sorted(summary.denials.items())),
        "alerts": dict(sorted(summary.alerts.items())),
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
