"""Live, before the first scan: reconcile the broker's positions with the risk book, and say what
was found: each order the runtime sent and never booked, resolved from its intent (booked from the
broker's fill, or found unfilled); each broker position the book does not hold as an error event
and an alert to the notifier (it is never adopted); each close the broker made while the runtime
was down as booked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from application.brokers.ports import BrokerGateway
from application.runtime.ports import Notifier
from application.runtime.reconcile import Reconciliation
from application.runtime.scan_market import ScanMarket
from entrypoints.runtime_log import log_recovered


def reconcile_at_start(scan: ScanMarket, gateway: BrokerGateway, notifier: Notifier, now: datetime,
                       log: Any) -> Reconciliation | None:
    """None when the broker cannot be asked: said, and the scans go on (they emit nothing while
    the broker's account cannot be read)."""
    try:
        result = scan.reconcile(gateway, now)
    except Exception as exc:
        log.error("reconcile_failed", error=f"{type(exc).__name__}: {exc}")
        return None
    log_recovered(log, result.recovered)
    for p in result.unknown:
        held = f"⚠️ {gateway.name}: position {p.ticket} {p.direction.value} {p.lots} {p.symbol} at {p.open_price}"
        if p.client_id:  # this runtime's order, whose record was lost (killed between the order and the write)
            text = (f"{held} (client id {p.client_id}) was opened by this runtime but is not in the risk book. "
                    "It is not managed: close it or keep it by hand.")
        else:
            text = f"{held} (no client id of this runtime) is not in the risk book. It is not managed: close it " \
                   "or keep it by hand."
        log.error("broker_position_unknown", ticket=p.ticket, symbol=p.symbol, lots=p.lots,
                  client_id=p.client_id, message=text)
        try:
            notifier.send(text)
        except Exception as exc:  # the log event stands; a lost alert must not stop the runtime
            log.error("alert_not_sent", error=f"{type(exc).__name__}: {exc}")
    for trade in result.closed:
        log.info("reconciled_close", signal_id=trade.outcome.signal_id, exit_price=trade.outcome.exit_price,
                 exit_time=trade.outcome.exit_time.isoformat(), reason=trade.close.exit.reason.value,
                 error=trade.error)
    for refused in result.refused:
        log.error("reconcile_refused", signal_id=refused.position.position_id, reason=refused.reason)
    return result
