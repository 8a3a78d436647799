from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.models.deployments import ModelDeployment
from domain.signals.patterns import PatternRecord
from domain.stats.outcomes import Performance, Result, TradeOutcome

T = datetime(2025, 1, 1, tzinfo=UTC)


def test_pattern_win_rate_and_outcomes() -> None:
    record = PatternRecord("h", "flag")
    assert record.win_rate is None
    record = record.with_outcome(True).with_outcome(False).with_outcome(True)
    assert (record.wins, record.total, record.losses) == (2, 3, 1)
    assert record.win_rate == pytest.approx(2 / 3)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"wins": 3, "total": 2}, "exceed"), ({"wins": -1, "total": 2}, "counts"), ({"wins": 1.5, "total": 2}, "counts"),
    ({"pattern_hash": ""}, "empty"), ({"pattern_hash": "x" * 65}, "at most 64"),
])
def test_pattern_record_rejects_bad_values(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        PatternRecord(**{"pattern_hash": "h", "name": "n", **kwargs})


def test_deployment_metrics_are_frozen_floats_and_compared_by_value() -> None:
    metrics = {"auc": 1}
    deployment = ModelDeployment("v1", "m.pt", T, metrics)
    metrics["auc"] = 0
    assert deployment.metrics == {"auc": 1.0} and isinstance(deployment.metrics["auc"], float)
    with pytest.raises(TypeError):
        deployment.metrics["auc"] = 2  # type: ignore[index]
    assert deployment == ModelDeployment("v1", "m.pt", T, {"auc": 1.0})
    assert hash(deployment) == hash(ModelDeployment("v1", "m.pt", T, {"auc": 1.0}))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"deployed_at": datetime(2025, 1, 1)}, "deployed_at"),
    ({"deployed_at": datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=2)))}, "deployed_at"),
    ({"metrics": {"auc": float("nan")}}, "'auc' must be finite"), ({"version": ""}, "version"),
    ({"model_path": ""}, "model_path"),
])
def test_deployment_rejects_bad_values(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        ModelDeployment(**{"version": "v1", "model_path": "m.pt", "deployed_at": T, **kwargs})


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"exit_price": 0}, "exit_price"), ({"r_realized": float("inf")}, "r_realized"),
    ({"latency_ms": -1}, "latency_ms"), ({"slippage_bps": float("nan")}, "finite"),
    ({"exit_time": datetime(2025, 1, 1)}, "exit_time"), ({"signal_id": ""}, "signal_id"),
])
def test_trade_outcome_rejects_bad_values(kwargs, message) -> None:
    base = {"signal_id": "S1", "result": Result.WIN, "exit_time": T, "exit_price": 101.0, "r_realized": 1.5}
    with pytest.raises(ValueError, match=message):
        TradeOutcome(**{**base, **kwargs})


def test_performance_adds_up_and_has_no_rate_when_empty() -> None:
    assert Performance().win_rate is None and Performance().avg_r is None
    total = Performance(2, 1, 0.5) + Performance().with_trade(True, 1.5)
    assert (total.count, total.wins, total.win_rate, total.avg_r) == (3, 2, pytest.approx(2 / 3), pytest.approx(2 / 3))
    with pytest.raises(ValueError, match="wins"):
        Performance(1, 2, 0.0)
