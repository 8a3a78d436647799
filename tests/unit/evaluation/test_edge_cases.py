"""No trades, a single trade, all wins: figures are null with n = 0 or flagged, never NaN or a crash."""

from __future__ import annotations

import json

from domain.evaluation import EquitySeries, trade_metrics
from domain.evaluation.tiers import ALL
from tests.unit.evaluation.builders import DAY, NO_EQUITY, trade


def test_no_trades_gives_nulls_and_zero_counts_in_strict_json() -> None:
    metrics = trade_metrics([], NO_EQUITY, DAY)
    payload = json.loads(json.dumps(metrics.as_dict(), allow_nan=False))
    assert payload["trades"] == 0
    assert all(row["trades"] == 0 and row["win_rate"]["value"] is None for row in payload["tiers"])
    performance = payload["performance"]
    assert performance["expectancy_r"] == {"value": None, "n": 0, "few_trades": True, "note": "no trades"}
    assert performance["profit_factor"]["value"] is None
    assert performance["trades_per_day"]["value"] == 0.0 and performance["exposure"]["value"] == 0.0
    assert payload["drawdown"]["maximum"]["value"] is None


def test_a_single_trade_stands_on_one_trade_everywhere() -> None:
    metrics = trade_metrics([trade(10)], EquitySeries([0, 1], [100.0, 110.0]), DAY)
    all_row = next(r for r in metrics.tiers if r.tier == ALL)
    assert all_row.win_rate.value == 1.0 and all_row.win_rate.n == 1 and all_row.win_rate.few_trades
    assert metrics.performance.expectancy_r.value == 1.0 and metrics.performance.expectancy_r.few_trades
    assert metrics.drawdown.maximum.value == 0.0 and metrics.drawdown.maximum.n == 1
    json.dumps(metrics.as_dict(), allow_nan=False)


def test_all_wins_is_strict_json_too() -> None:
    metrics = trade_metrics([trade(10, minute=k) for k in range(40)], NO_EQUITY, DAY)
    payload = json.loads(json.dumps(metrics.as_dict(), allow_nan=False))
    assert payload["performance"]["profit_factor"]["value"] is None
    assert payload["tiers"][-1]["win_rate"]["few_trades"] is False
