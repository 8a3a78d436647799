"""The micro-lot run's figures: each live trade's entry and exit as the paper model would have
filled them against the broker's real fills, and over all of them the win rate (Wilson 95 %), the slippage
model's error (real minus expected, bps) and the acceptance gate."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

import attrs

from domain.evaluation.figures import wilson_interval
from domain.evaluation.gates import AcceptanceGate, Verdict
from domain.execution.instruments import fill_price_paying
from domain.market.candles import Direction


@attrs.frozen
class LiveTrade:
    """A closed live row of the risk book: the level it exited at (TP on a win, SL on a loss), the
    broker's exit fill and the costs the live path recorded for that fill."""

    signal_id: str
    pair: str
    direction: Direction
    won: bool
    level: float
    real_exit: float
    r_realized: float
    time_to_tp_sl_seconds: float | None
    slippage_bps: float | None
    slippage_expected_bps: float | None
    spread_bps: float | None
    latency_ms: float | None
    # the opening fill: the price the signal was decided at, the broker's fill and what it paid
    # (None on rows written before entry fills were recorded, or found again without a quote)
    entry: float | None = None
    real_entry: float | None = None
    entry_slippage_bps: float | None = None
    entry_spread_bps: float | None = None
    entry_latency_ms: float | None = None

    def __attrs_post_init__(self) -> None:
        for name in ("level", "real_exit", "entry", "real_entry"):
            value = getattr(self, name)
            if value is None and name in ("entry", "real_entry"):
                continue
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{self.signal_id}: {name} must be a finite price > 0, got {value!r}")

    @property
    def simulated_entry(self) -> float | None:
        """The paper model's opening fill at the signal's price, paying the spread met and the
        expected slippage."""
        if self.entry is None or self.entry_spread_bps is None or self.slippage_expected_bps is None:
            return None
        return fill_price_paying(self.entry, self.direction, True, self.entry_spread_bps, self.slippage_expected_bps)

    @property
    def entry_slippage_error_bps(self) -> float | None:
        if self.entry_slippage_bps is None or self.slippage_expected_bps is None:
            return None
        return self.entry_slippage_bps - self.slippage_expected_bps

    @property
    def simulated_exit(self) -> float | None:
        """The paper model's fill at the same level, paying the spread and the expected slippage."""
        if self.spread_bps is None or self.slippage_expected_bps is None:
            return None
        return fill_price_paying(self.level, self.direction, False, self.spread_bps, self.slippage_expected_bps)

    @property
    def slippage_error_bps(self) -> float | None:
        if self.slippage_bps is None or self.slippage_expected_bps is None:
            return None
        return self.slippage_bps - self.slippage_expected_bps


@attrs.frozen
class MicroLotSummary:
    trades: int
    wins: int
    win_rate: float | None
    wilson: tuple[float, float] | None
    slippage_error_mean_bps: float | None
    slippage_error_median_bps: float | None
    verdict: Verdict
    entry_slippage_error_mean_bps: float | None = None
    entry_slippage_error_median_bps: float | None = None


def summarise(trades: Sequence[LiveTrade], gate: AcceptanceGate) -> MicroLotSummary:
    wins = sum(t.won for t in trades)
    rate = wins / len(trades) if trades else None
    errors = [e for e in (t.slippage_error_bps for t in trades) if e is not None]
    entry_errors = [e for e in (t.entry_slippage_error_bps for t in trades) if e is not None]
    return MicroLotSummary(
        trades=len(trades), wins=wins, win_rate=rate, wilson=wilson_interval(wins, len(trades)),
        slippage_error_mean_bps=_mean(errors), slippage_error_median_bps=_median(errors),
        verdict=gate.check(rate, len(trades)),
        entry_slippage_error_mean_bps=_mean(entry_errors), entry_slippage_error_median_bps=_median(entry_errors))


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None
