"""Simulate FTMO challenges over a backtest's trades (seed plan 7.2).

The use case turns the backtest's trade records into the domain's timeline, draws the attempts
(historical or Monte Carlo, domain.challenge.attempts), runs them in chunks of at most ``CHUNK``
attempts (memory stays bounded) through a ``TaskRunner`` (here, or on Dask workers) and summarises
them with the plan's challenge gate.

A seed gives one answer however the attempts are split: Monte Carlo attempts are drawn in blocks of
``DRAW_BLOCK``, block k from its own generator (numpy's ``SeedSequence(seed).spawn``'s k-th child),
and an attempt's outcome depends on its own draws alone, so a chunk is any run of whole blocks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import attrs
import numpy as np

from application.tasks import SerialRunner, TaskRunner
from domain.challenge import (
    Attempts,
    BacktestTrade,
    ChallengeSummary,
    Results,
    Scaling,
    Timeline,
    bootstrap,
    historical,
    simulate,
    timeline,
    two_phases,
)
from domain.evaluation.gates import ChallengeGate
from domain.risk.rules import RiskSettings

CHUNK = 16384  # attempts simulated at once, at most
DRAW_BLOCK = 1024  # Monte Carlo attempts drawn from one generator: the unit a seed's draws are split in
Progress = Callable[[int, int], None]


class Mode(StrEnum):
    HISTORICAL = "historical"
    MONTE_CARLO = "monte-carlo"


@attrs.frozen
class TradeRow:
    """The columns of a backtest's trades.parquet the simulator reads (application.backtest.trades.Trade)."""

    signal_id: str
    signal_at: datetime
    exit_at: datetime
    pnl: float
    r_multiple: float
    pnl_penalised: float

    def trade(self) -> BacktestTrade:
        """The P/L with the latency penalty (the honest one); 1R = P/L / R, as the paper book
        measured R, unknown where either is 0."""
        ratio = self.pnl / self.r_multiple if self.r_multiple != 0 and self.pnl != 0 else math.nan
        one_r = ratio if math.isfinite(ratio) and ratio > 0 else None
        return BacktestTrade(self.signal_id, self.signal_at, self.exit_at, self.pnl_penalised, one_r)


@attrs.frozen
class Period:
    """The backtest's Prague days, and where they were read from."""

    first: date
    last: date
    source: str


@attrs.frozen
class ChallengeRequest:
    mode: Mode
    attempts: int
    risk: RiskSettings
    scaling: Scaling
    seed: int
    gate: ChallengeGate = attrs.Factory(ChallengeGate)
    days: int | None = None  # Monte Carlo attempt length; None: the period's length
    period: Period | None = None
    notes: tuple[str, ...] = ()  # where the inputs came from, shown with the result

    def __attrs_post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be >= 1, got {self.attempts}")
        if self.days is not None and self.days < 1:
            raise ValueError(f"days must be >= 1, got {self.days}")


@attrs.frozen(eq=False)
class ChallengeReport:
    request: ChallengeRequest
    line: Timeline
    summary: ChallengeSummary
    days_per_attempt: int | None

    def as_dict(self, max_breaches: int | None = 1000) -> dict[str, Any]:
        return {"challenge": self._setup(), "trades": self._trades(), "assumptions": assumptions(self.request),
                "notes": list(self.request.notes), **self.summary.as_dict(max_breaches)}

    def _setup(self) -> dict[str, Any]:
        r = self.request
        return {"ruleset": str(r.risk.ruleset.name), "mode": str(r.mode), "attempts_requested": r.attempts,
                "attempts": self.summary.attempts, "seed": r.seed, "days_per_attempt": self.days_per_attempt,
                "account_size": r.scaling.account_size,
                "internal_floors_pct": {"daily": r.risk.internal.daily_loss_pct,
                                        "total": r.risk.internal.total_loss_pct}}

    def _trades(self) -> dict[str, Any]:
        line, period = self.line, self.request.period
        return {"count": len(line.signal_ids), "first_day": line.first_day.isoformat(),
                "last_day": line.date_of(line.days - 1).isoformat(), "days": line.days,
                "period_source": period.source if period else "the trades' own span",
                "one_r_filled_with_median": line.one_r_filled}


