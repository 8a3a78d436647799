"""The backtest runs the runtime's rules: over the same built candles, the runtime's loop (replay
clock, ScanMarket, paper broker) and the backtest emit the same signals, exit them alike, and
make the same P/L to the cent."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from adapters.brokers.paper import PaperBroker
from adapters.clock import ReplayClock
from adapters.predictors.baseline import BaselineMomentumPredictor
from adapters.predictors.random_direction import RandomDirectionPredictor
from application.backtest.engine import BacktestConfig, BacktestEngine
from application.backtest.parts import BacktestBook, SilentNotifier
from application.backtest.ports import P90Costs
from application.backtest.trades import BacktestTrades, summarise
from application.data.candle_source import LoadedCandleSource
from application.runtime.loop import Runtime
from application.runtime.scan_market import ScanConfig, ScanMarket, ScanReport
from domain.evaluation import sessions_at
from domain.market.candles import Pair
from domain.market.quality import Ohlcv
from domain.signals.signal import Mode
from tests.fakes.series import random_walk

START = datetime(2024, 3, 1, 20, 0, tzinfo=UTC)  # spans a Prague midnight
END = START + timedelta(hours=10)
PAIRS = (Pair.parse("BTCUSDT"), Pair.parse("ETHUSDT"))
Predictors = BaselineMomentumPredictor | RandomDirectionPredictor


def _candles() -> dict[Pair, Ohlcv]:
    since = START - timedelta(hours=2)
    return {PAIRS[0]: random_walk(since, 14 * 60, seed=11, price=60_000.0, vol=0.0015),
            PAIRS[1]: random_walk(since, 14 * 60, seed=12, price=3_000.0, vol=0.0015)}


def _config() -> ScanConfig:
    return ScanConfig(pairs=PAIRS, mode=Mode.DRYRUN)


def _replay(candles: dict[Pair, Ohlcv], predictor: Predictors | None = None) -> list[tuple[str, str, str, float]]:
    closed = []

    def on_scan(report: ScanReport) -> None:
        closed.extend(c for c in report.closed if c.error is None)

    scan = ScanMarket(source=LoadedCandleSource(lambda p: candles[p]),
                      predictor=predictor or BaselineMomentumPredictor(),
                      book=BacktestBook(), notifier=SilentNotifier(), broker=PaperBroker(), config=_config(),
                      timer=lambda: 0.0)
    Runtime(clock=ReplayClock(START), scan=scan, interval=timedelta(minutes=2), stop=threading.Event(),
            on_scan=on_scan).run(START, END)
    return [(c.close.position.position_id, c.close.exit.at.isoformat(), c.close.exit.reason.value,
             round(c.close.pnl, 2)) for c in closed]


def _backtest(candles: dict[Pair, Ohlcv], timer: object = lambda: 0.0, budget: float = 500.0,
              predictor: Predictors | None = None) -> BacktestTrades:
    engine = BacktestEngine(predictor=predictor or BaselineMomentumPredictor(), costs=P90Costs(), broker_for=PaperBroker,
                            config=BacktestConfig(_config(), latency_budget_ms=budget), timer=timer)  # type: ignore[arg-type]
    return engine.run(candles, START, END)


def test_the_backtest_gives_the_replays_signals_exits_and_pnl_to_the_cent() -> None:
    candles = _candles()
    replayed = _replay(candles)
    result = _backtest(candles)
    assert len(replayed) >= 10
    assert [(t.signal_id, t.exit_at, t.exit_reason, round(t.pnl, 2)) for t in result.trades] == replayed
    assert result.active_scans < result.scans  # scans where nothing could change were skipped


def test_the_random_direction_baseline_backtests_as_it_replays() -> None:
    candles, predictor = _candles(), RandomDirectionPredictor(seed=42)
    replayed = _replay(candles, predictor)
    result = _backtest(candles, predictor=predictor)
    assert len(replayed) >= 10
    assert [(t.signal_id, t.exit_at, t.exit_reason, round(t.pnl, 2)) for t in result.trades] == replayed


def test_each_trade_records_its_sessions_and_its_predictions_horizon() -> None:
    result = _backtest(_candles())
    assert all(t.horizon_minutes == 15 and t.direction_right is None for t in result.trades)
    assert all(t.sessions == sessions_at(datetime.fromisoformat(t.signal_at)) for t in result.trades)
    assert {t.session for t in result.trades} >= {"new_york", "off_hours"}


def test_a_backtest_run_twice_gives_identical_trades() -> None:
    candles = _candles()
    assert _backtest(candles).trades == _backtest(candles).trades


def test_a_decision_slower_than_the_budget_pays_the_p90_slippage_on_entry() -> None:
    candles = _candles()
    fast = _backtest(candles)
    ticks = itertools.count()
    slow = _backtest(candles, timer=lambda: float(next(ticks)))  # every pair-scan takes one second
    assert [attrs.evolve(t, latency_ms=0.0, late=False, pnl_penalised=t.pnl) for t in slow.trades] == list(fast.trades)
    assert all(t.late and t.latency_ms == pytest.approx(1000.0) for t in slow.trades)
    trade = slow.trades[0]
    units = trade.lots * (1.0 if trade.pair == "BTCUSDT" else 10.0)
    assert trade.pnl - trade.pnl_penalised == pytest.approx(trade.entry_fill * 5.0 / 10_000 * units)
    summary = summarise(slow, 100_000.0)
    assert summary["pnl"] == summarise(fast, 100_000.0)["pnl"]
    assert summary["pnl_with_latency_penalty"] < summary["pnl"]
    assert summary["late_signals"] == summary["trades"]
    relaxed = _backtest(candles, timer=lambda: float(next(ticks)), budget=2000.0)
    assert not any(t.late for t in relaxed.trades)
