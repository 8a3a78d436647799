"""The runtime sizes with the latest metrics file's p90s when one exists, with the placeholders
(said once, loudly) when none does; the paper broker of the runtime and of the backtest draw their
fill costs from the loaded model with the settings' seed, whatever quotes it was measured from."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import attrs
import numpy as np
import structlog

from adapters.quotes import JsonMetricsStore
from application.execution.ports import ExecutionMetrics, SourceSummary
from domain.execution.costs import ExecutionModel, SessionSamples
from domain.execution.instruments import Instruments
from domain.execution.sampling import FillCosts
from entrypoints.container import build_container
from entrypoints.execution_costs import costs_summary
from entrypoints.runtime_main import _execution_costs
from entrypoints.settings import Settings


def _settings(data_dir: Path) -> Settings:
    base = Settings()
    return attrs.evolve(base, candles=attrs.evolve(base.candles, data_dir=str(data_dir)))


def _write_metrics(data_dir: Path, spread_bps: float, kind: str = "mt5_ticks") -> None:
    values = np.full(200, spread_bps)
    model = ExecutionModel.from_samples({"BTC": SessionSamples(values, {"tokyo": values})}, {}, 100, Instruments())
    source = SourceSummary("ticks.csv", kind, "0" * 64, 200, ("BTCUSD",))
    metrics = ExecutionMetrics(model, datetime(2025, 1, 2, tzinfo=UTC), 100, (source,), {"BTC": 200})
    JsonMetricsStore(data_dir).save(metrics, datetime(2025, 1, 2).date())


def test_measured_p90_reaches_the_guard_and_the_paper_broker(tmp_path: Path) -> None:
    _write_metrics(tmp_path, 3.5)
    root = build_container(_settings(tmp_path))
    instruments = root.execution().instruments()
    btc = instruments.spec_for_base("BTC")
    assert btc.spread_p90_bps == 3.5  # every session pooled to 3.5: the worst is 3.5
    assert instruments.spec_for_base("ETH") == Instruments().spec_for_base("ETH")
    assert root.runtime().broker()._instruments is instruments  # type: ignore[attr-defined]
    fills = root.execution().fill_costs()
    assert fills == FillCosts(root.execution().loaded().model, 42) and fills.model is not None
    assert root.runtime().broker()._costs is fills  # type: ignore[attr-defined]
    assert root.backtest().costs().fills() is fills
    assert root.backtest().broker_for()(instruments)._costs is fills  # type: ignore[attr-defined]
    with structlog.testing.capture_logs() as logs:
        _execution_costs(root, structlog.get_logger())
    assert [entry["event"] for entry in logs] == ["execution_costs_measured"]


def test_no_metrics_file_keeps_the_placeholders_and_warns_once(tmp_path: Path) -> None:
    root = build_container(_settings(tmp_path))
    with structlog.testing.capture_logs() as logs:
        assert _execution_costs(root, structlog.get_logger()) == Instruments()
    assert [(e["event"], e["log_level"]) for e in logs] == [("execution_costs_are_placeholders", "warning")]
    assert logs[0]["fills"] == "placeholder p90 costs"
    assert root.execution().fill_costs() == FillCosts(None, 42)  # every fill at the instrument's p90s


def test_unreadable_metrics_file_falls_back_to_the_placeholders_and_says_why(tmp_path: Path) -> None:
    (tmp_path / "execution_metrics_2025-01-02.json").write_text("{not json")
    (tmp_path / "execution_metrics.json").symlink_to("execution_metrics_2025-01-02.json")
    loaded = build_container(_settings(tmp_path)).execution().loaded()
    assert loaded.model is None and loaded.instruments == Instruments()
    assert "not a readable metrics file" in loaded.problem


def test_exchange_quotes_never_size_the_guard(tmp_path: Path) -> None:
    # a Binance book is far tighter than a CFD broker's: sizing with it would undercount a stop-out
    _write_metrics(tmp_path, 0.02, kind="binance_book_ticker")
    root = build_container(_settings(tmp_path))
    loaded = root.execution().loaded()
    assert loaded.model is not None and loaded.instruments == Instruments()
    assert "not the broker's" in loaded.problem
    with structlog.testing.capture_logs() as logs:
        assert _execution_costs(root, structlog.get_logger()) == Instruments()
    assert [(e["event"], e["log_level"]) for e in logs] == [("execution_costs_are_placeholders", "warning")]
    # the fills still draw from the exchange's measurement, and say so
    assert root.execution().fill_costs().model is loaded.model
    assert loaded.kinds == ("binance_book_ticker",) and "binance_book_ticker" in logs[0]["fills"]


def test_the_costs_summary_names_the_file_its_kinds_and_what_sized_the_guard(tmp_path: Path) -> None:
    assert costs_summary(build_container(_settings(tmp_path)).execution().loaded(), 7) == {
        "file": None, "source_kinds": [], "fills": "placeholder p90 costs", "sizing": "placeholder p90 costs",
        "seed": 7, "note": None}
    _write_metrics(tmp_path, 0.02, kind="binance_book_ticker")
    summary = costs_summary(build_container(_settings(tmp_path)).execution().loaded(), 7)
    assert summary["file"] == "execution_metrics_2025-01-02.json" and summary["source_kinds"] == ["binance_book_ticker"]
    assert summary["fills"].startswith("sampled by pair x session from execution_metrics_2025-01-02.json")
    assert summary["sizing"] == "placeholder p90 costs" and "not the broker's" in summary["note"]
    _write_metrics(tmp_path, 3.5)
    summary = costs_summary(build_container(_settings(tmp_path)).execution().loaded(), 7)
    assert summary["sizing"] == "worst-session p90 of execution_metrics_2025-01-02_2.json"
