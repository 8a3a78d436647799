"""Use case: backtest the runtime's rules over history.

It runs the runtime's own scan (application.runtime.scan_market.ScanMarket: the settlement of the
paper book, the tier hysteresis, evaluate_emission, the broker's fills) on the runtime's scan grid,
so a backtest and a replay of the same window agree to the cent. The speed comes from two things:

- the predictor scores every bar of each series in one array pass (``BulkPredictor``), and the
  scan looks its answers up;
- scans where nothing can change are not run. A scan is skipped only when it provably equals a
  no-op: it is not the first scan nor the first of a Prague day (the account rolls its day there),
  and every pair is either idle (nothing at or above the lowest tier, its hysteresis at rest) or
  holds a position whose exit is not yet due, with equity unable to reach a floor before then
  (every position marked at its own stop still clears every floor; a close beyond the stop would
  have touched it, making the exit due).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import numpy as np

from application.backtest.parts import BacktestBook, SeriesPredictor, SilentNotifier
from application.backtest.ports import BulkPredictions, BulkPredictor, CostModel
from application.backtest.trades import BacktestTrades, TradeBook
from application.data.candle_source import LoadedCandleSource
from application.runtime.loop import align_up
from application.runtime.ports import Broker
from application.runtime.scan_market import Controls, ScanConfig, ScanMarket, ScanReport
from domain.execution.instruments import Instruments
from domain.execution.paper import find_exit
from domain.market.candles import MINUTE_MS, IntArray, Pair, datetime_to_ms, ms_to_datetime
from domain.market.quality import Ohlcv
from domain.risk import Position, account_status, mark_to_market
from domain.risk.account import PRAGUE, trading_day
from domain.signals.confidence import PairTier

Progress = Callable[[int, int], None]


@attrs.frozen
class BacktestConfig:
    scan: ScanConfig
    controls: Controls = attrs.Factory(Controls)
    interval: timedelta = timedelta(minutes=2)
    latency_budget_ms: float = 500.0


class BacktestEngine:
    """``broker_for`` builds the runtime's broker over the run's instruments (the paper broker), so
    fills pay the costs the guard sized for; ``timer`` reads seconds for each decision's latency."""

    def __init__(self, *, predictor: BulkPredictor, costs: CostModel, broker_for: Callable[[Instruments], Broker],
                 config: BacktestConfig, timer: Callable[[], float]) -> None:
        self._predictor = predictor
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
        series = {p: _between(candles.get(p, Ohlcv.empty()), since, until) for p in pairs}
        bulk = {p: self._predictor.predict_many(o.open_time_ms, o.close) for p, o in series.items()}
        source = LoadedCandleSource(lambda pair: series.get(pair, Ohlcv.empty()))
        predictor = SeriesPredictor(self._predictor.lookback, self._predictor.version,
                                    {p: (series[p].open_time_ms, bulk[p]) for p in pairs})
        scan = ScanMarket(source=source, predictor=predictor, book=BacktestBook(), notifier=SilentNotifier(),
                          broker=self._broker_for(instruments), config=scan_config, timer=self._timer,
                          controls=lambda: cfg.controls, instruments=instruments)
        times = scan_times(start, end, cfg.interval)
        wanted = {p: _candidates(series[p].open_time_ms, bulk[p], times, cfg.controls.thresholds.low,
                                 scan_config.max_staleness) for p in pairs}
        forced = _day_starts(times)
        book = TradeBook(instruments, cfg.latency_budget_ms)
        skipper = _Skipper(series, scan_config)
        report: ScanReport | None = None
        for k, at_ms in enumerate(times.tolist()):
            if progress is not None and k % 4096 == 0:
                progress(k, len(times))
            if not forced[k] and skipper.can_skip(report, at_ms, {p: bool(wanted[p][k]) for p in pairs}):
                continue
            report = scan.scan(ms_to_datetime(at_ms))
            book.add(report)
            skipper.after(report)
        if progress is not None:
            progress(len(times), len(times))
        final = report.state.account if report is not None else None
        return book.result(final, scans=len(times), active_scans=book.scans,
                           bars=sum(len(o) for o in series.values()))


def _between(ohlcv: Ohlcv, since_ms: int, until_ms: int) -> Ohlcv:
    lo, hi = np.searchsorted(ohlcv.open_time_ms, [since_ms, until_ms], side="left")
    return ohlcv.take(slice(int(lo), int(hi)))


def scan_times(start: datetime, end: datetime, interval: timedelta) -> IntArray:
    """The runtime's scan grid (application.runtime.loop): aligned on the interval, both ends included."""
    first = datetime_to_ms(align_up(start, interval))
    step = int(interval.total_seconds() * 1000)
    last = datetime_to_ms(end)
    return np.arange(first, last + 1, step, dtype=np.int64) if last >= first else np.empty(0, dtype=np.int64)


def _candidates(open_time_ms: IntArray, bulk: BulkPredictions, times: IntArray, low: float,
                staleness: timedelta) -> np.ndarray:
    """Per scan: would the scan see a tier at all? A fresh last candle whose prediction reaches the
    lowest threshold. Anything else is observed as no tier, whatever the reason."""
    if len(open_time_ms) == 0:
        return np.zeros(len(times), dtype=bool)
    last = np.searchsorted(open_time_ms, times - MINUTE_MS, side="right") - 1
    safe = np.clip(last, 0, None)
    fresh = (last >= 0) & (times - (open_time_ms[safe] + MINUTE_MS) <= staleness.total_seconds() * 1000)
    probability = np.where(fresh, bulk.probability[safe], np.nan)
    with np.errstate(invalid="ignore"):
        return fresh & (probability >= low)


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


class _Skipper:
    """Decides which scans are no-ops (module docstring), from the last report's state."""

    def __init__(self, series: Mapping[Pair, Ohlcv], config: ScanConfig) -> None:
        self._series = series
        self._config = config
        self._due: dict[str, int] = {}
        self._floor_safe = True

    def after(self, report: ScanReport) -> None:
        positions = report.state.account.positions
        self._due = {p.position_id: self._due.get(p.position_id) or self._exit_due(p) for p in positions}
        self._floor_safe = not positions or self._stops_clear_floors(report)

    def can_skip(self, report: ScanReport | None, at_ms: int, wanted: Mapping[Pair, bool]) -> bool:
        if report is None:
            return False
        state = report.state
        held = {p.pair for p in state.account.positions}
        for pair in self._config.pairs:
            if pair not in held and (wanted[pair] or state.tiers.get(pair) != PairTier()):
                return False
        # a held position may be left alone until its exit is due, if no mark before then can reach a floor
        return not held or (self._floor_safe and all(due > at_ms for due in self._due.values()))

    def _exit_due(self, position: Position) -> int:
        """When the runtime's settlement can first find an exit: the close of the first candle
        touching a level within the holding time, else the deadline."""
        max_hold = self._config.max_hold
        deadline = position.opened_at + max_hold
        minutes = int(max_hold / timedelta(minutes=1)) + 1
        window = self._series[position.pair].closed_window(position.pair, datetime_to_ms(deadline), minutes)
        found = find_exit(position, window, max_hold)
        at = found.at if found is not None and found.at < deadline else deadline
        return datetime_to_ms(at)

    def _stops_clear_floors(self, report: ScanReport) -> bool:
        account = report.state.account
        if any(p.stop is None for p in account.positions):
            return False
        worst = mark_to_market(account, {p.pair: float(p.stop or 0.0) for p in account.positions}, report.at)
        return not account_status(worst, report.at, self._config.emission.risk).must_close
