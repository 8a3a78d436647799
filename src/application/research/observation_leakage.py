"""Use case: prove that the agent observes nothing after its bar, the way the feature store proves
it of the features (application.features.leakage).

For each decision bar T, the same actions are played up to T on the tape built from the stored rows
and candles, and on the tape built after the rows and candles after T were changed (feature values
replaced by noise, candles rescaled with minutes dropped, by the features' own ``perturb_after``).
Every observation up to and including T must be bit-identical: a difference means the observation,
or the state it reads, used the future.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs
import numpy as np
import numpy.typing as npt

from application.features.leakage import perturb_after
from application.features.ports import PairFeatures
from application.research.tape import Tape
from application.research.trading import Action, TradingConfig, observe, start, step
from domain.market.quality import Ohlcv

TapeBuilder = Callable[[PairFeatures, Ohlcv], Tape]


@attrs.frozen
class ObservationLeak:
    bar: int  # the decision bar T whose past observations changed
    first_changed: int  # the first decision bar at or before T whose observation differs


def observation_leaks(build: TapeBuilder, rows: PairFeatures, candles: Ohlcv, bars: Sequence[int],
                      actions: Sequence[Action], config: TradingConfig, seed: int) -> list[ObservationLeak]:
    """The bars T (indices of the tape built from the untouched data) whose observations up to T
    change when the data after T changes; empty when nothing leaks."""
    rng = np.random.default_rng(seed)
    reference = build(rows, candles)
    leaks = []
    for bar in bars:
        at_ms = int(reference.open_time_ms[bar])
        future = perturb_after(candles, _index(candles, at_ms), rng, keep=len(candles))
        changed = build(_perturb_rows(rows, at_ms, future, rng), future)
        ours, theirs = _observations(reference, bar, actions, config), _observations(changed, bar, actions, config)
        differs = [i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a.tobytes() != b.tobytes()]
        if differs or len(theirs) != len(ours):
            leaks.append(ObservationLeak(bar, differs[0] if differs else min(len(ours), len(theirs))))
    return leaks


def _index(candles: Ohlcv, at_ms: int) -> int:
    return int(np.searchsorted(candles.open_time_ms, at_ms))


def _perturb_rows(rows: PairFeatures, at_ms: int, candles: Ohlcv, rng: np.random.Generator) -> PairFeatures:
    """Feature values after ``at_ms`` replaced by noise, and only the rows whose candle is still there."""
    after = rows.open_time_ms > at_ms
    kept = np.isin(rows.open_time_ms, candles.open_time_ms)
    noisy = {name: np.where(after, rng.normal(size=len(v)), v).astype(v.dtype)[kept]
             for name, v in rows.features.items()}
    return attrs.evolve(rows, open_time_ms=rows.open_time_ms[kept], segment=rows.segment[kept], features=noisy,
                        labels={name: v[kept] for name, v in rows.labels.items()})


def _observations(tape: Tape, bar: int, actions: Sequence[Action], config: TradingConfig
                  ) -> list[npt.NDArray[np.float32]]:
    """Observations of bars 0..``bar`` of the run holding bar 0, playing ``actions`` in turn."""
    state = start(tape, 0, config)
    seen = [observe(tape, 0, state, config)]
    for i in range(bar):
        if not tape.can_step(i):
            break
        state = step(state, actions[i % len(actions)], tape, i, config).state
        seen.append(observe(tape, i + 1, state, config))
    return seen
