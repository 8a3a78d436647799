"""/check: is the runtime alive, and with what (the health report, the controls in force)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from application.bot.text import mode_name, tagged
from application.runtime.health import HealthReport
from application.runtime.scan_outcome import Controls
from domain.signals.signal import Mode


def check_text(mode: Mode, report: HealthReport, controls: Controls | None, controls_error: str | None) -> str:
    body = report.body
    lines = [tagged(mode, f"Check: {'healthy' if report.healthy else 'UNHEALTHY'}"),
             f"Mode: {mode_name(mode)}",
             f"Last scan: {_last_scan(body)}",
             f"Store: {'reachable' if body.get('store') == 'ok' else 'DOWN'}",
             f"Broker: {body.get('broker', '?')}",
             f"Model: {body.get('model', '?')}"]
    lines += _controls(controls, controls_error)
    lines += [f"Problem: {problem}" for problem in body.get("problems", [])]
    return "\n".join(lines)


def _last_scan(body: dict[str, Any]) -> str:
    lag = body.get("lag_seconds")
    ago = f"{lag:.0f} s ago" if isinstance(lag, int | float) else "at an unknown time"
    if body.get("last_scan") is None:
        return f"none yet (started {ago})"
    market = datetime.fromisoformat(str(body["last_scan"]))
    return f"{market:%Y-%m-%d %H:%M} UTC market time, finished {ago}"


def _controls(controls: Controls | None, error: str | None) -> list[str]:
    if controls is None:
        return [f"Controls: cannot be read ({error})"]
    switch = f"ON ({controls.kill_switch_reason})" if controls.kill_switch and controls.kill_switch_reason else (
        "ON" if controls.kill_switch else "OFF")
    t = controls.thresholds
    return [f"Kill switch: {switch}",
            f"Thresholds: HIGH {t.high:.2f} · MEDIUM {t.medium:.2f} · LOW {t.low:.2f}",
            f"Rate limits: {controls.max_signals_per_hour} signals/h, {controls.max_signals_per_hour_high} HIGH/h"]
