"""The execution model: measured spread and slippage distributions per pair x session.

One value serves every consumer: the guard sizes with its p90s (through ``apply_to``), and fills
draw from its empirical quantiles with a seeded generator. A pair x session with too few samples
falls back to the pair's pooled figures, then to the instrument's configured p90, and each figure
records which (its ``basis``), so a reader can tell a measurement from a guess.

Spread is in basis points of the mid price; slippage is signed basis points, positive = adverse
(executed worse than expected).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Literal

import attrs
import numpy as np
import numpy.typing as npt

from domain.execution.instruments import Instruments, InstrumentSpec
from domain.market.candles import Pair
from domain.market.sessions import SESSIONS, active_sessions

FloatArray = npt.NDArray[np.float64]
Basis = Literal["measured", "pooled", "default"]
OFF_HOURS = "off_hours"
SESSION_NAMES: tuple[str, ...] = (*(s.name for s in SESSIONS), OFF_HOURS)
# 101 levels (every percentile): enough to sample tails to p99 without carrying the raw samples
QUANTILE_LEVELS: FloatArray = np.linspace(0.0, 1.0, 101)


def _quantiles(value: Iterable[float]) -> tuple[float, ...]:
    return tuple(float(v) for v in value)


@attrs.frozen
class Distribution:
    """Summary and empirical quantiles (at ``QUANTILE_LEVELS``) of one cost, in bps."""

    count: int
    mean: float
    p50: float
    p90: float
    p99: float
    quantiles: tuple[float, ...] = attrs.field(converter=_quantiles)

    def __attrs_post_init__(self) -> None:
        q = np.asarray(self.quantiles)
        if len(q) != len(QUANTILE_LEVELS):
            raise ValueError(f"expected {len(QUANTILE_LEVELS)} quantiles, got {len(q)}")
        if not np.all(np.isfinite(q)) or np.any(np.diff(q) < 0):
            raise ValueError("quantiles must be finite and non-decreasing")
        if self.count < 0:
            raise ValueError(f"count must be >= 0, got {self.count}")

    @classmethod
    def from_samples(cls, values: npt.ArrayLike) -> Distribution:
        v = np.asarray(values, dtype=np.float64)
        if len(v) == 0 or not np.all(np.isfinite(v)):
            raise ValueError("a distribution needs at least one sample, all finite")
        p50, p90, p99 = np.quantile(v, [0.5, 0.9, 0.99])
        return cls(len(v), float(v.mean()), float(p50), float(p90), float(p99), np.quantile(v, QUANTILE_LEVELS))

    @classmethod
    def constant(cls, value: float) -> Distribution:
        """A configured default: no samples, every draw is ``value`` (the placeholder p90, so an
        unmeasured cost stays on the conservative side)."""
        return cls(0, value, value, value, value, (value,) * len(QUANTILE_LEVELS))

    def sample(self, rng: np.random.Generator, size: int | None = None) -> float | FloatArray:
        """Inverse-CDF draws, linear between percentiles."""
        u = rng.random(size)
        drawn = np.interp(u, QUANTILE_LEVELS, np.asarray(self.quantiles))
        return float(drawn) if size is None else np.asarray(drawn, dtype=np.float64)


@attrs.frozen
class Figure:
    distribution: Distribution
    basis: Basis


@attrs.frozen
class SessionCosts:
    spread: Figure
    slippage: Figure


@attrs.frozen
class SessionSamples:
    """One pair's samples: all of them (``pooled``) and those inside each session. Sessions
    overlap (London and New York), so ``pooled`` is not the sum of the sessions."""

    pooled: FloatArray
    by_session: Mapping[str, FloatArray]


def _resolve(samples: SessionSamples | None, session: str, min_samples: int, default: float) -> Figure:
    if samples is not None:
        own = samples.by_session.get(session, np.zeros(0))
        if len(own) >= min_samples:
            return Figure(Distribution.from_samples(own), "measured")
        if len(samples.pooled) >= min_samples:
            return Figure(Distribution.from_samples(samples.pooled), "pooled")
    return Figure(Distribution.constant(default), "default")


def _default_spec(base: str, instruments: Instruments) -> InstrumentSpec:
    known = {s.base: s for s in instruments.specs}
    # a base with no spec gets InstrumentSpec's own placeholders (contract size is irrelevant here)
    return known.get(base) or InstrumentSpec(base, contract_size=1.0)


@attrs.frozen
class ExecutionModel:
    """Costs by (base asset, session). Pairs are named any way (BTC/USDT, BTCUSD, BTCUSDT):
    the base asset is the key, as the instrument catalogue looks specs up by base."""

    costs: Mapping[tuple[str, str], SessionCosts]
    instruments: Instruments = attrs.Factory(Instruments)

    @classmethod
    def from_samples(cls, spread: Mapping[str, SessionSamples], slippage: Mapping[str, SessionSamples],
                     min_samples: int, defaults: Instruments) -> ExecutionModel:
        if min_samples < 1:
            raise ValueError(f"min_samples must be >= 1, got {min_samples}")
        costs: dict[tuple[str, str], SessionCosts] = {}
        for base in sorted(set(spread) | set(slippage)):
            spec = _default_spec(base, defaults)
            for session in SESSION_NAMES:
                costs[(base, session)] = SessionCosts(
                    _resolve(spread.get(base), session, min_samples, spec.spread_p90_bps),
                    _resolve(slippage.get(base), session, min_samples, spec.slippage_p90_bps))
        return cls(costs, defaults)

    @property
    def bases(self) -> tuple[str, ...]:
        return tuple(sorted({base for base, _ in self.costs}))

    def base_of(self, pair: Pair | str) -> str:
        return self.instruments.base_of(pair)

    def cost(self, pair: Pair | str, session: str) -> SessionCosts:
        if session not in SESSION_NAMES:
            raise ValueError(f"unknown session {session!r}; one of {', '.join(SESSION_NAMES)}")
        base = self.base_of(pair)
        found = self.costs.get((base, session))
        if found is None:
            raise LookupError(f"no execution costs for {base}; measured: {', '.join(self.bases) or 'none'}")
        return found

    def sample_spread_bps(self, pair: Pair | str, session: str, rng: np.random.Generator) -> float:
        return float(self.cost(pair, session).spread.distribution.sample(rng))

    def sample_slippage_bps(self, pair: Pair | str, session: str, rng: np.random.Generator) -> float:
        return float(self.cost(pair, session).slippage.distribution.sample(rng))

    def session_at(self, pair: Pair | str, moment: datetime) -> str:
        """The session whose costs apply at ``moment``: off-hours when none is open; of overlapping
        sessions the one with the widest p90 spread, so an overlap never looks cheaper than it is."""
        open_now = active_sessions(moment)
        if not open_now:
            return OFF_HOURS
        return max(sorted(open_now), key=lambda s: self.cost(pair, s).spread.distribution.p90)

    def worst_p90(self, base: str) -> tuple[float, float]:
        """(spread, slippage) p90 of the pair's worst session for each."""
        rows = [c for (b, _), c in self.costs.items() if b == base]
        if not rows:
            raise LookupError(f"no execution costs for {base}")
        return (max(c.spread.distribution.p90 for c in rows), max(c.slippage.distribution.p90 for c in rows))

    def apply_to(self, instruments: Instruments) -> Instruments:
        """The catalogue with each measured pair's p90 costs. Sizing takes no session, so it gets
        the worst session's p90: the guard stays conservative at every hour of the day."""
        result = instruments
        for spec in instruments.specs:
            if spec.base in self.bases:
                spread, slippage = self.worst_p90(spec.base)
                result = result.with_spec(attrs.evolve(spec, spread_p90_bps=spread, slippage_p90_bps=slippage))
        return result
