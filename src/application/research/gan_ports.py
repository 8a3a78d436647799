"""Ports of the GAN research track: the adversarial trainer (a deep-learning library), the
generator it returns and the generator files. Arrays in, arrays out; no tensor crosses them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import attrs
import numpy as np
import numpy.typing as npt

Float32Array = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


@attrs.frozen
class GanPlan:
    """``params``: window, noise, hidden, epochs, batch, lr, critic_steps, gradient_penalty."""

    params: Mapping[str, Any]
    conditions: int  # number of condition classes (volatility regimes)
    seed: int


@attrs.frozen
class GanEpoch:
    epoch: int  # from 1
    critic_loss: float
    generator_loss: float
    seconds: float


class GanObserver(Protocol):
    def epoch_started(self, epoch: int, epochs: int) -> None: ...

    def epoch_done(self, record: GanEpoch) -> None: ...


class SilentGanObserver(GanObserver):
    def epoch_started(self, epoch: int, epochs: int) -> None:
        return None

    def epoch_done(self, record: GanEpoch) -> None:
        return None


class SequenceGenerator(Protocol):
    def sample(self, conditions: IntArray, length: int, seed: int) -> Float32Array:
        """(len(conditions), length, features) standardized series; the same seed, the same draw."""
        ...


class GanTrainer(Protocol):
    def fit(self, windows: Float32Array, conditions: IntArray, plan: GanPlan,
            observer: GanObserver) -> tuple[SequenceGenerator, list[GanEpoch]]:
        """``windows``: (n, window, features) standardized training windows; ``conditions``: their class."""
        ...


class GeneratorFiles(Protocol):
    def save(self, card: Mapping[str, Any], generator: SequenceGenerator) -> dict[str, Any]:
        """Write the weights and the card; the card as written carries ``version`` (from the
        weights' sha256) and ``weights_sha256``. Returns it."""
        ...

    def load(self, path: str) -> tuple[dict[str, Any], SequenceGenerator]:
        """The card at ``path`` (or the folder's ``<version>.json``) and its generator;
        ValueError naming the file when it is missing or does not match its weights."""
        ...
