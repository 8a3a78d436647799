"""What a set of simulated attempts says: the pass rate with its Wilson 95 % interval, days to
pass, the breach log, the spread of final equity, and the plan's challenge gate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import attrs
import numpy as np

from domain.challenge.simulator import DAILY, INTERNAL_TOTAL, MAX_LOSS, Outcome, Outcomes, Where
from domain.challenge.trades import FloatArray, IntArray, Timeline
from domain.evaluation.figures import wilson_interval
from domain.evaluation.gates import ChallengeGate, Verdict
from domain.risk.decisions import Rule

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
_RULES = ((DAILY, Rule.FTMO_DAILY_LOSS), (MAX_LOSS, Rule.FTMO_MAX_LOSS), (INTERNAL_TOTAL, Rule.INTERNAL_TOTAL_LOSS))


@attrs.frozen
class Breach:
    """Where an attempt failed (an FTMO floor) or stopped (the plan's internal total floor).
    ``day`` counts the attempt's Prague days from 1; ``date`` is the Prague date on which the
    trade that broke it lived that moment in the backtest; ``equity`` the worst-case equity there."""

    attempt: int
    phase: int
    rules: tuple[str, ...]
    where: str
    day: int
    date: date
    equity: float
    floor: float
    signal_id: str

    def as_dict(self) -> dict[str, Any]:
        return {**attrs.asdict(self), "rules": list(self.rules), "date": self.date.isoformat(),
                "equity": round(self.equity, 2), "floor": round(self.floor, 2)}


@attrs.frozen(eq=False)
class Results:
    """The attempts' outcomes, flattened out of the simulator's arrays (one chunk or several)."""

    outcome: IntArray
    days: IntArray  # Prague days the attempt lasted, its first day counted as 1
    phase1_days: IntArray  # days to pass phase 1, -1 when it was not passed
    equity: FloatArray
    denied: IntArray
    breaches: tuple[Breach, ...]

    @classmethod
    def of(cls, out: Outcomes, line: Timeline, first_attempt: int = 1) -> Results:
        ended = np.flatnonzero((out.outcome == Outcome.FAILED) | (out.outcome == Outcome.STOPPED))
        breaches = tuple(_breach(out, line, int(a), first_attempt) for a in ended)
        phase1 = np.where(out.phase1_day >= 0, out.phase1_day + 1, -1)
        return cls(out.outcome.copy(), out.day + 1, phase1, out.equity.copy(), out.denied.copy(), breaches)

    @classmethod
    def concat(cls, parts: Sequence[Results]) -> Results:
        def joined(name: str) -> Any:
            return np.concatenate([getattr(p, name) for p in parts])

        return cls(joined("outcome"), joined("days"), joined("phase1_days"), joined("equity"), joined("denied"),
                   tuple(b for p in parts for b in p.breaches))


def _breach(out: Outcomes, line: Timeline, a: int, first_attempt: int) -> Breach:
    trade, day = int(out.trade[a]), int(out.day[a])
    # the breaking trade's own Prague date, moved on by the midnights it had crossed since it opened
    when = line.date_of(int(line.open_day[trade])) + timedelta(days=day - int(out.trade_day[a]))
    return Breach(attempt=first_attempt + a, phase=int(out.phase[a]) + 1,
                  rules=tuple(str(rule) for bit, rule in _RULES if int(out.rules[a]) & bit),
                  where=Where(int(out.where[a])).name.lower(), day=day + 1, date=when,
                  equity=float(out.equity[a]), floor=float(out.floor[a]), signal_id=line.signal_ids[trade])


def _mean_median(values: IntArray) -> dict[str, float | None]:
    if not len(values):
        return {"mean": None, "median": None, "n": 0}
    return {"mean": round(float(np.mean(values)), 2), "median": float(np.median(values)), "n": len(values)}


def _rate(successes: int, n: int) -> dict[str, Any]:
    interval = wilson_interval(successes, n)
    low, high = (round(v, 4) for v in interval) if interval else (None, None)
    return {"value": successes / n if n else None, "successes": successes, "n": n, "wilson_low": low,
            "wilson_high": high}


def _spread(values: FloatArray, initial: float) -> dict[str, Any]:
    marks = np.quantile(values, QUANTILES)
    money = {f"p{round(q * 100):02d}": round(float(v), 2) for q, v in zip(QUANTILES, marks, strict=True)}
    return {"min": round(float(values.min()), 2), **money, "max": round(float(values.max()), 2),
            "mean": round(float(values.mean()), 2),
            "return_pct": {k: round(100 * (v / initial - 1), 3) for k, v in money.items()}}


@attrs.frozen(eq=False)
class ChallengeSummary:
    results: Results
    two_phases: bool
    initial: float
    gate: Verdict

    @classmethod
    def of(cls, results: Results, two_phases: bool, initial: float, gate: ChallengeGate) -> ChallengeSummary:
        n = len(results.outcome)
        passed = int(np.sum(results.outcome == Outcome.PASSED))
        return cls(results, two_phases, initial, gate.check(passed / n if n else float("nan"), n))

    def count(self, outcome: Outcome) -> int:
        return int(np.sum(self.results.outcome == outcome))

    @property
    def attempts(self) -> int:
        return len(self.results.outcome)

    def as_dict(self, max_breaches: int | None = None) -> dict[str, Any]:
        r = self.results
        passed = r.outcome == Outcome.PASSED
        phase1 = r.phase1_days[r.phase1_days > 0] if self.two_phases else r.days[passed]
        shown = r.breaches if max_breaches is None else r.breaches[:max_breaches]
        return {
            "attempts": self.attempts,
            "outcomes": {o.name.lower(): self.count(o) for o in Outcome},
            "pass_rate": _rate(int(passed.sum()), self.attempts),
            "phase1_pass_rate": _rate(len(phase1), self.attempts) if self.two_phases else None,
            "days_to_pass": _mean_median(r.days[passed]),
            "days_to_pass_phase1": _mean_median(phase1) if self.two_phases else None,
            "final_equity": _spread(r.equity, self.initial),
            "trades_denied_by_internal_floors": {"total": int(r.denied.sum()),
                                                 "per_attempt_mean": round(float(r.denied.mean()), 3)},
            "breach_counts": _breach_counts(r.breaches),
            "breaches": [b.as_dict() for b in shown],
            "breaches_total": len(r.breaches),
            "gate": self.gate.as_dict(),
        }


def _breach_counts(breaches: Sequence[Breach]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for breach in breaches:
        key = "+".join(breach.rules)
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))