def assumptions(request: ChallengeRequest) -> dict[str, str]:
    """What the numbers rest on, stated in every output."""
    ruleset = request.risk.ruleset
    targets = " then verification ".join(f"{t:g} %" for t in ruleset.profit_targets_pct)
    return {
        "scaling": request.scaling.describe(),
        "pnl": "pnl_penalised: each trade's P/L with the latency penalty of the backtest applied",
        "intraday_equity": "worst case: every open trade at its stop-out loss (1R), or its realised loss if "
                           "larger, all at once; hard floors are checked on that when a trade opens and at each "
                           "Prague midnight",
        "internal_floors": "a trade is not taken when its stop-out on top of the open trades' stop-outs would take "
                           "equity below an internal floor (the guard's rule; a recorded trade cannot be resized); "
                           "an attempt stops when, with nothing open, even the smallest trade's stop-out would take "
                           "equity below the internal total floor (the guard would never trade again)",
        "phases": (f"targets {targets}: verification is a new account of the same size from the Prague midnight "
                   "after phase 1 passed; an attempt passes when its last phase passes"),
        "target": f"counts only with no trade open, after at least {ruleset.min_trading_days} trading days"
                  + ("" if ruleset.best_day_max_share_pct is None else
                     f" and with the best day at most {ruleset.best_day_max_share_pct:g} % of the profit (missing it "
                     "is not a failure: the attempt goes on)"),
        "days": "Prague (Europe/Prague) days; a trading day is one a trade was opened on",
        "unfinished": "FTMO sets no time limit: an attempt still running when its trades end is not a pass",
        "sample": "the trades are those the backtest's own account took: trades its guard denied are not there",
        **({"draws": f"Monte Carlo attempts are drawn in blocks of {DRAW_BLOCK:,}, block k from numpy's "
                     "SeedSequence(seed).spawn(k + 1)[k]: a seed draws the same attempts whether they ran in one "
                     "process or on Dask workers"} if request.mode is Mode.MONTE_CARLO else {}),
    }


def simulate_challenges(rows: Sequence[TradeRow], request: ChallengeRequest, progress: Progress | None = None,
                        runner: TaskRunner | None = None) -> ChallengeReport:
    period = request.period
    line = timeline([r.trade() for r in rows], request.scaling, (period.first, period.last) if period else None)
    if request.mode is Mode.HISTORICAL:
        total, days = min(request.attempts, line.days), None
    else:
        total, days = request.attempts, request.days or line.days
    runner = runner or SerialRunner()
    work = _Work(line, request.risk, request.scaling.account_size, days, request.seed)
    pieces = chunks(total, runner.parallelism)
    parts: list[Results] = []
    for (first, size), part in zip(pieces, runner.map(run_chunk, work, pieces), strict=True):
        parts.append(part)
        if progress is not None:
            progress(first + size, total)
    summary = ChallengeSummary.of(Results.concat(parts), two_phases(request.risk), request.scaling.account_size,
                                  request.gate)
    return ChallengeReport(request, line, summary, days)


def chunks(total: int, parallelism: int = 1) -> list[tuple[int, int]]:
    """(first attempt, attempts) of each chunk: one per worker when that fits in ``CHUNK``, in whole
    draw blocks."""
    per_worker = -(-total // max(1, parallelism))
    size = min(CHUNK, -(-per_worker // DRAW_BLOCK) * DRAW_BLOCK)
    return [(first, min(size, total - first)) for first in range(0, total, size)]


@attrs.frozen(eq=False)
class _Work:
    """What every chunk reads: sent once to each worker."""

    line: Timeline
    risk: RiskSettings
    account_size: float
    days: int | None  # Monte Carlo attempt length; None: historical
    seed: int


def run_chunk(work: _Work, piece: tuple[int, int]) -> Results:
    first, size = piece
    attempts = historical(work.line, size, first) if work.days is None else _drawn(work, first, size)
    outcomes = simulate(attempts, work.line, work.risk, work.account_size)
    return Results.of(outcomes, work.line, first + 1)


def _drawn(work: _Work, first: int, size: int) -> Attempts:
    if work.days is None or first % DRAW_BLOCK:
        raise ValueError(f"a Monte Carlo chunk starts on a draw block of {DRAW_BLOCK}, not at attempt {first}")
    blocks = [bootstrap(work.line, min(DRAW_BLOCK, first + size - start), work.days,
                        block_generator(work.seed, start // DRAW_BLOCK))
              for start in range(first, first + size, DRAW_BLOCK)]
    return Attempts(np.vstack([b.days for b in blocks]), np.concatenate([b.span for b in blocks]), "monte-carlo")


def block_generator(seed: int, block: int) -> np.random.Generator:
    """The generator of draw block ``block``: ``SeedSequence(seed).spawn(block + 1)[block]``'s."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
