"""The plan's two alerts (an attempt to emit while the kill switch is on, or past a loss limit),
as the trader reads them, and how often they reach the trader.

Every alert is logged and counted by the runtime; INVALID_INPUT is only that (logged, counted,
never sent). The two delivered kinds reach the trader at most once per kind and pair per hour of
market time: in memory (AlertThrottle, a sliding hour) and, through the outbox, once per kind,
pair, clock hour and chat even across a restart (the message's dedup key).

The text is rendered from the fields of the runtime's structured ``alert`` log event
(``alert_event``), so the message and the log line say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from application.runtime.outbox import Delivery, MessageKind, OutboxMessage
from domain.risk.emission import Alert, AlertKind

DELIVERED_KINDS = frozenset({AlertKind.KILL_SWITCH_ATTEMPT, AlertKind.LOSS_LIMIT_ATTEMPT})

_TITLES = {
    AlertKind.KILL_SWITCH_ATTEMPT: "⛔ KILL SWITCH",
    AlertKind.LOSS_LIMIT_ATTEMPT: "🚨 LOSS LIMIT",
    AlertKind.INVALID_INPUT: "⚠️ INVALID INPUT",
}


def alert_event(alert: Alert) -> dict[str, str]:
    """The fields of the runtime's ``alert`` log event."""
    return {"kind": alert.kind.value, "pair": alert.pair.symbol, "at": alert.at.isoformat(), "message": alert.message}


def format_alert(alert: Alert) -> str:
    event = alert_event(alert)
    at = datetime.fromisoformat(event["at"])
    return f"{_TITLES[AlertKind(event['kind'])]} · {event['pair']}\n{event['message']}\n{at:%Y-%m-%d %H:%M} UTC"


def alert_messages(alert: Alert, chats: tuple[str | None, ...]) -> tuple[OutboxMessage, ...]:
    """The alert's outbox messages, one per chat (None: the configured chat), each keyed by kind,
    pair, hour of market time and chat."""
    if alert.kind not in DELIVERED_KINDS:
        return ()
    text = format_alert(alert)
    hour = f"{alert.at:%Y-%m-%dT%H}"
    return tuple(OutboxMessage(f"alert:{alert.kind.value}:{alert.pair.symbol}:{hour}:{chat or 'configured'}",
                               MessageKind.ALERT, text, chat_id=chat) for chat in dict.fromkeys(chats))


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


class AlertDispatch:
    """Sends the delivered kinds the throttle lets through: into the outbox when there is one (the
    notifier at once when the store cannot take them: an alert must not wait for the store), else
    straight to ``notify``."""

    def __init__(self, notify: Callable[[str], object], delivery: Delivery | None) -> None:
        self._notify = notify
        self._delivery = delivery
        self._throttle = AlertThrottle()

    def __call__(self, alerts: tuple[Alert, ...]) -> None:
        for alert in alerts:
            if alert.kind not in DELIVERED_KINDS or not self._throttle.should_send(alert):
                continue
            if self._delivery is None:
                self._notify(format_alert(alert))
                continue
            try:
                for message in alert_messages(alert, self._delivery.alert_chats):
                    self._delivery.outbox.enqueue(message)  # a key already there: sent before a restart
            except Exception:
                self._notify(format_alert(alert))
