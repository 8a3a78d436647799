"""The retrain requests the bot records, and their claim and result (application.bot.ports)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from adapters.sql.tables import retrain_requests as rr
from adapters.sql.timeutil import utc, utc_or_none
from application.bot.ports import RequestStatus, RetrainRequest, RetrainRequests

_CLAIM_TRIES = 5  # another job claiming the same row at the same moment: take the next one


class SqlRetrainRequests(RetrainRequests):
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def request(self, requested_by: str, now: datetime) -> RetrainRequest:
        limit = rr.c.requested_by.type.length  # type: ignore[attr-defined]
        if not requested_by or len(requested_by) > limit:
            raise ValueError(f"requested_by must be 1 to {limit} characters")
        with self._engine.begin() as connection:
            new_id = connection.execute(sa.insert(rr).values(
                requested_by=requested_by, requested_at=now, status=RequestStatus.PENDING.value, result="")
                .returning(rr.c.id)).scalar_one()
        return RetrainRequest(int(new_id), requested_by, now)

    def pending(self) -> RetrainRequest | None:
        return self._first(sa.select(rr).where(rr.c.status == RequestStatus.PENDING.value).order_by(rr.c.id))

    def latest(self) -> RetrainRequest | None:
        return self._first(sa.select(rr).order_by(rr.c.id.desc()))

    def claim(self, now: datetime) -> RetrainRequest | None:
        for _ in range(_CLAIM_TRIES):
            oldest = self.pending()
            if oldest is None:
                return None
            with self._engine.begin() as connection:
                claimed = connection.execute(
                    sa.update(rr).where(rr.c.id == oldest.request_id, rr.c.status == RequestStatus.PENDING.value)
                    .values(status=RequestStatus.RUNNING.value, started_at=now)).rowcount
            if claimed == 1:
                return RetrainRequest(oldest.request_id, oldest.requested_by, oldest.requested_at,
                                      RequestStatus.RUNNING, now)
        return None

    def finish(self, request_id: int, succeeded: bool, result: str, now: datetime) -> None:
        status = RequestStatus.DONE if succeeded else RequestStatus.FAILED
        with self._engine.begin() as connection:
            updated = connection.execute(
                sa.update(rr).where(rr.c.id == request_id, rr.c.status == RequestStatus.RUNNING.value)
                .values(status=status.value, finished_at=now, result=result)).rowcount
        if updated != 1:
            raise LookupError(f"retrain request #{request_id} is not running: it cannot be finished")

    def _first(self, query: sa.Select[Any]) -> RetrainRequest | None:
        with self._engine.connect() as connection:
            row = connection.execute(query.limit(1)).first()
        return None if row is None else _request(row._mapping)


def _request(row: Any) -> RetrainRequest:
    return RetrainRequest(int(row["id"]), row["requested_by"], utc(row["requested_at"]), RequestStatus(row["status"]),
                          utc_or_none(row["started_at"]), utc_or_none(row["finished_at"]), row["result"] or "")
