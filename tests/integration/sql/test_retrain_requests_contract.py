"""Retrain requests: one contract over the in-memory fake, SQLite and Postgres, and the pick-up
use case (`tradeai retrain --if-requested`) on top of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.sql.retrain_requests import SqlRetrainRequests
from application.bot.pickup import RetrainResult, run_requested
from application.bot.ports import RequestStatus
from tests.fakes.retrain_requests import InMemoryRetrainRequests
from tests.integration.sql.conftest import migrated_engine

T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def requests(request, tmp_path):
    if request.param == "memory":
        return InMemoryRetrainRequests()
    return SqlRetrainRequests(migrated_engine(request, tmp_path, request.param))


def test_requests_are_claimed_oldest_first_and_only_once(requests) -> None:
    assert requests.pending() is None and requests.latest() is None and requests.claim(T0) is None
    first = requests.request("telegram:42", T0)
    second = requests.request("telegram:43", T0 + timedelta(minutes=1))
    assert requests.pending() == first and requests.latest() == second
    claimed = requests.claim(T0 + timedelta(minutes=2))
    assert claimed is not None and claimed.request_id == first.request_id
    assert claimed.status is RequestStatus.RUNNING and claimed.started_at == T0 + timedelta(minutes=2)
    assert requests.pending() == second
    assert requests.claim(T0 + timedelta(minutes=3)).request_id == second.request_id
    assert requests.claim(T0 + timedelta(minutes=4)) is None


def test_a_finished_request_keeps_its_result_and_cannot_finish_twice(requests) -> None:
    asked = requests.request("telegram:42", T0)
    with pytest.raises(LookupError, match="not running"):
        requests.finish(asked.request_id, True, "too early", T0)
    requests.claim(T0)
    requests.finish(asked.request_id, False, "lstm_btc: accuracy 0.50 below 0.68", T0 + timedelta(hours=1))
    latest = requests.latest()
    assert latest.status is RequestStatus.FAILED and latest.result == "lstm_btc: accuracy 0.50 below 0.68"
    assert latest.finished_at == T0 + timedelta(hours=1) and latest.requested_by == "telegram:42"
    with pytest.raises(LookupError):
        requests.finish(asked.request_id, True, "again", T0)


def test_who_asked_must_fit(requests) -> None:
    with pytest.raises(ValueError, match="requested_by"):
        requests.request("x" * 121, T0)


def test_pickup_runs_nothing_without_a_request_and_records_the_outcome(requests) -> None:
    runs = []
    assert run_requested(requests, lambda r: runs.append(r) or RetrainResult(True, "x"), lambda: T0) is None
    assert runs == []
    requests.request("telegram:42", T0)
    picked = run_requested(requests, lambda r: RetrainResult(True, "lstm_btc promoted as v1.0.1"), lambda: T0)
    assert picked is not None and picked[1].succeeded
    assert requests.latest().status is RequestStatus.DONE
    assert requests.latest().result == "lstm_btc promoted as v1.0.1"


def test_pickup_records_a_failure_and_raises_it_again(requests) -> None:
    requests.request("telegram:42", T0)

    def broken(_):
        raise OSError("disk full at postgresql://u:hunter2@db/x")

    with pytest.raises(OSError):
        run_requested(requests, broken, lambda: T0)
    latest = requests.latest()
    assert latest.status is RequestStatus.FAILED and latest.result.startswith("OSError: disk full")
    assert "hunter2" not in latest.result
