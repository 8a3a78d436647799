"""The micro-lot run's figures: each live trade's exit as the paper model would have filled it
against the broker's real fill, and over all of them the win rate (Wilson 95 %), the slippage
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

    def __attrs_post_init__(self) -> None:
        for name in ("level", "real_exit"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{self.signal_id}: {name} must be a finite price > 0, got {value!r}")

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


def summarise(trades: Sequence[LiveTrade], gate: AcceptanceGate) -> MicroLotSummary:
    wins = sum(t.won for t in trades)
    rate = wins / len(trades) if trades else None
    errors = [e for e in (t.slippage_error_bps for t in trades) if e is not None]
    return MicroLotSummary(
        trades=len(trades), wins=wins, win_rate=rate, wilson=wilson_interval(wins, len(trades)),
        slippage_error_mean_bps=statistics.fmean(errors) if errors else None,
        slippage_error_median_bps=statistics.median(errors) if errors else None,
        verdict=gate.check(rate, len(trades)))
