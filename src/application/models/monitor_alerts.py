"""Fired retraining triggers as the trader reads them, sent through the runtime's notifier.

The message holds the model's name, the trigger, its figures in words and the time: nothing else
(never a URL, a path or a credential)."""

from __future__ import annotations

from application.models.monitor import MonitorReport
from application.runtime.ports import Notifier
from domain.models.triggers import TriggerResult


def format_trigger_alert(model: str, result: TriggerResult, report: MonitorReport) -> str:
    return (f"🔁 RETRAIN TRIGGER · {result.name.value}\n{result.summary}\n"
            f"model {model} · {report.now:%Y-%m-%d %H:%M} UTC")


def alert_fired(report: MonitorReport, notifier: Notifier) -> int:
    """Send one message per fired trigger; return how many were sent. A notifier failure propagates
    to the caller, which logs it (the report itself is complete either way)."""
    for result in report.fired:
        notifier.send(format_trigger_alert(report.model, result, report))
    return len(report.fired)
