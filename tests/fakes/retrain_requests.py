"""In-memory retrain requests; the same contract tests as the SQL adapter
(tests/integration/sql/test_retrain_requests_contract.py)."""

from __future__ import annotations

from datetime import datetime

import attrs

from application.bot.ports import RequestStatus, RetrainRequest, RetrainRequests


class InMemoryRetrainRequests(RetrainRequests):
    def __init__(self) -> None:
        self.rows: list[RetrainRequest] = []

    def request(self, requested_by: str, now: datetime) -> RetrainRequest:
        if not requested_by or len(requested_by) > 120:
            raise ValueError("requested_by must be 1 to 120 characters")
        row = RetrainRequest(len(self.rows) + 1, requested_by, now)
        self.rows.append(row)
        return row

    def pending(self) -> RetrainRequest | None:
        return next((r for r in self.rows if r.status is RequestStatus.PENDING), None)

    def latest(self) -> RetrainRequest | None:
        return self.rows[-1] if self.rows else None

    def claim(self, now: datetime) -> RetrainRequest | None:
        oldest = self.pending()
        if oldest is None:
            return None
        claimed = attrs.evolve(oldest, status=RequestStatus.RUNNING, started_at=now)
        self.rows[oldest.request_id - 1] = claimed
        return claimed

    def finish(self, request_id: int, succeeded: bool, result: str, now: datetime) -> None:
        if not 0 < request_id <= len(self.rows) or self.rows[request_id - 1].status is not RequestStatus.RUNNING:
            raise LookupError(f"retrain request #{request_id} is not running: it cannot be finished")
        status = RequestStatus.DONE if succeeded else RequestStatus.FAILED
        self.rows[request_id - 1] = attrs.evolve(self.rows[request_id - 1], status=status, finished_at=now,
                                                 result=result)
