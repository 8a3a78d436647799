"""The backtest's proofs that a scan may be left out.

- ``HeldPositions``: when the runtime's settlement can first find an exit, and whether any mark
  before then could reach a floor (every position marked at its own stop still clears every floor;
  a close beyond the stop would have touched it, making the exit due).
- ``proved_denial``: an emission attempt the guard must deny (the kill switch, or an account whose
  headroom cannot fit a minimum lot stopped out at the least distance the signal's stop can have),
  which changes no state: the scan is not needed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta

import numpy as np

from application.runtime.scan_market import ScanConfig, ScanReport
from domain.execution.instruments import Instruments
from domain.execution.paper import find_exit
from domain.market.candles import MINUTE_MS, IntArray, Pair, datetime_to_ms
from domain.market.quality import Ohlcv
from domain.risk import Position, account_status, mark_to_market
from domain.risk.decisions import Rule
from domain.risk.trade_check import unsizable_beyond

_NEVER = 2**62


class HeldPositions:
    def __init__(self, series: Mapping[Pair, Ohlcv], config: ScanConfig) -> None:
        self._series = series
        self._config = config
        self._due: dict[str, int] = {}
        self.floor_safe = True

    def after(self, report: ScanReport) -> None:
        positions = report.state.account.positions
        at_ms = datetime_to_ms(report.at)
        due = {p.position_id: self._due.get(p.position_id) or self._exit_due(p) for p in positions}
        # past due and still open: the candles it needs are missing (a data gap), and no scan can
        # see more until the next candle closes
        self._due = {p.position_id: due[p.position_id] if due[p.position_id] > at_ms
                     else self._next_close(p.pair, at_ms) for p in positions}
        self.floor_safe = not positions or self._stops_clear_floors(report)

    def next_due(self) -> int | None:
        """The earliest market time (ms) an exit can be found, None with nothing held."""
        return min(self._due.values()) if self._due else None

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

    def _next_close(self, pair: Pair, at_ms: int) -> int:
        """When the first candle not closed by ``at_ms`` closes; never when there is none."""
        opens = self._series[pair].open_time_ms
        i = int(np.searchsorted(opens, at_ms - MINUTE_MS, side="right"))
        return int(opens[i]) + MINUTE_MS if i < len(opens) else _NEVER

    def _stops_clear_floors(self, report: ScanReport) -> bool:
        account = report.state.account
        if any(p.stop is None for p in account.positions):
            return False
        worst = mark_to_market(account, {p.pair: float(p.stop or 0.0) for p in account.positions}, report.at)
        return not account_status(worst, report.at, self._config.emission.risk).must_close


def proved_denial(report: ScanReport, pair: Pair, at: datetime, config: ScanConfig,
                  instruments: Instruments) -> tuple[Rule | None, float]:
    """What must deny ``pair``'s attempts after the last scan run, given the state it left: the
    kill switch for every attempt, else SIZING for an attempt whose least minimum-lot stop-out loss
    is beyond the returned figure (nothing held, so no mark can move the account until the next
    scan runs; math.inf: no proof)."""
    state = report.state
    if state.kill_switch:
        return Rule.KILL_SWITCH, -math.inf
    if state.account.positions:
        return None, math.inf
    return Rule.SIZING, unsizable_beyond(state.account, at, pair, config.emission.risk, instruments)


def first_at_or_after(times: IntArray, at_ms: int) -> int:
    return int(np.searchsorted(times, at_ms, side="left"))
