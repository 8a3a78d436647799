"""Whether the PPO agent may join the ensemble: two criteria stated before any run, both required.

1. Stability of the reward curves across seeds: for every seed the mean episode reward of the last
   quarter of its episodes must exceed that of the first quarter (it learned), and across seeds the
   coefficient of variation of those last-quarter means (std / |mean|) must not exceed ``max_cv``
   (the seeds agree on where training ends).
2. Out of sample: on a later period no seed saw, run through the backtest engine with the same
   costs (application.research.engine_view: the runtime's scan, tiers, exits and fills, the
   policy served as a predictor), every seed's return (net P/L after costs over the initial
   balance) must beat the supervised predictor's, and be positive: staying flat earns 0, and an
   agent that only learned not to trade beats a losing predictor without having anything to add
   to an ensemble of direction models. The tape walk (application.research.walk) is reported
   beside it, but it is not part of the criterion.

Only a passing verdict admits the RL member, at its ensemble weight (``RL_WEIGHT``); anything else
leaves it a research command, and ``admission`` says why.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np

from domain.risk.decisions import Decision, Reason, decide

RL_WEIGHT = 0.25
RULE = "rl_verdict"
# what the out-of-sample returns were measured with; a verdict file without it predates the engine
ENGINE_BASIS = "backtest engine: net P/L after costs / initial balance"


@attrs.frozen
class CurvePoint:
    timesteps: int
    reward: float  # one finished episode's total reward
    length: int


@attrs.frozen
class SeedRun:
    seed: int
    curve: tuple[CurvePoint, ...]
    oos_return_pct: float  # out of sample, measured as the verdict's ``basis`` says

    def quarter_means(self) -> tuple[float, float]:
        """Mean episode reward of the first and the last quarter of the episodes (NaN if under 4)."""
        rewards = np.array([p.reward for p in self.curve])
        if len(rewards) < 4:
            return float("nan"), float("nan")
        q = len(rewards) // 4
        return float(rewards[:q].mean()), float(rewards[-q:].mean())


@attrs.frozen
class Criteria:
    max_cv: float = 0.5
    min_seeds: int = 3


@attrs.frozen
class Verdict:
    seeds: tuple[SeedRun, ...]
    supervised: str  # which supervised predictor the agent was compared with
    supervised_return_pct: float
    criteria: Criteria
    stable: bool
    beats_supervised: bool
    reasons: tuple[str, ...]  # why a criterion failed; empty when the verdict passes
    basis: str = ""  # how the out-of-sample returns were measured; "" in files written before the engine

    @property
    def passed(self) -> bool:
        return self.stable and self.beats_supervised


def judge(seeds: Sequence[SeedRun], supervised: str, supervised_return_pct: float,
          criteria: Criteria | None = None) -> Verdict:
    criteria = criteria or Criteria()
    reasons = _stability_reasons(seeds, criteria)
    stable = not reasons
    bar = max(supervised_return_pct, 0.0)
    losing = [s for s in seeds if not s.oos_return_pct > bar]
    against = f"{supervised}'s {supervised_return_pct:.3f} %" + ("" if supervised_return_pct >= 0 else
                                                                  " and staying flat (0 %)")
    reasons += [f"seed {s.seed}: out-of-sample return in the backtest engine {s.oos_return_pct:.3f} % does not "
                f"beat {against}"
                for s in losing]
    return Verdict(tuple(seeds), supervised, supervised_return_pct, criteria, stable, not losing and bool(seeds),
                   tuple(reasons), ENGINE_BASIS)


def _stability_reasons(seeds: Sequence[SeedRun], criteria: Criteria) -> list[str]:
    if len(seeds) < criteria.min_seeds:
        return [f"{len(seeds)} seeds trained; stability needs at least {criteria.min_seeds}"]
    reasons = []
    ends = []
    for run in seeds:
        first, last = run.quarter_means()
        ends.append(last)
        if not last > first:  # NaN (too few episodes) fails too
            reasons.append(f"seed {run.seed}: last-quarter mean episode reward {last:.4f} does not exceed the "
                           f"first quarter's {first:.4f} ({len(run.curve)} episodes)")
    cv = coefficient_of_variation(ends)
    if not cv <= criteria.max_cv:
        reasons.append(f"the seeds' last-quarter mean episode rewards vary too much: coefficient of variation "
                       f"{cv:.3f} > {criteria.max_cv}")
    return reasons


def coefficient_of_variation(values: Sequence[float]) -> float:
    """std / |mean|; infinite when the mean is 0 (no scale to compare the spread with)."""
    array = np.asarray(values, dtype=np.float64)
    mean = float(array.mean())
    return float(array.std()) / abs(mean) if mean else float("inf")


def admission(verdict: Verdict | None) -> Decision:
    """May the RL member enter the ensemble at ``RL_WEIGHT``? Only on a passing verdict."""
    if verdict is None:
        return decide([Reason(RULE, "no RL verdict: run `tradeai research rl evaluate` first")])
    if verdict.basis != ENGINE_BASIS:
        return decide([Reason(RULE, "the RL verdict was not measured in the backtest engine: rerun "
                                    "`tradeai research rl evaluate`")])
    if not verdict.passed:
        return decide([Reason(RULE, f"the RL verdict does not pass: {why}") for why in verdict.reasons])
    return decide([])
