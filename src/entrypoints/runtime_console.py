"""What a person at a terminal sees of the runtime: the signals, one progress line rewritten in
place, warnings, and a readable summary at the end.

On a terminal the JSON events would bury the signals (a replayed day logs a hundred lines at
info), so with LOG_FORMAT=auto the terminal shows warnings and errors only; LOG_FORMAT=json or
console shows every event at LOG_LEVEL. When stderr is not a terminal nothing here draws: the
hourly roll-up in the log is the progress."""

from __future__ import annotations

import io
import logging
import shutil
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TextIO, cast

from application.runtime.scan_market import ScanReport
from application.runtime.scan_outcome import Status
from entrypoints.runtime_delivery import describe_delivery

REDRAW_EVERY_S = 0.1
_CLEAR = "\r\x1b[K"  # back to the start of the line, erase it


class ProgressLine:
    """Market time reached, share of the window, scans, emitted and denied, on one line of ``stream``."""

    def __init__(self, stream: TextIO, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._start: datetime | None = None
        self._until: datetime | None = None
        self._monotonic = monotonic
        self._drawn_at: float | None = None
        self._shown = False
        self.scans = self.emitted = self.denied = 0

    def window(self, start: datetime, until: datetime | None) -> None:
        """The market time the run covers (known once the candles are loaded); None: live, no end."""
        self._start, self._until = start, until

    def add(self, report: ScanReport) -> None:
        self.scans += 1
        statuses = [outcome.status for outcome in report.pairs]
        self.emitted += statuses.count(Status.EMITTED)
        self.denied += statuses.count(Status.DENIED)
        now = self._monotonic()
        # a line just cleared for a message is drawn again at once; otherwise ten frames a second
        if self._shown and self._drawn_at is not None and now - self._drawn_at < REDRAW_EVERY_S:
            return
        self._drawn_at = now
        width = max(shutil.get_terminal_size().columns - 1, 20)
        self._stream.write(_CLEAR + self.text(report.at)[:width])
        self._stream.flush()
        self._shown = True

    def text(self, at: datetime) -> str:
        counts = f"{self.scans:,} scans · {self.emitted:,} emitted · {self.denied:,} denied"
        start = self._start or at
        if self._until is None:
            return f"{at:%Y-%m-%d %H:%M} UTC (live since {start:%Y-%m-%d %H:%M}) · {counts}"
        span = (self._until - start).total_seconds()
        done = 1.0 if span <= 0 else min(max((at - start).total_seconds() / span, 0.0), 1.0)
        return f"{at:%Y-%m-%d %H:%M} UTC ({done:.0%} to {self._until:%m-%d %H:%M}) · {counts}"

    def clear(self) -> None:
        if self._shown:
            self._stream.write(_CLEAR)
            self._stream.flush()
            self._shown = False


class _ClearingStream(io.TextIOBase):
    """Writes to ``stream`` after clearing the progress line, so no message lands in the middle of it."""

    def __init__(self, stream: TextIO, progress: ProgressLine) -> None:
        self._stream, self._progress = stream, progress

    def write(self, text: str) -> int:
        self._progress.clear()
        return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()


class Terminal:
    """The streams the runtime writes to; a progress line when stderr is a terminal."""

    def __init__(self, stdout: TextIO, stderr: TextIO) -> None:
        self.progress = ProgressLine(stderr) if stderr.isatty() else None
        self.stdout = _clearing(stdout, self.progress)
        self.stderr = _clearing(stderr, self.progress)

    def log_level(self, level: str, fmt: str) -> str:
        """LOG_FORMAT=auto at a terminal shows what a person must act on: warnings and errors."""
        if self.progress is not None and fmt == "auto" and logging.getLevelName(level.upper()) < logging.WARNING:
            return "WARNING"
        return level

    def add(self, report: ScanReport) -> None:
        if self.progress is not None:
            self.progress.add(report)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress.clear()


def _clearing(stream: TextIO, progress: ProgressLine | None) -> TextIO:
    return stream if progress is None else cast(TextIO, _ClearingStream(stream, progress))


def describe_summary(summary: dict[str, Any]) -> str:
    """The --json summary in words, for the end of a run without --json."""
    counts: dict[str, int] = dict(summary["counts"])
    lines = [_headline(summary, counts)]
    closed = summary["closed"]
    if closed:
        lines.append(f"  paper trades closed: {closed.get('win', 0)} won, {closed.get('loss', 0)} lost"
                     + "".join(f", {n} {k}" for k, n in closed.items() if k not in ("win", "loss")))
    denied = counts.pop("denied", 0)
    lines.append(f"  denied: {denied:,}" + (f" ({_listed(summary['denials'])})" if denied else ""))
    lines.append(f"  alerts: {_alerts(summary)}")
    if "outbox" in summary:
        lines.append(f"  delivery: {describe_delivery(summary['outbox'])}")
    if "account" in summary:
        lines.append(_account(summary["account"]))
    for key in ("emitted", "duplicate"):
        counts.pop(key, None)
    if counts:
        lines.append(f"  other outcomes per pair-scan: {_listed(counts)}")
    lines.append(f"  risk book: {summary['store']}")
    return "\n".join(lines)


def _headline(summary: dict[str, Any], counts: dict[str, int]) -> str:
    span = (f" from {_minute(summary['first_scan'])} to {_minute(summary['last_scan'])} UTC"
            if summary["first_scan"] else "")
    line = (f"{summary['scans']:,} scans{span} ({summary['mode']}): {summary['emitted']:,} signals recorded and "
            "announced")
    if counts.get("duplicate"):
        line += f", {counts['duplicate']:,} already in the risk book from an earlier run"
    if summary["failed_scans"]:
        line += f"; {summary['failed_scans']:,} scans failed (see the log)"
    return line + ("; stopped early on request" if summary["stopped_early"] else "")


def _alerts(summary: dict[str, Any]) -> str:
    if not summary["alerts"]:
        return "none"
    suppressed = summary.get("alerts_suppressed", {})
    return ", ".join(f"{kind} {n:,}" + (f" ({n - suppressed[kind]:,} logged and sent, {suppressed[kind]:,} repeats "
                                        "within the hour only counted)" if suppressed.get(kind) else "")
                     for kind, n in summary["alerts"].items())


def _account(account: dict[str, Any]) -> str:
    return (f"  account: balance {account['balance']:,.2f}, equity {account['equity']:,.2f}, "
            f"{account['open_positions']} open; floors: FTMO daily {account['daily_floor']:,.2f}, "
            f"FTMO max loss {account['total_floor']:,.2f}, internal daily {account['internal_daily_floor']:,.2f}, "
            f"internal total {account['internal_total_floor']:,.2f}")


def _listed(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _minute(iso: str) -> str:
    return f"{datetime.fromisoformat(iso):%Y-%m-%d %H:%M}"
