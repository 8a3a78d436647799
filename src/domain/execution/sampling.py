"""The costs each paper fill pays: seeded draws from the execution model, by pair x session.

A fill's draw comes from a generator seeded by (run seed, fill id, leg) alone, never from a stream
shared by all fills: the backtest skips scans that a replay of the same window runs, and a close
retried after a failed store write must pay what its first attempt paid, so a fill's costs may not
depend on which fills were drawn before it. The id is hashed with blake2b because Python's ``hash``
of a string changes from one process to the next.

Without a model, or for a pair it did not measure, a fill pays the instrument's p90 spread and
slippage, exactly what paper fills paid before costs were measured. A draw may exceed the p90 the
guard sized with (the sessions' tails reach p99): that is what the market would have charged, and
the loss floors still close positions when it adds up.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

import attrs
import numpy as np

from domain.execution.costs import ExecutionModel, SessionCosts
from domain.execution.instruments import InstrumentSpec
from domain.market.candles import Pair

Leg = Literal["open", "close"]
_LEGS: dict[str, int] = {"open": 0, "close": 1}


@attrs.frozen
class CostDraw:
    """The spread (bps of mid) and slippage (signed bps, positive adverse) one fill pays."""

    spread_bps: float
    slippage_bps: float

    @classmethod
    def p90(cls, spec: InstrumentSpec) -> CostDraw:
        return cls(spec.spread_p90_bps, spec.slippage_p90_bps)


def _seed(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 0:
        raise ValueError(f"seed must be >= 0, got {value}")  # numpy's SeedSequence takes no negative entropy


@attrs.frozen
class FillCosts:
    """Draws fill costs from ``model`` (None: every fill pays its instrument's p90s)."""

    model: ExecutionModel | None = None
    seed: int = attrs.field(default=0, validator=_seed)

    def draw(self, spec: InstrumentSpec, pair: Pair, at: datetime, fill_id: str, leg: Leg) -> CostDraw:
        """The costs of ``fill_id``'s ``leg`` filled at ``at``, in the session open then."""
        costs = self._costs(spec, pair, at)
        if costs is None:
            return CostDraw.p90(spec)
        rng = self._generator(fill_id, leg)
        # spread first, then slippage: the order of the two draws is part of what a seed repeats
        spread = float(costs.spread.distribution.sample(rng))
        return CostDraw(spread, float(costs.slippage.distribution.sample(rng)))

    def p90_slippage_bps(self, spec: InstrumentSpec, pair: Pair, at: datetime) -> float:
        """The p90 slippage of the session open at ``at``: what a late order pays on top."""
        costs = self._costs(spec, pair, at)
        return spec.slippage_p90_bps if costs is None else costs.slippage.distribution.p90

    def _costs(self, spec: InstrumentSpec, pair: Pair, at: datetime) -> SessionCosts | None:
        if self.model is None or self.model.base_of(pair) not in self.model.bases:
            return None
        return self.model.cost(pair, self.model.session_at(pair, at))

    def _generator(self, fill_id: str, leg: Leg) -> np.random.Generator:
        digest = int.from_bytes(hashlib.blake2b(fill_id.encode(), digest_size=8).digest(), "big")
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.seed, digest, _LEGS[leg]])))
