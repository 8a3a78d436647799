"""The plan's two alerts (an attempt to emit while the kill switch is on, or past a loss limit),
as the trader reads them, and how often they reach the notifier.

Every alert is logged and counted by the runtime; the notifier gets the first one of a kind and
pair per hour of market time, so a trader's phone is not hit every scan for the same cause.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.risk.emission import Alert, AlertKind

_TITLES = {
    AlertKind.KILL_SWITCH_ATTEMPT: "⛔ KILL SWITCH",
    AlertKind.LOSS_LIMIT_ATTEMPT: "🚨 LOSS LIMIT",
    AlertKind.INVALID_INPUT: "⚠️ INVALID INPUT",
}


def format_alert(alert: Alert) -> str:
    return f"{_TITLES[alert.kind]} · {alert.pair.symbol}\n{alert.message}\n{alert.at:%Y-%m-%d %H:%M} UTC"


class AlertThrottle:
    def __init__(self, every: timedelta = timedelta(hours=1)) -> None:
        self._every = every
        self._last: dict[tuple[AlertKind, str], datetime] = {}

    def should_send(self, alert: Alert) -> bool:
        key = (alert.kind, alert.pair.symbol)
        last = self._last.get(key)
        if last is not None and alert.at - last < self._every:
            return False
        self._last[key] = alert.at
        return True
