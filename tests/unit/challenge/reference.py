"""A slow, plain reference for the vectorised simulator: one attempt at a time, through the
guard's own Account (open_position, close_position, roll_to), floors() and progress().

It restates only what the simulator adds on top of the domain: which trades the internal floors
let through (check_trade's denial on stop-outs), the worst-case equity, phases and stops. The
property test runs both on random trade lists and wants the same answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs

from domain.challenge import Outcome, Timeline
from domain.market.candles import Direction, Pair
from domain.risk import (
    PRAGUE,
    Account,
    Position,
    RiskSettings,
    close_position,
    floors,
    open_position,
    progress,
    roll_to,
)

_ENTRY = 1_000_000.0  # a price high enough that entry + P/L stays > 0; whole-dollar P/L stays exact


@attrs.frozen
class Result:
    outcome: Outcome
    day: int
    phase: int
    phase1_day: int
    equity: float
    denied: int


class _Attempt:
    def __init__(self, line: Timeline, settings: RiskSettings, initial: float, base: date) -> None:
        self.line, self.settings, self.initial, self.base = line, settings, initial, base
        self.min_risk = float(line.risk.min())
        self.account = Account.start(initial, self.when(0, 0))
        self.open: dict[tuple[int, int], int] = {}  # (day opened, trade) -> trade: a day drawn twice repeats trades
        self.phase, self.phase1_day, self.denied = 0, -1, 0
        self.waiting_since: int | None = None

    def when(self, day: int, ms: int) -> datetime:
        midnight = datetime.combine(self.base + timedelta(days=day), time(), tzinfo=ZoneInfo(PRAGUE))
        return midnight.astimezone(UTC) + timedelta(milliseconds=ms)

    def worst_equity(self) -> float:
        return self.account.balance + sum(float(self.line.worst[t]) for t in self.open.values())

    def hard_breach(self, equity: float) -> bool:
        levels = floors(self.account, self.settings)
        return equity < levels.daily or equity < levels.total

    def roll(self, day: int, ms: int, span: int) -> Result | None:
        if self.waiting_since is not None:
            if day <= self.waiting_since or day >= span:  # verification needs a day of the attempt to start on
                return None
            self.verification()
        before = self.account.day
        self.account = roll_to(self.account, self.when(day, ms))
        if self.account.day != before and self.open and self.hard_breach(self.worst_equity()):
            midnight = (before - self.base).days + 1
            return self.result(Outcome.FAILED, midnight, self.worst_equity())
        return None

    def verification(self) -> None:
        assert self.waiting_since is not None
        self.account = Account.start(self.initial, self.when(self.waiting_since + 1, 0))
        self.phase, self.waiting_since = 1, None

    def open_trade(self, day: int, ms: int, t: int) -> Result | None:
        levels = floors(self.account, self.settings)
        risk = sum(float(self.line.risk[o]) for o in self.open.values()) + float(self.line.risk[t])
        if self.account.balance - risk < max(levels.internal_daily, levels.internal_total):
            self.denied += 1
            return None
        now = self.when(day, ms)
        position = Position(f"{day}:{t}", Pair("BTCUSD"), Direction.LONG, 1.0, _ENTRY, _ENTRY, 1.0, now)
        self.account = open_position(self.account, position, now)
        self.open[(day, t)] = t
        equity = self.worst_equity()
        return self.result(Outcome.FAILED, day, equity) if self.hard_breach(equity) else None

    def close_trade(self, day: int, ms: int, t: int, opened: int) -> Result | None:
        if (opened, t) not in self.open:
            return None
        now = self.when(day, ms)
        self.account = close_position(self.account, f"{opened}:{t}", _ENTRY + float(self.line.pnl[t]), now)
        del self.open[(opened, t)]
        if self.open:
            return None
        if progress(self.account, self.settings.ruleset, self.phase).passed:
            if self.phase == 0 and len(self.settings.ruleset.profit_targets_pct) > 1:
                self.phase1_day, self.waiting_since = day, day
                return None
            return self.result(Outcome.PASSED, day, self.account.balance)
        if self.account.balance - self.min_risk < floors(self.account, self.settings).internal_total:
            return self.result(Outcome.STOPPED, day, self.account.balance)
        return None

    def result(self, outcome: Outcome, day: int, equity: float) -> Result:
        return Result(outcome, day, self.phase, self.phase1_day, equity, self.denied)


def reference(line: Timeline, blocks: Sequence[int], settings: RiskSettings, initial: float,
              base: date = date(2025, 6, 2)) -> Result:
    """One attempt whose day ``d`` brings the trades of period day ``blocks[d]`` (-1: none)."""
    attempt = _Attempt(line, settings, initial, base)
    for day, ms, opening, t, opened in _events(line, blocks):
        if attempt.waiting_since is not None and day <= attempt.waiting_since:
            continue
        ended = attempt.roll(day, ms, len(blocks)) or (attempt.open_trade(day, ms, t) if opening else
                                          attempt.close_trade(day, ms, t, opened))
        if ended is not None:
            return ended
    if attempt.waiting_since is not None and attempt.waiting_since + 1 < len(blocks):
        attempt.verification()
    return attempt.result(Outcome.UNFINISHED, len(blocks) - 1, attempt.account.balance)


def _events(line: Timeline, blocks: Sequence[int]) -> list[tuple[int, int, bool, int, int]]:
    bounds = line.day_bounds
    events = []
    for day, block in enumerate(blocks):
        if block < 0:
            continue
        for t in range(int(bounds[block]), int(bounds[block + 1])):
            later = int(line.close_day[t] - line.open_day[t])
            events.append((day, int(line.open_ms[t]), True, t, day))
            events.append((day + later, int(line.close_ms[t]), False, t, day))
    # a close before an open at the same instant, as the runtime settles exits before it emits
    return sorted(events, key=lambda e: (e[0], e[1], e[2], e[4], e[3]))
