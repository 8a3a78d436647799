"""The backtest runs the runtime's scan only where one must run; everything it leaves out must be
provably what the scan would have done. Each case runs the runtime's own replay loop and the
backtest over the same candles and compares trades, P/L and denial counts, on the cases that
exercise each proof: an account stopped at its floors, the kill switch, a data gap under an open
position, unreadable candles, flat stretches with no ATR."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import application.backtest.observe as observe_module
from adapters.brokers.paper import PaperBroker
from adapters.clock import ReplayClock
from adapters.predictors.baseline import BaselineMomentumPredictor
from application.backtest.engine import BacktestConfig, BacktestEngine
from application.backtest.observe import tier_ranks, wilder_atrs
from application.backtest.parts import BacktestBook, SilentNotifier
from application.backtest.ports import P90Costs
from application.backtest.tiers import BacktestDivergence
from application.backtest.trades import BacktestTrades
from application.data.candle_source import LoadedCandleSource
from application.runtime.loop import Runtime
from application.runtime.paper_book import ClosedTrade
from application.runtime.scan_market import ScanConfig, ScanMarket, ScanReport
from application.runtime.scan_outcome import Controls
from domain.execution.instruments import Instruments
from domain.market.candles import CandleWindow, Direction, Pair
from domain.market.indicators import wilder_atr
from domain.market.quality import COLUMNS, Ohlcv
from domain.risk.account import Account
from domain.risk.emission import EmissionConfig
from domain.risk.rules import RiskSettings
from domain.risk.sizing import MinLotStopOut, SizingSettings
from domain.risk.trade_check import TradeCandidate, check_trade, unsizable_beyond
from domain.signals.signal import Mode, TierThresholds
from tests.fakes.series import random_walk

START = datetime(2024, 3, 1, 20, 0, tzinfo=UTC)  # spans a Prague midnight
END = START + timedelta(hours=12)
BTC, ETH, BNB = Pair.parse("BTCUSDT"), Pair.parse("ETHUSDT"), Pair.parse("BNBUSDT")


def _candles(minutes: int = 16 * 60) -> dict[Pair, Ohlcv]:
    since = START - timedelta(hours=2)
    return {BTC: random_walk(since, minutes, seed=21, price=60_000.0, vol=0.0015),
            ETH: random_walk(since, minutes, seed=22, price=3_000.0, vol=0.0015)}


@attrs.frozen
class Run:
    trades: list[tuple[str, str, str, float]]
    denied: int


def _replay(candles: dict[Pair, Ohlcv], config: ScanConfig, controls: Controls) -> Run:
    closed: list[ClosedTrade] = []
    statuses = Counter[str]()

    def on_scan(report: ScanReport) -> None:
        closed.extend(c for c in report.closed if c.error is None)
        statuses.update(o.status.value for o in report.pairs)

    scan = ScanMarket(source=LoadedCandleSource(lambda p: candles[p]), predictor=BaselineMomentumPredictor(),
                      book=BacktestBook(), notifier=SilentNotifier(), broker=PaperBroker(), config=config,
                      timer=lambda: 0.0, controls=lambda: controls)
    Runtime(clock=ReplayClock(START), scan=scan, interval=timedelta(minutes=2), stop=threading.Event(),
            on_scan=on_scan).run(START, END)
    return Run([(c.close.position.position_id, c.close.exit.at.isoformat(), c.close.exit.reason.value,
                 round(c.close.pnl, 2)) for c in closed], statuses["denied"])


def _backtest(candles: dict[Pair, Ohlcv], config: ScanConfig, controls: Controls) -> BacktestTrades:
    engine = BacktestEngine(predictor=BaselineMomentumPredictor(), costs=P90Costs(), broker_for=PaperBroker,
                            config=BacktestConfig(config, controls=controls), timer=lambda: 0.0)
    return engine.run(candles, START, END)


def _same(candles: dict[Pair, Ohlcv], config: ScanConfig, controls: Controls | None = None) -> BacktestTrades:
    controls = controls or Controls()
    replayed = _replay(candles, config, controls)
    result = _backtest(candles, config, controls)
    assert [(t.signal_id, t.exit_at, t.exit_reason, round(t.pnl, 2)) for t in result.trades] == replayed.trades
    assert result.statuses.get("denied", 0) == replayed.denied
    return result


def test_an_account_stopped_at_its_floor_is_proved_dead_and_counted_like_the_replay() -> None:
    # a small account risking 5 % a trade loses its 9 % within hours; every later attempt is denied for size
    config = ScanConfig(pairs=(BTC, ETH), mode=Mode.DRYRUN, initial_balance=2_000.0,
                        emission=EmissionConfig(sizing=SizingSettings(risk_per_trade_pct=5.0)))
    result = _same(_candles(), config)
    assert result.trades and result.denials.get("sizing", 0) > 50
    assert result.active_scans < result.scans // 4


def test_a_cheap_pair_at_the_floor_is_proved_dead_by_its_stop_distance_like_the_replay() -> None:
    # at BNB's price a minimum lot's costs alone fit a few dollars of headroom; its ATR stop does not
    candles = {BTC: _candles()[BTC], BNB: random_walk(START - timedelta(hours=2), 16 * 60, seed=23, price=600.0,
                                                      vol=0.0015)}
    config = ScanConfig(pairs=(BTC, BNB), mode=Mode.DRYRUN, initial_balance=2_000.0,
                        emission=EmissionConfig(sizing=SizingSettings(risk_per_trade_pct=5.0)))
    result = _same(candles, config)
    assert result.trades and result.denials.get("sizing", 0) > 50
    assert result.active_scans < result.scans // 4


def test_the_kill_switch_runs_only_the_day_starts_and_denies_every_attempt_like_the_replay() -> None:
    result = _same(_candles(), ScanConfig(pairs=(BTC, ETH), mode=Mode.DRYRUN), Controls(kill_switch=True))
    assert not result.trades and result.denials.get("kill_switch", 0) > 50
    assert result.active_scans == 2  # the first scan and the first of the next Prague day


def test_a_data_gap_under_an_open_position_waits_for_the_next_candle_like_the_replay() -> None:
    candles = _candles()
    gapped = {p: o.take(np.r_[0:150, 330:len(o)]) for p, o in candles.items()}  # three hours missing
    result = _same(gapped, ScanConfig(pairs=(BTC, ETH), mode=Mode.DRYRUN, max_hold=timedelta(minutes=240)))
    assert result.trades


def test_unreadable_candles_and_flat_stretches_are_observed_like_the_scan() -> None:
    candles = _candles()
    btc = candles[BTC]
    close = btc.close.copy()
    close[200] = np.nan  # an unreadable candle: the scan withholds its windows
    flat = slice(400, 440)  # no true range: no ATR, no prediction
    for column in ("open", "high", "low"):
        getattr(btc, column)[flat] = close[400]
    close[flat] = close[400]
    candles[BTC] = Ohlcv(btc.open_time_ms, btc.open, btc.high, btc.low, close, btc.volume)
    _same(candles, ScanConfig(pairs=(BTC, ETH), mode=Mode.DRYRUN))


def test_a_bulk_view_that_disagrees_with_the_scan_stops_the_backtest(monkeypatch: pytest.MonkeyPatch) -> None:
    def wrong(probability: np.ndarray, thresholds: TierThresholds) -> np.ndarray:
        return np.full(len(probability), 3, dtype=np.int8)  # HIGH whatever was seen

    monkeypatch.setattr(observe_module, "tier_ranks", wrong)
    with pytest.raises(BacktestDivergence, match="tier state"):
        _backtest(_candles(), ScanConfig(pairs=(BTC, ETH), mode=Mode.DRYRUN), Controls())


@given(st.lists(st.floats(0.0, 1.0), max_size=50), st.sampled_from([0.0, 0.55, 0.65, 0.75, 1.0]))
def test_tier_ranks_are_tier_for_on_every_value(values: list[float], exact: float) -> None:
    thresholds = TierThresholds()
    probability = np.array([*values, exact, thresholds.low, thresholds.medium, thresholds.high])
    expected = [0 if (t := thresholds.tier_for(float(p))) is None else t.rank for p in probability]
    assert tier_ranks(probability, thresholds).tolist() == expected


@settings(max_examples=300, deadline=None)
@given(day_start=st.floats(90_000.0, 110_000.0), loss=st.floats(-0.02, 0.12), entry=st.floats(100.0, 150_000.0),
       floor=st.floats(0.0, 0.05), wider=st.floats(1.0, 3.0), long=st.booleans(), pair=st.sampled_from([BTC, BNB]))
def test_an_attempt_beyond_the_proof_is_denied_by_check_trade(day_start: float, loss: float, entry: float,
                                                             floor: float, wider: float, long: bool,
                                                             pair: Pair) -> None:
    """The proof reads a lower bound on the stop's distance: any stop at least that far is denied."""
    account = Account(initial_balance=100_000.0, balance=day_start * (1 - loss), day=Account.start(1.0, START).day,
                      day_start_balance=day_start, highest_eod_balance=max(100_000.0, day_start))
    instruments, risk = Instruments(), RiskSettings()
    beyond = unsizable_beyond(account, START, pair, risk, instruments)
    spec = instruments.spec_for(pair)
    least = MinLotStopOut.of(spec).least(entry, entry * floor)
    direction = Direction.LONG if long else Direction.SHORT
    distance = max(entry * floor * wider, entry * 1e-6)  # a stop at least the floor away, never at the entry
    stop = entry - direction.sign * distance
    check = check_trade(TradeCandidate(pair, direction, entry, stop), account, START, risk, instruments)
    if least > beyond:
        assert check.suggested_size == 0 and not check.decision.allowed
    if check.suggested_size > 0:
        assert spec.stop_out_loss(direction, entry, stop, spec.min_lots) <= beyond


