"""Fills drawn from the execution model by pair x session: the backtest and a replay, each with its
own paper broker over one seeded FillCosts, pay the same draws (the backtest skips scans the replay
runs) and end at the same P/L to the cent; the latency penalty reads the session's p90 slippage."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from adapters.brokers.paper import PaperBroker
from adapters.clock import ReplayClock
from adapters.predictors.baseline import BaselineMomentumPredictor
from application.backtest.engine import BacktestConfig, BacktestEngine
from application.backtest.parts import BacktestBook, SilentNotifier
from application.backtest.ports import P90Costs
from application.backtest.trades import BacktestTrades, TradeBook
from application.data.candle_source import LoadedCandleSource
from application.runtime.loop import Runtime
from application.runtime.scan_market import ScanConfig, ScanMarket, ScanReport
from domain.execution.costs import ExecutionModel
from domain.execution.instruments import BPS, Instruments
from domain.execution.sampling import FillCosts
from domain.market.candles import Pair
from domain.market.quality import Ohlcv
from domain.signals.signal import Mode
from tests.fakes.series import random_walk
from tests.unit.domain.builders import disjoint_session_model

# a Tuesday evening into Wednesday morning: New York, off hours, a Prague midnight, Tokyo
START = datetime(2024, 3, 5, 20, 0, tzinfo=UTC)
END = START + timedelta(hours=10)
PAIRS = (Pair.parse("BTCUSDT"), Pair.parse("ETHUSDT"))
CONFIG = ScanConfig(pairs=PAIRS, mode=Mode.DRYRUN)


def _candles() -> dict[Pair, Ohlcv]:
    since = START - timedelta(hours=2)
    return {PAIRS[0]: random_walk(since, 14 * 60, seed=21, price=60_000.0, vol=0.0015),
            PAIRS[1]: random_walk(since, 14 * 60, seed=22, price=3_000.0, vol=0.0015)}


def _fills(seed: int = 5) -> FillCosts:
    btc, eth = disjoint_session_model("BTC"), disjoint_session_model("ETH")
    return FillCosts(ExecutionModel({**btc.costs, **eth.costs}, Instruments()), seed)


def _replay(candles: dict[Pair, Ohlcv], fills: FillCosts, timer: Callable[[], float] = lambda: 0.0) -> list[ScanReport]:
    reports: list[ScanReport] = []
    scan = ScanMarket(source=LoadedCandleSource(lambda p: candles[p]), predictor=BaselineMomentumPredictor(),
                      book=BacktestBook(), notifier=SilentNotifier(), broker=PaperBroker(costs=fills), config=CONFIG,
                      timer=timer)
    Runtime(clock=ReplayClock(START), scan=scan, interval=timedelta(minutes=2), stop=threading.Event(),
            on_scan=reports.append).run(START, END)
    return reports


def _backtest(candles: dict[Pair, Ohlcv], fills: FillCosts) -> BacktestTrades:
    def broker_for(instruments: Instruments) -> PaperBroker:
        return PaperBroker(instruments, fills)

    engine = BacktestEngine(predictor=BaselineMomentumPredictor(), costs=P90Costs(fill_costs=fills),
                            broker_for=broker_for, config=BacktestConfig(CONFIG), timer=lambda: 0.0)
    return engine.run(candles, START, END)


def test_the_backtest_pays_the_replays_sampled_costs_to_the_cent() -> None:
    candles = _candles()
    closed = [c for r in _replay(candles, _fills()) for c in r.closed if c.error is None]
    result = _backtest(candles, _fills())
    assert len(closed) >= 10
    assert [(t.signal_id, t.exit_at, t.entry_fill, t.exit_fill, round(t.pnl, 2)) for t in result.trades] == [
        (c.close.position.position_id, c.close.exit.at.isoformat(), c.close.position.entry, c.close.fill,
         round(c.close.pnl, 2)) for c in closed]
    at_p90 = {t.signal_id: t.entry_fill for t in _backtest(candles, FillCosts()).trades}
    assert any(at_p90.get(t.signal_id) not in (None, t.entry_fill) for t in result.trades)  # the draws did move


def test_a_seeded_backtest_with_sampled_costs_repeats_and_another_seed_differs() -> None:
    candles = _candles()
    first = _backtest(candles, _fills(5)).trades
    assert first == _backtest(candles, _fills(5)).trades
    assert [t.entry_fill for t in first] != [t.entry_fill for t in _backtest(candles, _fills(6)).trades]


def test_a_late_signal_pays_its_sessions_p90_slippage() -> None:
    fills, ticks = _fills(), itertools.count()
    reports = _replay(_candles(), fills, timer=lambda: float(next(ticks)))  # every pair-scan takes a second
    by_session, by_spec = TradeBook(Instruments(), 500.0, fills), TradeBook(Instruments(), 500.0)
    for report in reports:
        by_session.add(report)
        by_spec.add(report)
    trades = by_session.result(None, scans=0, active_scans=0, bars=0).trades
    flat = by_spec.result(None, scans=0, active_scans=0, bars=0).trades
    assert len(trades) >= 5 and all(t.late for t in trades)
    for trade, plain in zip(trades, flat, strict=True):
        spec = Instruments().spec_for(Pair.parse(trade.pair))
        units = trade.lots * spec.contract_size
        at = datetime.fromisoformat(trade.signal_at)
        session_p90 = fills.p90_slippage_bps(spec, Pair.parse(trade.pair), at)
        assert trade.pnl - trade.pnl_penalised == pytest.approx(trade.entry_fill * session_p90 / BPS * units)
        assert plain.pnl - plain.pnl_penalised == pytest.approx(trade.entry_fill * spec.slippage_p90_bps / BPS * units)
    model = fills.model
    assert model is not None
    assert {model.session_at(t.pair, datetime.fromisoformat(t.signal_at)) for t in trades} >= {"new_york", "off_hours"}
