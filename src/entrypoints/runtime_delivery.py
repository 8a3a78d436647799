"""The runtime's delivery: the outbox the scan writes into, and the worker that drains it.

With Telegram the drainer runs on its own thread, woken after each scan and every second, so a
slow or failing Telegram never holds a scan up and a 429's ``retry_after`` is honoured to the
second. With the console it drains on the scan's thread after each scan, so messages print in
order with the progress line. Either way a step runs at start (what a previous run left), and at
the end steps run while a retry falls due within ``close_wait_s`` (15 s); what is left waits in
the outbox for the next start.

Alerts go to the configured chat and to each allowed user's private chat (a user's private chat
id is their user id); the same chat once. A user who never opened a chat with the bot cannot be
written to (Telegram answers 403): that copy is given up and logged, the configured chat's copy
still goes out.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

from application.runtime.errors import DeliveryError
from application.runtime.outbox import Delivery, MessageSender, Outbox, PendingMessage
from application.runtime.outbox_drain import DrainOutbox, DrainReport
from application.runtime.ports import Notifier
from domain.security.redaction import mask_urls_in
from entrypoints.settings import Settings

POLL_S = 1.0
CLOSE_WAIT_S = 15.0


def alert_chats(settings: Settings) -> tuple[str | None, ...]:
    notifier = settings.notifier
    if notifier.name != "telegram":
        return (None,)  # one console
    users = tuple(str(user) for user in notifier.telegram_allowed_user_ids if str(user) != notifier.telegram_chat_id)
    return (None, *users)


class _SendOnly(MessageSender):
    """A notifier with no single-attempt send: its failures are taken as worth retrying."""

    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier

    def deliver(self, text: str, chat_id: str | None = None) -> None:
        try:
            self._notifier.send(text)
        except Exception as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}", permanent=False) from None


def sender_for(notifier: Notifier) -> MessageSender:
    deliver = getattr(notifier, "deliver", None)
    return notifier if callable(deliver) else _SendOnly(notifier)  # type: ignore[return-value]


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def _message_fields(pending: PendingMessage) -> dict[str, Any]:
    message = pending.message
    fields: dict[str, Any] = {"kind": message.kind.value, "chat": message.chat_id or "configured",
                              "attempts": pending.attempts, "outbox_id": pending.id}
    if message.signal_id is not None:
        fields["signal_id"] = message.signal_id
    return fields


class DeliveryWorker:
    def __init__(self, outbox: Outbox, sender: MessageSender, log: Any, *, threaded: bool,
                 close_wait_s: float = CLOSE_WAIT_S) -> None:
        self._outbox = outbox
        self._close_wait_s = close_wait_s
        self._drain = DrainOutbox(outbox, sender, _wall_clock)
        self._log = log
        self._threaded = threaded
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._one_step = threading.Lock()
        self._thread: threading.Thread | None = None
        self._store_error: str | None = None
        self.counts = {"delivered": 0, "retried": 0, "given_up": 0, "interrupted": 0}

    def start(self) -> DeliveryWorker:
        self._log_backlog("outbox_backlog_at_start")
        if self._threaded:
            self._thread = threading.Thread(target=self._run, name="outbox-drainer", daemon=True)
            self._thread.start()
        else:
            self.step()
        return self

    def after_scan(self) -> None:
        if self._threaded:
            self._wake.set()
        else:
            self.step()

    def close(self) -> None:
        """Stop the thread, then drain what the last scans wrote: retries due within
        ``close_wait_s`` are waited for; the rest stays in the outbox for the next start."""
        deadline = time.monotonic() + self._close_wait_s
        if self._thread is not None:
            self._closing.set()
            self._wake.set()
            self._thread.join(self._close_wait_s)
        if self._thread is None or not self._thread.is_alive():  # else a send is stuck past its timeouts
            while True:
                self.step()
                wait = self._wait_for_next(deadline)
                if wait is None:
                    break
                time.sleep(wait)
        self._log_backlog("outbox_backlog_at_stop")

    def _wait_for_next(self, deadline: float) -> float | None:
        try:
            backlog = self._outbox.backlog()
        except Exception:  # logged by the step: nothing to wait for
            return None
        if not backlog.pending or backlog.next_attempt_at is None:
            return None
        wait = max((backlog.next_attempt_at - _wall_clock()).total_seconds(), 0.05)
        return wait if wait < deadline - time.monotonic() else None

    def step(self) -> DrainReport:
        with self._one_step:
            report = self._drain.step()
        self._log_report(report)
        return report

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.counts)
        try:
            backlog = self._outbox.backlog()
        except Exception as exc:
            out["backlog_error"] = mask_urls_in(f"{type(exc).__name__}: {exc}")
            return out
        out.update(pending=backlog.pending, given_up_total=backlog.given_up,
                   oldest_pending=backlog.oldest_pending.isoformat() if backlog.oldest_pending else None)
        return out

    def _run(self) -> None:
        while not self._closing.is_set():
            self.step()
            self._wake.wait(POLL_S)
            self._wake.clear()

    def _log_report(self, report: DrainReport) -> None:
        for pending in report.delivered:
            self._log.debug("outbox_delivered", **_message_fields(pending))  # routine: the signal is logged
        for retry in report.retrying:
            self._log.warning("outbox_retry", error=retry.error, next_attempt_at=retry.next_attempt_at.isoformat(),
                              **_message_fields(retry.pending))
        for failure in report.given_up:
            self._log.error("outbox_given_up", error=failure.error, **_message_fields(failure.pending))
        for pending in report.interrupted:
            self._log.error("outbox_interrupted", error="the drainer stopped mid-send: it may not have arrived",
                            **_message_fields(pending))
        for key, items in (("delivered", report.delivered), ("retried", report.retrying),
                           ("given_up", report.given_up), ("interrupted", report.interrupted)):
            self.counts[key] += len(items)
        error = None if report.store_error is None else mask_urls_in(report.store_error)
        if error != self._store_error:  # once per outage, not once a second
            if error is not None:
                self._log.error("outbox_unavailable", error=error)
            else:
                self._log.info("outbox_available")
            self._store_error = error

    def _log_backlog(self, event: str) -> None:
        summary = self.summary()
        if summary.get("pending") or summary.get("backlog_error"):
            self._log.warning(event, **{k: v for k, v in summary.items() if k not in self.counts})


def start_delivery(outbox: Outbox, notifier: Notifier, settings: Settings,
                   log: Any) -> tuple[Delivery, DeliveryWorker]:
    """The scan's Delivery and the worker draining it; call ``worker.start()`` once the run begins."""
    worker = DeliveryWorker(outbox, sender_for(notifier), log, threaded=settings.notifier.name == "telegram")
    return Delivery(outbox, alert_chats(settings)), worker


def describe_delivery(outbox: dict[str, Any]) -> str:
    """The summary's ``outbox`` in words."""
    line = f"{outbox['delivered']:,} messages delivered, {outbox['retried']:,} retries"
    lost = outbox["given_up"] + outbox["interrupted"]
    if lost:
        line += f", {lost:,} given up (see the log)"
    if "backlog_error" in outbox:
        return f"{line}; the outbox could not be read: {outbox['backlog_error']}"
    if outbox["pending"]:
        since = datetime.fromisoformat(outbox["oldest_pending"])
        line += f"; {outbox['pending']:,} still in the outbox since {since:%Y-%m-%d %H:%M} UTC, sent at the next start"
    return line
