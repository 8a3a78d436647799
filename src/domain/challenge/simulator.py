"""FTMO challenge attempts run side by side: one numpy array per account figure, one element per
attempt, stepped through the attempts' days and, inside a day, their events together.

Each attempt applies the ruleset as the guard does, with its functions (domain.risk.rules):

- floors: ``floor_levels`` from the balance at the last Prague midnight (day one: the initial
  balance) and, for 1-Step, the highest end-of-day balance; breaches with ``falls_below``.
- the plan's internal floors decide which trades are taken: a trade is not taken when its
  stop-out (1R) on top of every open trade's stop-out would take equity below an internal floor
  (``check_trade``'s denial; the simulator cannot shrink a recorded trade, so it skips it).
- equity inside a day is unknown from closed trades: the worst case is assumed, every open trade
  at its worst excursion at once (``Timeline.worst``). A hard floor is checked on that whenever a
  trade opens and at every Prague midnight passed with trades open; closing a trade only moves
  equity up from that worst case.
- the target (``target_balance``) counts only when no trade is open, with at least the minimum
  trading days (a day counts when a trade is opened on it) and, for 1-Step, the best-day rule
  (``best_day_met``): missing it is not a failure, the attempt goes on.
- 2-Step: passing phase 1 leads to verification, a new account of the same size from the next
  Prague midnight, with its own trading days; the attempt passes when verification does.
- an attempt has stopped when, with nothing open, even the smallest trade's stop-out would take
  equity below the internal total floor: the guard takes no trade there again (that floor never
  comes down and the balance cannot move without a trade). Reaching the floor
  (``at_or_below``) is the plainest case.

Common events (a trade opens or closes) are applied to every running attempt at once; rare ones
(a target, a breach) to the few attempts they concern.
"""

from __future__ import annotations

from enum import IntEnum

import attrs
import numpy as np

from domain.challenge.attempts import Attempts
from domain.challenge.days import (
    BoolArray,
    Carry,
    DayEvents,
    DayTable,
    columns,
    day_events,
    landings,
    next_carry,
)
from domain.challenge.trades import FloatArray, IntArray, Timeline
from domain.risk.rules import RiskSettings, best_day_met, falls_below, floor_levels, target_balance


class Outcome(IntEnum):
    UNFINISHED = 0  # the trades ran out first: FTMO has no time limit, so no verdict
    PASSED = 1
    FAILED = 2  # an FTMO floor was breached
    STOPPED = 3  # the plan's internal total floor leaves no trade takeable again


class Where(IntEnum):
    TRADE_OPEN = 0
    MIDNIGHT = 1
    TRADE_CLOSE = 2


# breach rules as bits, so one breach can name both hard floors
DAILY, MAX_LOSS, INTERNAL_TOTAL = 1, 2, 4


def two_phases(settings: RiskSettings) -> bool:
    """2-Step: a verification phase follows phase 1 (one profit target per phase)."""
    return len(settings.ruleset.profit_targets_pct) > 1


@attrs.frozen(eq=False)
class Outcomes:
    """Per attempt: how it ended. ``day`` is the attempt's day it ended on (0-based; its last day
    when unfinished); ``phase`` the phase it ended in (0: phase 1, 1: verification);
    ``phase1_day`` the day phase 1 was passed (-1: never). ``equity`` is the balance it ended
    with, or the worst-case equity at a breach. ``rules``, ``where``, ``floor``, ``trade`` (a
    timeline index) and ``trade_day`` (the attempt's day that trade opened on) describe a breach
    or a stop; ``denied`` counts the trades the internal floors kept the attempt from taking."""

    outcome: IntArray
    day: IntArray
    phase: IntArray
    phase1_day: IntArray
    equity: FloatArray
    denied: IntArray
    rules: IntArray
    where: IntArray
    floor: FloatArray
    trade: IntArray
    trade_day: IntArray

    @classmethod
    def blank(cls, attempts: Attempts, initial: float) -> Outcomes:
        n = attempts.count

        def ints(value: int = 0) -> IntArray:
            return np.full(n, value, np.int64)

        return cls(ints(), attempts.span - 1, ints(), ints(-1), np.full(n, initial, np.float64), ints(), ints(),
                   ints(), np.zeros(n, np.float64), ints(-1), ints())


