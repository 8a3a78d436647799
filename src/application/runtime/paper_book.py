"""Use case: settle the paper account's open trades at market time ``now``.

Every scan first closes the trades whose take-profit, stop or holding time was reached since the
last scan, then marks the rest to market and, when equity has crossed a floor, closes them all
(blocking new signals is not enough once a floor is crossed). Each close is an order to the
broker, whose fill is booked into the account; it is written with the guard state it produced in
one unit of work. A close the broker refuses, or that cannot be written, is left open in memory
and found again on the next scan, because exits are a pure function of the candles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import ParamSpec

import attrs

from application.brokers.values import AccountInfo
from application.data.ports import CandleSource
from application.runtime.pattern_history import RunPatterns
from application.runtime.ports import Broker, RiskBookUnitOfWork
from domain.execution.fills import Fill, RejectCode, Rejection
from domain.execution.instruments import Instruments
from domain.execution.paper import ExitReason, PaperClose, PaperExit, book_close, find_exit
from domain.market.candles import Pair
from domain.risk import Position, RiskSettings, account_status, mark_to_market
from domain.risk.account import day_opened_at, rebase_day_start, sync_with_broker
from domain.risk.emission import GuardState, record_outcome, with_account
from domain.risk.trade_check import AccountStatus
from domain.stats.outcomes import Result, TradeOutcome

_P = ParamSpec("_P")


@attrs.frozen
class ClosedTrade:
    close: PaperClose
    outcome: TradeOutcome
    error: str | None = None  # the unit of work failed: the trade stays open until it succeeds
    pattern_error: str | None = None  # closed and recorded, but its pattern's outcome was not counted


@attrs.frozen
class RefusedClose:
    """The broker refused the close or could not be asked: the trade stays open, tried again next scan."""

    position: Position
    exit: PaperExit
    reason: str


@attrs.frozen
class Settlement:
    state: GuardState
    closed: tuple[ClosedTrade, ...]
    status: AccountStatus
    problems: tuple[str, ...] = ()  # candles of open positions that could not be read: equity is not known
    refused: tuple[RefusedClose, ...] = ()


class PaperBook:
    def __init__(self, *, source: CandleSource, book: RiskBookUnitOfWork, broker: Broker, instruments: Instruments,
                 risk: RiskSettings, max_hold: timedelta, patterns: RunPatterns | None = None,
                 account: Callable[[], AccountInfo] | None = None,
                 day_start: Callable[[datetime, datetime], float] | None = None) -> None:
        """``account`` (live): the broker's account, whose balance and equity the guard then reads;
        ``day_start(at, now)`` (live): the broker's balance at ``at``, read once a day for the
        balance at the Prague midnight that opened it (application.brokers.day_start)."""
        self._source = source
        self._account = account
        self._day_start = day_start
        self._day_read: date | None = None  # the day whose opening balance was read from the broker
        self._book = book
        self._broker = broker
        self._instruments = instruments
        self._risk = risk
        self._max_hold = max_hold
        self._patterns = patterns

    def settle(self, state: GuardState, now: datetime) -> Settlement:
        problems: list[str] = []
        exits = sorted((e for e in (self._exit(p, now, problems) for p in state.account.positions) if e is not None),
                       key=lambda e: (e.at, e.position_id))
        closed: list[ClosedTrade] = []
        refused: list[RefusedClose] = []
        state = self._close_all(state, exits, closed, refused)
        marks = self._marks(state.account.positions, now, problems)
        state = with_account(state, mark_to_market(state.account, marks, now))
        state = self._synced(state, now, problems)
        status = account_status(state.account, now, self._risk)
        if status.must_close and state.account.positions:
            floor_exits = [PaperExit(p.position_id, ExitReason.FLOOR, now, p.mark) for p in state.account.positions]
            state = self._close_all(state, floor_exits, closed, refused)
            status = account_status(state.account, now, self._risk)
        return Settlement(state, tuple(closed), status, tuple(dict.fromkeys(problems)), tuple(refused))

    def _synced(self, state: GuardState, now: datetime, problems: list[str]) -> GuardState:
        """Live: the broker's balance and equity replace the book's. An account that cannot be read
        leaves the equity unknown: a problem, so nothing is emitted until it is read again."""
        if self._account is None:
            return state
        try:
            info = self._account()
            state = with_account(state, sync_with_broker(state.account, info.balance, info.equity))
        except Exception as exc:
            problems.append(f"the broker's account cannot be read: {type(exc).__name__}: {exc}")
            return state
        return self._day_opened(state, now, problems)

    def _day_opened(self, state: GuardState, now: datetime, problems: list[str]) -> GuardState:
        """Live, once a day: the day-start balance the daily floor rests on is the broker's balance
        at the day's opening midnight, not the book's guess. Unreadable, the floor is not known:
        a problem, so nothing is emitted until it is read."""
        account = state.account
        if self._day_start is None or self._day_read == account.day:
            return state
        try:
            balance = self._day_start(day_opened_at(account.day, account.timezone), now)
            state = with_account(state, rebase_day_start(account, balance))
        except Exception as exc:
            problems.append(f"the broker's balance at the start of {account.day} cannot be read: "
                            f"{type(exc).__name__}: {exc}")
            return state
        self._day_read = account.day
        return state

    def close_now(self, state: GuardState,
                  exits: Sequence[PaperExit]) -> tuple[GuardState, tuple[ClosedTrade, ...], tuple[RefusedClose, ...]]:
        """Close ``exits`` through the broker as a scan would (reconciliation: positions the broker
        already closed, whose closing execution it answers again)."""
        closed: list[ClosedTrade] = []
        refused: list[RefusedClose] = []
        state = self._close_all(state, exits, closed, refused)
        return state, tuple(closed), tuple(refused)

    def _exit(self, position: Position, now: datetime, problems: list[str]) -> PaperExit | None:
        deadline = position.opened_at + self._max_hold
        minutes = int(self._max_hold / timedelta(minutes=1)) + 1
        windows = [self._source.window(position.pair, min(now, deadline), minutes)]
        if now > deadline:
            # the candles up to the deadline may be missing (a data gap): close at the first price after it
            windows.append(self._source.window(position.pair, now, 1))
        for window in windows:
            # an unreadable candle could hide a stop: wait for readable ones rather than guess
            if bad := window.problems():
                problems.extend(bad)
                return None
            if found := find_exit(position, window, self._max_hold):
                return found
        return None

    def _marks(self, positions: Sequence[Position], now: datetime, problems: list[str]) -> dict[Pair, float]:
        marks: dict[Pair, float] = {}
        for pair in {p.pair for p in positions}:
            window = self._source.window(pair, now, 1)
            if bad := window.problems():
                problems.extend(bad)  # the position keeps its last good mark
            elif len(window):
                marks[pair] = float(window.close[-1])
        return marks

    def _close_all(self, state: GuardState, exits: Sequence[PaperExit], closed: list[ClosedTrade],
                   refused: list[RefusedClose]) -> GuardState:
        """Close each exit through the broker; returns the state after those that were filled and
        written, appending every close to ``closed`` and every refusal to ``refused``."""
        for paper_exit in exits:
            position = state.account.position(paper_exit.position_id)
            fill = ask_broker(self._broker.close, position, paper_exit)
            if isinstance(fill, Rejection):
                refused.append(RefusedClose(position, paper_exit, fill.reason))
                continue
            spec = self._instruments.spec_for(position.pair)
            close = book_close(state.account, paper_exit, fill, spec)
            outcome = _outcome(close, fill, spec.slippage_p90_bps)
            after = record_outcome(with_account(state, close.account), fill.at, close.pnl)
            try:
                first = self._book.record_outcome(outcome, after)
            except Exception as exc:  # the store is down: keep the trade open and try again next scan
                closed.append(ClosedTrade(close, outcome, f"{type(exc).__name__}: {exc}"))
                continue
            state = after
            closed.append(ClosedTrade(close, outcome, pattern_error=self._count(position, outcome, first)))
        return state

    def _count(self, position: Position, outcome: TradeOutcome, first: bool) -> str | None:
        """Count the outcome in the position's pattern (RunPatterns.count_close: once per closed
        row). A failure cannot be retried (the row is closed): it is reported, and that pattern's
        history misses one outcome."""
        if self._patterns is None or position.pattern is None:
            return None
        try:
            self._patterns.count_close(position.pattern, outcome.result is Result.WIN, outcome.exit_time, first)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        return None


def ask_broker(order: Callable[_P, Fill | Rejection], *args: _P.args, **kwargs: _P.kwargs) -> Fill | Rejection:
    """Place ``order``; a broker that cannot be asked (network, SDK error) answers as a refusal
    (``RejectCode.UNANSWERED``: it may have been filled all the same), so the runtime logs it and
    goes on instead of losing the scan."""
    try:
        return order(*args, **kwargs)
    except Exception as exc:
        return Rejection(f"{type(exc).__name__}: {exc}", RejectCode.UNANSWERED)


def _outcome(close: PaperClose, fill: Fill, slippage_expected_bps: float) -> TradeOutcome:
    held = fill.at - close.position.opened_at  # when the broker closed it (a paper fill: at the exit itself)
    return TradeOutcome(
        signal_id=close.position.position_id,
        result=Result.WIN if close.pnl > 0 else Result.LOSS,
        exit_time=fill.at,
        exit_price=close.fill,
        r_realized=close.r_multiple,
        time_to_tp_sl_seconds=held.total_seconds(),
        # the costs the broker reports against the p90 the guard sized for (paper pays exactly those)
        slippage_bps=fill.slippage_bps,
        slippage_expected_bps=slippage_expected_bps,
        spread_bps=fill.spread_bps,
        latency_ms=fill.latency_ms,  # the closing order's round trip at a live broker
    )
