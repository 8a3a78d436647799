"""With the pattern adjustment on, the backtest still runs the runtime's rules: a replay whose scan
reads and counts patterns in a store, and a backtest whose history learns from its own closes,
emit the same signals and make the same P/L, and the adjustment visibly changes what is emitted."""

from __future__ import annotations

import threading
from datetime import timedelta

import attrs
import pytest

from adapters.brokers.paper import PaperBroker
from adapters.clock import ReplayClock
from adapters.predictors.baseline import BaselineMomentumPredictor
from application.backtest.engine import BacktestConfig, BacktestEngine
from application.backtest.parts import BacktestBook, SilentNotifier
from application.backtest.ports import P90Costs
from application.backtest.trades import BacktestTrades
from application.data.candle_source import LoadedCandleSource
from application.runtime.loop import Runtime
from application.runtime.scan_market import ScanConfig, ScanMarket, ScanReport
from domain.signals.confidence import PatternSettings
from domain.signals.patterns import PatternRecord
from domain.signals.signal import Mode
from tests.fakes.patterns import FakePatternRepository
from tests.unit.backtest.test_engine_equivalence import END, PAIRS, START, _candles

# strong enough that one outcome moves a tier, so a 10-hour window shows the adjustment at work
STRONG = PatternSettings(min_samples=2, weight=1.0, max_shift=0.15)
Trade = tuple[str, str, str, float]


def _config(patterns: PatternSettings | None) -> ScanConfig:
    return ScanConfig(pairs=PAIRS, mode=Mode.DRYRUN, patterns=patterns)


def _replay(candles: dict, patterns: PatternSettings | None,
            store: FakePatternRepository) -> tuple[list[Trade], list[str]]:
    closed, emitted = [], []

    def on_scan(report: ScanReport) -> None:
        closed.extend(c for c in report.closed if c.error is None)
        emitted.extend(o.signal.signal_id for o in report.pairs if o.status.value == "emitted" and o.signal)

    scan = ScanMarket(source=LoadedCandleSource(lambda p: candles[p]), predictor=BaselineMomentumPredictor(),
                      book=BacktestBook(), notifier=SilentNotifier(), broker=PaperBroker(), config=_config(patterns),
                      timer=lambda: 0.0, patterns=store)
    Runtime(clock=ReplayClock(START), scan=scan, interval=timedelta(minutes=2), stop=threading.Event(),
            on_scan=on_scan).run(START, END)
    trades = [(c.close.position.position_id, c.close.exit.at.isoformat(), c.close.exit.reason.value,
               round(c.close.pnl, 2)) for c in closed]
    return trades, emitted


def _backtest(candles: dict, patterns: PatternSettings | None, snapshot: tuple[PatternRecord, ...] = ()
              ) -> BacktestTrades:
    config = BacktestConfig(_config(patterns), patterns=snapshot)
    engine = BacktestEngine(predictor=BaselineMomentumPredictor(), costs=P90Costs(), broker_for=PaperBroker,
                            config=config, timer=lambda: 0.0)
    return engine.run(candles, START, END)


def _trades(result: BacktestTrades) -> list[Trade]:
    return [(t.signal_id, t.exit_at, t.exit_reason, round(t.pnl, 2)) for t in result.trades]


@pytest.fixture(scope="module")
def candles() -> dict:
    return _candles()


def test_with_patterns_the_backtest_gives_the_replays_trades_and_the_adjustment_changes_them(candles) -> None:
    store = FakePatternRepository()
    replayed, emitted = _replay(candles, STRONG, store)
    result = _backtest(candles, STRONG)
    assert _trades(result) == replayed
    assert {t.signal_id for t in result.trades} | set(result.open_signals) == set(emitted)
    # the store learnt from every close, and it changed what was emitted
    assert len(store.counted) == len(replayed) >= 10
    assert _trades(_backtest(candles, None)) != replayed
    assert result.active_scans < result.scans  # the vectorised walk still skips scans


def test_with_default_pattern_settings_the_backtest_still_matches_the_replay(candles) -> None:
    replayed, _ = _replay(candles, PatternSettings(), FakePatternRepository())
    assert _trades(_backtest(candles, PatternSettings())) == replayed


def test_a_backtest_starting_from_a_snapshot_reads_it_and_the_replay_from_the_same_store_agrees(candles) -> None:
    learnt = FakePatternRepository()
    _replay(candles, STRONG, learnt)
    snapshot = learnt.snapshot()
    # a second pass over the same hours starting from the first's history: both paths agree, and
    # differ from a pass starting empty
    replayed, _ = _replay(candles, STRONG, FakePatternRepository(*snapshot))
    result = _backtest(candles, STRONG, snapshot)
    assert _trades(result) == replayed
    assert _trades(result) != _trades(_backtest(candles, STRONG))


def test_patterns_that_always_lost_emit_nothing_more(candles) -> None:
    first = _backtest(candles, STRONG)
    traded = {t.pattern for t in first.trades}
    assert all(traded) and len(traded) >= 5  # every trade names its pattern
    store = FakePatternRepository()
    _replay(candles, STRONG, store)
    losers = tuple(attrs.evolve(r, wins=0, total=50) for r in store.snapshot())
    # confidence pulled to 0 on every pattern the first pass traded: none of them trades again
    again = _backtest(candles, PatternSettings(min_samples=1, weight=1.0, max_shift=1.0), losers)
    assert not {t.pattern for t in again.trades} & traded
