"""Ports of the bot use case: the retrain requests it records, where the last scan is read from,
and where it writes its audit events. The store and the control repository are the runtime's
(application.runtime.ports, application.stats.ports)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

import attrs

from domain.market.candles import require_utc


class RequestStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def _utc(value: datetime) -> datetime:
    return require_utc(value, "requested_at")


def _utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else require_utc(value, "time")


@attrs.frozen
class RetrainRequest:
    """A retraining asked for from the bot; ``tradeai retrain --if-requested`` runs it once."""

    request_id: int
    requested_by: str
    requested_at: datetime = attrs.field(converter=_utc)
    status: RequestStatus = RequestStatus.PENDING
    started_at: datetime | None = attrs.field(default=None, converter=_utc_or_none)
    finished_at: datetime | None = attrs.field(default=None, converter=_utc_or_none)
    result: str = ""


class RetrainRequests(Protocol):
    def request(self, requested_by: str, now: datetime) -> RetrainRequest:
        """Record a pending request and return it."""
        ...

    def pending(self) -> RetrainRequest | None:
        """The oldest pending request."""
        ...

    def latest(self) -> RetrainRequest | None:
        """The newest request, whatever its status."""
        ...

    def claim(self, now: datetime) -> RetrainRequest | None:
        """Move the oldest pending request to running and return it; None when none is pending.
        Two callers never claim the same request."""
        ...

    def finish(self, request_id: int, succeeded: bool, result: str, now: datetime) -> None:
        """Close a running request as done or failed, with what came of it."""
        ...


class LastScan(Protocol):
    def last_scan(self) -> tuple[datetime, datetime] | None:
        """(market time, wall time) of the last scan the runtime saved; None before the first."""
        ...


class BotEvents(Protocol):
    """Where the bot's audit lines go (structured log events)."""

    def __call__(self, event: str, level: str, **fields: Any) -> None: ...


class BotError(RuntimeError):
    """The bot could not start; the message is masked. ``refused``: Telegram refused the token (a
    setting to fix), rather than could not be reached (which may pass)."""

    def __init__(self, message: str, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused
