"""Use case: backtest the runtime's rules over history.

It runs the runtime's own scan (application.runtime.scan_market.ScanMarket: the settlement of the
paper book, the tier hysteresis, evaluate_emission, the broker's fills) on the runtime's scan grid,
so a backtest and a replay of the same window agree to the cent. The speed comes from doing the
per-bar work in bulk and running the scan only where it can change the account:

- the predictor scores every bar of each series in one array pass (``BulkPredictor``), and what
  tier each scan would observe is known for all scans at once (application.backtest.observe);
- between the scans it runs, the engine carries each idle pair's tier hysteresis itself, with the
  domain's own step (application.backtest.walk.TierWalk), and hands it to the next scan it runs;
- a scan runs at the first scan and the first of each Prague day (the account rolls its day),
  where a held position's exit can be due or a mark could reach a floor, and where a pair's tier
  is confirmed for an emission, unless the guard must deny it (the kill switch, or no minimum lot
  fits the headroom): a denial changes nothing, so that scan is counted, not run;
- with the pattern adjustment on, the scan reads a pattern history (application.backtest.patterns)
  that starts empty or from ``BacktestConfig.patterns`` and counts each close at the scan that makes
  it, as the runtime's paper book does; closes happen only in scans that run, so the walk's ranks
  are brought up to date after each of those, before the next scan is looked at.

Every scan it runs checks the walk's tier state against the scan's own: a disagreement stops the
backtest (BacktestDivergence) rather than report numbers that are not the runtime's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import numpy as np

from application.backtest.driver import Progress, ScanDriver
from application.backtest.observe import Observed, observe
from application.backtest.parts import BacktestBook, SeriesPredictor, SilentNotifier
from application.backtest.patterns import PatternRanks
from application.backtest.ports import BulkPredictions, BulkPredictor, CostModel
from application.backtest.proofs import HeldPositions
from application.backtest.scoring import BulkScoring, InProcessScoring, between
from application.backtest.tiers import TierWalk
from application.backtest.trades import BacktestTrades, TradeBook
from application.data.candle_source import LoadedCandleSource
from application.runtime.loop import align_up
from application.runtime.pattern_history import PatternHistory
from application.runtime.ports import Broker
from application.runtime.scan_market import ScanConfig, ScanMarket
from application.runtime.scan_outcome import Controls
from domain.execution.instruments import Instruments
from domain.market.candles import MINUTE_MS, FloatArray, IntArray, Pair, datetime_to_ms, ms_to_datetime
from domain.market.quality import Ohlcv
from domain.risk.account import PRAGUE, trading_day
from domain.risk.sizing import MinLotStopOut
from domain.signals.patterns import PatternRecord


@attrs.frozen
class BacktestConfig:
    scan: ScanConfig
    controls: Controls = attrs.Factory(Controls)
    interval: timedelta = timedelta(minutes=2)
    latency_budget_ms: float = 500.0
    # the pattern history the run starts from (none: empty); it learns from the run's own closes
    patterns: tuple[PatternRecord, ...] = attrs.field(default=(), converter=tuple)


class BacktestEngine:
    """``broker_for`` builds the runtime's broker over the run's instruments (the paper broker), so
    fills pay the costs the guard sized for; ``timer`` reads seconds for each decision's latency."""

    def __init__(self, *, predictor: BulkPredictor, costs: CostModel, broker_for: Callable[[Instruments], Broker],
                 config: BacktestConfig, timer: Callable[[], float], scoring: BulkScoring | None = None) -> None:
        """``scoring``: where the bulk predictions are computed (application.backtest.scoring; here by default)."""
        self._predictor = predictor
        self._scoring = scoring or InProcessScoring()
        self._costs = costs
        self._broker_for = broker_for
        self._config = config
        self._timer = timer

    def run(self, candles: Mapping[Pair, Ohlcv], start: datetime, end: datetime,
            progress: Progress | None = None) -> BacktestTrades:
        cfg = self._config
        instruments = self._costs.instruments()
        scan_config = attrs.evolve(cfg.scan, emission=attrs.evolve(cfg.scan.emission, instruments=instruments))
        pairs = scan_config.pairs
        # the scan never reads further back than its window, so bars before it need no prediction
        reach = max(self._predictor.lookback, scan_config.atr_period + 1) + 1
        since, until = datetime_to_ms(start) - reach * MINUTE_MS, datetime_to_ms(end)
        series = {p: between(candles.get(p, Ohlcv.empty()), since, until) for p in pairs}
        bulk = self._scoring.score(self._predictor, series, since, until)
        source = LoadedCandleSource(lambda pair: series.get(pair, Ohlcv.empty()))
        predictor = SeriesPredictor(self._predictor.lookback, self._predictor.version,
                                    {p: (series[p].open_time_ms, bulk[p]) for p in pairs})
        history = PatternHistory(cfg.patterns)
        scan = ScanMarket(source=source, predictor=predictor, book=BacktestBook(), notifier=SilentNotifier(),
                          broker=self._broker_for(instruments), config=scan_config, timer=self._timer,
                          controls=lambda: cfg.controls, instruments=instruments, patterns=history)
        times = scan_times(start, end, cfg.interval)
        walk = self._tier_walk(series, bulk, times, scan_config, history)
        book = TradeBook(instruments, cfg.latency_budget_ms, self._costs.fills())
        driver = ScanDriver(scan, walk, HeldPositions(series, scan_config),
                            book, times, np.flatnonzero(_day_starts(times)), scan_config, instruments, series)
        report = driver.run(progress)
        final = report.state.account if report is not None else None
        result = driver.book.result(final, scans=len(times), active_scans=driver.book.scans,
                                    bars=sum(len(o) for o in series.values()))
        return driver.with_proved(result)

    def _tier_walk(self, series: Mapping[Pair, Ohlcv], bulk: Mapping[Pair, BulkPredictions], times: IntArray,
                   scan_config: ScanConfig, history: PatternHistory) -> TierWalk:
        """What each scan observes, and the walk that carries the tiers between the scans run; with
        the pattern adjustment on, its ranks follow the history the run learns."""
        thresholds, adjust = self._config.controls.thresholds, scan_config.patterns
        lift = adjust.max_shift if adjust is not None and adjust.weight > 0 else 0.0  # 0: confidence never moves
        observed = {p: observe(p, series[p], bulk[p], times, lookback=self._predictor.lookback,
                               atr_period=scan_config.atr_period, max_staleness=scan_config.max_staleness,
                               thresholds=thresholds, stop_atr_multiple=scan_config.stop_atr_multiple,
                               pattern_reach=lift)
                    for p in scan_config.pairs}
        ranks = PatternRanks(observed, history, adjust, thresholds) if adjust is not None and lift > 0 else None
        instruments = scan_config.emission.instruments
        return TierWalk(observed, scan_config.hysteresis, least_stop_outs(observed, instruments), ranks)


def least_stop_outs(observed: Mapping[Pair, Observed], instruments: Instruments) -> dict[Pair, FloatArray]:
    """Per pair and scan: the least a minimum-lot stop-out of the signal observed there can lose
    (its entry, its stop at least the observed floor away); infinite for a pair without a spec,
    which check_trade never sizes. NaN where no entry is known."""
    out = {}
    for pair, seen in observed.items():
        spec = instruments.find(pair)
        out[pair] = (MinLotStopOut.of(spec).least(seen.entries, seen.stop_floors) if spec is not None
                     else np.where(np.isnan(seen.entries), np.nan, np.inf))
    return out


def scan_times(start: datetime, end: datetime, interval: timedelta) -> IntArray:
    """The runtime's scan grid (application.runtime.loop): aligned on the interval, both ends included."""
    first = datetime_to_ms(align_up(start, interval))
    step = int(interval.total_seconds() * 1000)
    last = datetime_to_ms(end)
    return np.arange(first, last + 1, step, dtype=np.int64) if last >= first else np.empty(0, dtype=np.int64)


def _day_starts(times: IntArray) -> np.ndarray:
    """The first scan, and the first scan of each Prague day: the account rolls its day there."""
    forced = np.zeros(len(times), dtype=bool)
    if not len(times):
        return forced
    forced[0] = True
    zone = ZoneInfo(PRAGUE)
    day = trading_day(ms_to_datetime(int(times[0])))
    last = trading_day(ms_to_datetime(int(times[-1])))
    while day < last:
        day += timedelta(days=1)
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
        i = int(np.searchsorted(times, datetime_to_ms(midnight)))
        if i < len(times):
            forced[i] = True
    return forced