# the per-attempt arrays of a run, reordered together (each day, busiest attempts first) and sliced when
# ended attempts are dropped
_ROW_FIELDS = ("ids", "span", "live", "active", "waiting", "phase", "balance", "open_risk", "open_worst", "n_open",
               "traded_today", "traded_days", "day_start", "highest", "best", "internal", "internal_total",
               "hard", "denied")


def _breach_on_open_possible(line: Timeline, settings: RiskSettings) -> bool:
    """Whether opening a trade can ever breach a hard floor. The guard lets a trade open only when
    every open trade's stop-out, this one's included, leaves equity at or above the higher internal
    floor, which lies above the higher hard floor. So only a trade whose worst case is beyond its
    stop-out (a realised loss past 1R) can take the worst-case equity below a hard floor; without
    one, and with the buffers strictly inside the limits (no float tie), the check is skipped."""
    ruleset, internal = settings.ruleset, settings.internal
    margin = min(ruleset.daily_loss_pct - internal.daily_loss_pct, ruleset.max_loss_pct - internal.total_loss_pct)
    return bool(margin <= 0 or np.any(line.worst < -line.risk))


class _Run:
    def __init__(self, attempts: Attempts, line: Timeline, settings: RiskSettings, initial: float) -> None:
        n = attempts.count
        self.attempts, self.line, self.settings, self.initial = attempts, line, settings, float(initial)
        self.table = DayTable.of(line)
        self.pnl, self.risk, self.worst = line.pnl, line.risk, line.worst
        self.min_risk = float(line.risk.min())
        self.breach_on_open = _breach_on_open_possible(line, settings)
        self.targets = np.array([target_balance(self.initial, t) for t in settings.ruleset.profit_targets_pct])
        self.two_phases = two_phases(settings)
        self.out = Outcomes.blank(attempts, self.initial)
        self.carry = Carry.empty(n)
        self.ids, self.span = np.arange(n), attempts.span.copy()
        self.live, self.active = np.ones(n, bool), np.ones(n, bool)
        self.waiting, self.traded_today = np.zeros(n, bool), np.zeros(n, bool)
        self.phase, self.n_open, self.traded_days, self.denied = (np.zeros(n, np.int64) for _ in range(4))
        self.balance, self.day_start, self.highest = (np.full(n, self.initial) for _ in range(3))
        self.best, self.open_risk, self.open_worst = (np.zeros(n) for _ in range(3))
        self.internal, self.internal_total, self.hard = (np.zeros(n) for _ in range(3))
        self._refloor()

    def run(self) -> Outcomes:
        last = self.attempts.days.shape[1]
        day = 0
        while self._compact() and (day < last or self.carry.valid.any()):
            if day:
                self._midnight(day)
            self._day(day, self.attempts.days[self.ids, day] if day < last else np.full(len(self.ids), -1))
            day += 1
        self._compact()
        self.out.equity[self.ids] = self.balance
        self.out.phase[self.ids] = self.phase
        return self.out

    def _day(self, day: int, blocks: IntArray) -> None:
        column = columns(self.table, blocks)
        order = np.argsort(-self.table.length[column], kind="stable")
        self._reorder(order)
        column = column[order]
        busy = int(np.count_nonzero(self.table.length[column]))
        events = day_events(self.table, column[:busy])
        landed = landings(self.table, column, day, self.carry).groups()
        taken = np.zeros((events.count, busy), bool)
        for e in range(events.count + 1):
            for rows, trade, opened in landed.get(e, ()):
                self._carried_close(rows, trade, opened, day)
            if e < events.count:
                self._step(events, taken, e, day)
        self.carry = next_carry(self.line, events, taken, day, self.carry)

    def _compact(self) -> bool:
        """Drop the attempts that have ended; False when none is left."""
        self.out.denied[self.ids] = self.denied
        if not self.live.all():
            self._reorder(np.flatnonzero(self.live))
        return len(self.ids) > 0

    def _reorder(self, rows: IntArray) -> None:
        for name in _ROW_FIELDS:
            setattr(self, name, getattr(self, name)[rows])
        self.carry = self.carry.rows(rows)

    def _step(self, events: DayEvents, taken: BoolArray, e: int, day: int) -> None:
        """Event ``e`` for the first ``width[e]`` attempts, the ones that have it (views, updated in place)."""
        m = int(events.width[e])
        trade, active = events.trade[e, :m], self.active[:m]
        balance, open_risk, open_worst, n_open = (a[:m] for a in (self.balance, self.open_risk, self.open_worst,
                                                                   self.n_open))
        opening = events.opening[e, :m] & active
        risk, worst = self.risk.take(trade), self.worst.take(trade)
        room = balance - open_risk
        room -= risk
        # in place where a temporary would do: this runs once per event for every attempt
        ok = ~falls_below(room, self.internal[:m])
        ok &= opening
        taken[e, :m] = ok
        done = events.closing[e, :m] & active
        done &= taken.take(events.held[e, :m])
        self.denied[:m] += opening ^ ok
        change = np.subtract(ok, done, dtype=np.float64)
        risk *= change
        open_risk += risk
        worst *= change
        open_worst += worst
        n_open += ok
        n_open -= done
        pnl = self.pnl.take(trade)
        pnl *= done
        balance += pnl
        self.traded_today[:m] |= ok
        if self.breach_on_open and ok.any():
            self._open_breach(ok, events, e, day)
        flat = np.flatnonzero(done & (n_open == 0))
        if len(flat):
            self._flat(flat, trade[flat], np.full(len(flat), day), day)

    def _carried_close(self, rows: IntArray, trade: IntArray, opened: IntArray, day: int) -> None:
        """Trades taken on an earlier day close (at most one per attempt in ``rows``)."""
        keep = self.active[rows]
        rows, trade, opened = rows[keep], trade[keep], opened[keep]
        self.balance[rows] += self.pnl[trade]
        self.open_risk[rows] -= self.risk[trade]
        self.open_worst[rows] -= self.worst[trade]
        self.n_open[rows] -= 1
        flat = self.n_open[rows] == 0
        if flat.any():
            self._flat(rows[flat], trade[flat], opened[flat], day)

    def _refloor(self) -> None:
        levels = floor_levels(self.initial, self.day_start, self.highest, self.settings)
        self.internal = np.maximum(levels.internal_daily, levels.internal_total)
        self.internal_total = levels.internal_total
        self.hard = np.maximum(levels.daily, levels.total)

    def _midnight(self, day: int) -> None:
        """The balance at the midnight starts the new day (roll_to's rule); an attempt that passed
        phase 1 starts verification."""
        carry = ~self.waiting
        self.best = np.where(carry, np.maximum(self.best, self.balance - self.day_start), self.best)
        self.day_start = np.where(carry, self.balance, self.day_start)
        self.highest = np.where(carry, np.maximum(self.highest, self.balance), self.highest)
        # a trading day counts once, whatever was opened on it
        self.traded_days += self.traded_today
        self.traded_today[:] = False
        # verification starts at this midnight, if the attempt still has a day to trade it in
        starting = self.waiting & (day < self.span)
        if starting.any():
            self._verification(np.flatnonzero(starting))
        self._refloor()
        worst = self.balance + self.open_worst
        for row in np.flatnonzero((self.n_open > 0) & falls_below(worst, self.hard)):
            trade, opened = self._deepest_open(int(row))
            self._fail(int(row), float(worst[row]), Where.MIDNIGHT, day, trade, opened)

    def _verification(self, rows: IntArray) -> None:
        """A new account of the same size; day one's reference is the initial balance again."""
        for figure in (self.balance, self.day_start, self.highest):
            figure[rows] = self.initial
        self.best[rows] = 0.0
        self.traded_days[rows] = 0
        self.phase[rows] = 1
        self.waiting[rows] = False
        self.active[rows] = True

    def _deepest_open(self, row: int) -> tuple[int, int]:
        """The open trade with the deepest worst case (and the day it opened), named for a breach
        at a midnight: the trades open there are the ones carried over it."""
        held = np.flatnonzero(self.carry.valid[row])
        k = held[np.argmin(self.worst[self.carry.trade[row, held]])]
        return int(self.carry.trade[row, k]), int(self.carry.open_day[row, k])

    def _open_breach(self, ok: BoolArray, events: DayEvents, e: int, day: int) -> None:
        m = len(ok)
        worst = self.balance[:m] + self.open_worst[:m]
        for row in np.flatnonzero(ok & falls_below(worst, self.hard[:m])):
            self._fail(int(row), float(worst[row]), Where.TRADE_OPEN, day, int(events.trade[e, row]), day)

    def _fail(self, row: int, equity: float, where: Where, day: int, trade: int, opened: int) -> None:
        levels = floor_levels(self.initial, self.day_start[row], self.highest[row], self.settings)
        rules = DAILY * falls_below(equity, levels.daily) + MAX_LOSS * falls_below(equity, levels.total)
        self._end(np.array([row]), Outcome.FAILED, where, day, np.array([trade]), np.array([opened]))
        i = self.ids[row]
        self.out.equity[i], self.out.rules[i], self.out.floor[i] = equity, rules, self.hard[row]

    def _flat(self, rows: IntArray, trade: IntArray, opened: IntArray, day: int) -> None:
        """Attempts with nothing open after closing ``trade``: nothing is at risk (sums of opens and
        closes drift by float noise); the target may count, or no trade may ever fit again."""
        self.open_risk[rows] = 0.0
        self.open_worst[rows] = 0.0
        balance = self.balance[rows]
        # most flat moments are neither: test the cheap bounds before the rules' full checks
        reach = balance >= self.targets[self.phase[rows]]
        if reach.any():
            self._targets(rows[reach], trade[reach], opened[reach], day)
        stuck = self.active[rows] & falls_below(balance - self.min_risk, self.internal_total[rows])
        if stuck.any():
            rows, trade, opened = rows[stuck], trade[stuck], opened[stuck]
            self._end(rows, Outcome.STOPPED, Where.TRADE_CLOSE, day, trade, opened)
            i = self.ids[rows]
            self.out.equity[i], self.out.rules[i] = self.balance[rows], INTERNAL_TOTAL
            self.out.floor[i] = self.internal_total[rows]

    def _targets(self, rows: IntArray, trade: IntArray, opened: IntArray, day: int) -> None:
        """Flat attempts at or above their phase's target balance: those that meet every objective pass it."""
        met = self._target_met(rows)
        if self.two_phases:
            first = met & (self.phase[rows] == 0)
            self.out.phase1_day[self.ids[rows[first]]] = day
            self.waiting[rows[first]] = True
            self.active[rows[first]] = False
            met &= ~first
        self._end(rows[met], Outcome.PASSED, Where.TRADE_CLOSE, day, trade[met], opened[met])
        self.out.equity[self.ids[rows[met]]] = self.balance[rows[met]]

    def _target_met(self, rows: IntArray) -> BoolArray:
        ruleset = self.settings.ruleset
        balance = self.balance[rows]
        met: BoolArray = balance >= self.targets[self.phase[rows]]
        met &= self.traded_days[rows] + self.traded_today[rows] >= ruleset.min_trading_days
        if ruleset.best_day_max_share_pct is not None:
            today = balance - self.day_start[rows]
            best = np.maximum(np.maximum(self.best[rows], today), 0.0)
            met &= best_day_met(best, balance - self.initial, ruleset.best_day_max_share_pct)
        return met

    def _end(self, rows: IntArray, outcome: Outcome, where: Where, day: int, trade: IntArray,
             opened: IntArray) -> None:
        if not len(rows):
            return
        i = self.ids[rows]
        self.out.outcome[i] = outcome
        self.out.day[i] = day
        self.out.phase[i] = self.phase[rows]
        self.out.where[i] = where
        self.out.trade[i] = trade
        self.out.trade_day[i] = opened
        self.live[rows] = self.active[rows] = False


def simulate(attempts: Attempts, line: Timeline, settings: RiskSettings, initial: float) -> Outcomes:
    """Run every attempt through its days; ``initial`` is the challenge account's size (the money
    ``line`` is in)."""
    return _Run(attempts, line, settings, initial).run()