@given(st.lists(st.tuples(st.floats(0.5, 2.0), st.floats(0.0, 0.02), st.floats(0.0, 1.0)), min_size=2, max_size=80),
       st.integers(1, 20))
def test_the_bulk_atr_is_wilders_atr_of_every_window(bars: list[tuple[float, float, float]], period: int) -> None:
    closes = np.cumprod([b[0] ** 0.01 for b in bars]) * 100.0
    spread = np.array([b[1] for b in bars]) * closes
    high, low = closes + spread * np.array([b[2] for b in bars]), closes - spread
    series = Ohlcv(np.arange(len(bars), dtype=np.int64) * 60_000, closes, high, low, closes, np.ones(len(bars)))
    last = np.arange(len(bars))
    for width in (period + 1, period + 7, len(bars)):
        start = np.maximum(0, last + 1 - width)
        bulk = wilder_atrs(series, start, last, period)
        for i in range(len(bars)):
            atr = wilder_atr(CandleWindow(BTC, *(getattr(series, c)[start[i]:i + 1] for c in COLUMNS)), period)
            if atr is None:
                assert np.isnan(bulk[i])
            else:  # within the float noise the stop floor's margin (1e-9) absorbs
                assert abs(bulk[i] - atr) <= 1e-12 * max(atr, 1e-300)
