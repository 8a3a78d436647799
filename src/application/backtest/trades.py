"""The backtest's record: each trade as the runtime's scan emitted and settled it, with the
latency SLA applied on top.

The latency SLA: a signal whose decision took longer than the budget would have reached the market
late, so its entry is degraded by the p90 slippage of its pair in the session open at the signal
(from the execution model the fills draw from; the instrument's p90 where none was measured). The
penalty is applied to the record, not to the run: the account the guard watched is the one the
runtime would have had, which keeps the backtest equal to a replay; the summary shows the P/L with
and without it.

For the evaluation (domain.evaluation) each trade also records the sessions open at its signal
(``session``: their names joined by "+", e.g. "london+new_york", or "off_hours"), the horizon of
the prediction it came from, and whether the price moved the called way over that horizon
(``direction_right``: filled after the run from the candles, application.backtest.outcomes).
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from application.runtime.paper_book import ClosedTrade
from application.runtime.scan_market import ScanReport
from application.runtime.scan_outcome import Status
from domain.evaluation.trades import sessions_at
from domain.execution.instruments import BPS, Instruments
from domain.execution.sampling import FillCosts
from domain.risk.account import Account
from domain.signals.signal import Signal

SESSION_SEPARATOR = "+"


@attrs.frozen
class Trade:
    signal_id: str
    pair: str
    direction: str
    tier: str
    confidence: float
    signal_at: str
    entry: float  # the signal's entry, before costs
    entry_fill: float
    lots: float
    stop: float
    take_profit: float
    exit_reason: str
    exit_at: str
    exit_fill: float
    pnl: float
    r_multiple: float
    latency_ms: float
    late: bool
    pnl_penalised: float
    session: str = ""
    horizon_minutes: int | None = None
    direction_right: bool | None = None  # None until labelled, or when the horizon's candle is missing
    pattern: str = ""  # the name of the pattern it was emitted under (domain.signals.pattern_key); "" for none

    @property
    def sessions(self) -> tuple[str, ...]:
        return tuple(self.session.split(SESSION_SEPARATOR)) if self.session else ()


@attrs.frozen
class BacktestTrades:
    trades: tuple[Trade, ...]
    open_signals: tuple[str, ...]  # emitted, still open when the window ended
    statuses: dict[str, int]  # outcomes of the scans actually run
    denials: dict[str, int]
    final_balance: float | None
    scans: int
    active_scans: int
    bars: int


class TradeBook:
    def __init__(self, instruments: Instruments, latency_budget_ms: float, fills: FillCosts | None = None) -> None:
        if not latency_budget_ms >= 0:
            raise ValueError(f"latency budget must be >= 0 ms, got {latency_budget_ms!r}")
        self._instruments = instruments
        self._fills = fills or FillCosts()
        self._budget = latency_budget_ms
        self._emitted: dict[str, tuple[Signal, float, int | None]] = {}
        self._closed: list[Trade] = []
        self._statuses: dict[str, int] = {}
        self._denials: dict[str, int] = {}
        self.scans = 0

    def add(self, report: ScanReport) -> None:
        self.scans += 1
        for outcome in report.pairs:
            _count(self._statuses, outcome.status.value)
            for rule in outcome.rules:
                _count(self._denials, str(rule))
            if outcome.status is Status.EMITTED and outcome.signal is not None:
                horizon = outcome.prediction.horizon_minutes if outcome.prediction is not None else None
                self._emitted[outcome.signal.signal_id] = (outcome.signal, outcome.latency_ms, horizon)
        for closed in report.closed:
            if closed.error is None:
                self._closed.append(self._trade(closed))

    def result(self, account: Account | None, *, scans: int, active_scans: int, bars: int) -> BacktestTrades:
        done = {t.signal_id for t in self._closed}
        still_open = tuple(s for s in self._emitted if s not in done)
        return BacktestTrades(tuple(self._closed), still_open, dict(self._statuses), dict(self._denials),
                              account.balance if account is not None else None, scans, active_scans, bars)

    def _trade(self, closed: ClosedTrade) -> Trade:
        position, close = closed.close.position, closed.close
        signal, latency, horizon = self._emitted[position.position_id]
        late = latency > self._budget
        spec = self._instruments.spec_for(position.pair)
        # a late entry fills the session's p90 slippage further against the trade: that much less P/L per unit
        slippage = self._fills.p90_slippage_bps(spec, position.pair, signal.created_at)
        penalty = position.entry * slippage / BPS * position.units if late else 0.0
        return Trade(
            signal_id=signal.signal_id, pair=signal.pair.symbol, direction=signal.direction.value,
            tier=signal.tier.value, confidence=signal.confidence, signal_at=signal.created_at.isoformat(),
            entry=signal.entry, entry_fill=position.entry, lots=position.lots, stop=signal.stop_loss,
            take_profit=signal.take_profit, exit_reason=close.exit.reason.value, exit_at=close.exit.at.isoformat(),
            exit_fill=close.fill, pnl=close.pnl, r_multiple=close.r_multiple, latency_ms=latency, late=late,
            pnl_penalised=close.pnl - penalty, session=SESSION_SEPARATOR.join(sessions_at(signal.created_at)),
            horizon_minutes=horizon, pattern=signal.pattern.name if signal.pattern else "",
        )


def summarise(result: BacktestTrades, initial_balance: float) -> dict[str, object]:
    """The figures a trader reads first; money rounded to the cent."""
    trades = result.trades
    pnl = sum(t.pnl for t in trades)
    penalised = sum(t.pnl_penalised for t in trades)
    wins = sum(1 for t in trades if t.pnl > 0)
    return {
        "trades": len(trades),
        "wins": wins,
        "losses": len(trades) - wins,
        "win_rate": round(wins / len(trades), 4) if trades else None,
        "pnl": round(pnl, 2),
        "pnl_with_latency_penalty": round(penalised, 2),
        "late_signals": sum(1 for t in trades if t.late),
        "return_pct": round(100 * pnl / initial_balance, 4),
        "max_drawdown": round(_max_drawdown(t.pnl for t in trades), 2),
        "final_balance": None if result.final_balance is None else round(result.final_balance, 2),
        "exits": _tally(t.exit_reason for t in trades),
        "by_pair": {p: round(sum(t.pnl for t in trades if t.pair == p), 2) for p in sorted({t.pair for t in trades})},
        "open_at_end": len(result.open_signals),
        "statuses": result.statuses,
        "denials": result.denials,
        "bars": result.bars,
        "scans": result.scans,
        "active_scans": result.active_scans,
    }


def _max_drawdown(pnls: Iterable[float]) -> float:
    peak = equity = worst = 0.0
    for pnl in pnls:
        equity += pnl
        peak = max(peak, equity)
        worst = max(worst, peak - equity)
    return worst


def _tally(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        _count(counts, value)
    return counts


def _count(counts: dict[str, int], key: str) -> None:
    counts[key] = counts.get(key, 0) + 1
