"""Use case: the runtime controls a trader changes while the runtime runs.

A change is stored (value, who, when, why) and the runtime reads the latest values before every
scan, so the kill switch stops emissions from the next scan on and a restart changes nothing.
``KILL_SWITCH=true`` in the settings holds the switch on whatever the stored value says: the
switch of last resort must not be undone by a chat message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import attrs

from application.runtime.ports import ControlChange, ControlRepository
from application.runtime.scan_outcome import Controls
from domain.signals.signal import TierThresholds

_ON = {"on", "true", "1", "yes"}
_OFF = {"off", "false", "0", "no"}


def _switch(text: str) -> bool:
    word = text.strip().lower()
    if word not in _ON | _OFF:
        raise ValueError(f"expected on or off, got {text!r}")
    return word in _ON


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(f"must be >= 0, got {value}")
    return value


_PARSERS: dict[str, Callable[[str], object]] = {
    "kill_switch": _switch,
    "tier_high": float,
    "tier_medium": float,
    "tier_low": float,
    "max_signals_per_hour": _count,
    "max_signals_per_hour_high": _count,
}
CONTROL_KEYS = tuple(_PARSERS)


class ControlError(ValueError):
    """A control change the runtime could not apply; nothing was stored."""


def _apply(controls: Controls, key: str, text: str) -> Controls:
    try:
        value = _PARSERS[key](text)
    except KeyError:
        raise ControlError(f"unknown control {key!r}; known: {', '.join(CONTROL_KEYS)}") from None
    except ValueError as exc:
        raise ControlError(f"{key}: {exc}") from None
    if key.startswith("tier_"):
        levels = {**attrs.asdict(controls.thresholds), key.removeprefix("tier_"): value}
        try:
            return attrs.evolve(controls, thresholds=TierThresholds(**levels))
        except ValueError as exc:
            raise ControlError(f"{key}: {exc}") from None
    if key == "kill_switch":
        return attrs.evolve(controls, kill_switch=bool(value), kill_switch_reason="")
    if key == "max_signals_per_hour":
        return attrs.evolve(controls, max_signals_per_hour=int(str(value)))
    return attrs.evolve(controls, max_signals_per_hour_high=int(str(value)))


def preview_control(current: Controls, key: str, value: str) -> Controls:
    """The controls ``set_control`` would give, checked the same way, with nothing stored: what a
    confirmation shows before the change is made (ControlError when it cannot be applied)."""
    return _apply(current, key, value)


def current_controls(defaults: Controls, repo: ControlRepository, forced_kill_switch: bool = False) -> Controls:
    """The settings' values overridden by the latest stored change of each control."""
    controls = defaults
    for key in CONTROL_KEYS:
        change = repo.latest(key)
        if change is not None:
            controls = _apply(controls, key, change.value)
            if key == "kill_switch" and controls.kill_switch:
                controls = attrs.evolve(controls, kill_switch_reason=_why(change))
    if forced_kill_switch:
        controls = attrs.evolve(controls, kill_switch=True, kill_switch_reason="KILL_SWITCH is set in the settings")
    return controls


def _why(change: ControlChange) -> str:
    reason = f": {change.reason}" if change.reason else ""
    return f"set by {change.changed_by} at {change.changed_at:%Y-%m-%d %H:%M} UTC{reason}"


def set_control(repo: ControlRepository, current: Controls, key: str, value: str, *, changed_by: str,
                now: datetime, reason: str = "") -> Controls:
    """Validate against the controls in force, store the change, return the controls after it."""
    after = _apply(current, key, value)
    repo.record(ControlChange(key, value.strip().lower() if key == "kill_switch" else value.strip(), changed_by,
                              now, reason))
    return after


def controls_reader(defaults: Controls, repo: ControlRepository, forced_kill_switch: bool,
                    on_error: Callable[[str], None] = lambda _: None) -> Callable[[], Controls]:
    """Reads the controls before each scan. While the store cannot be read, or holds a value that
    no longer fits the settings, it keeps the last controls it read and reports why: nothing can
    be recorded while the store is down, so nothing is emitted on stale controls either."""
    last = [attrs.evolve(defaults, kill_switch=defaults.kill_switch or forced_kill_switch)]

    def read() -> Controls:
        try:
            last[0] = current_controls(defaults, repo, forced_kill_switch)
        except Exception as exc:
            on_error(f"{type(exc).__name__}: {exc}")
        return last[0]

    return read
