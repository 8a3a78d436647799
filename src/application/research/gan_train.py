"""Use case: train the sequence GAN on one pair's real candles of a training span.

The span's last part (``holdout_start`` on) is held back: the generator never sees it and the
quality report compares generated candles with it. Nothing after ``train_end`` is read, so a GAN
trained up to a model's --train-end cannot carry validation or test data into training.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs
import numpy as np

from application.data.ports import CandleStore
from application.research.gan_data import FEATURES, REGIMES, GanInputError, Scaling, runs_of, windows_of
from application.research.gan_ports import GanEpoch, GanObserver, GanPlan, GanTrainer, GeneratorFiles
from domain.market.candles import Pair, datetime_to_ms

DEFAULT_PARAMS: dict[str, Any] = {"noise": 8, "hidden": 32, "epochs": 30, "batch": 64, "lr": 5e-4,
                                  "critic_steps": 3, "gradient_penalty": 10.0}


@attrs.frozen
class GanTrainRequest:
    pair: Pair
    train_start: datetime
    train_end: datetime
    holdout_start: datetime  # [holdout_start, train_end) is held back for the quality report
    window: int = 64
    stride: int = 8
    max_windows: int | None = 10_000  # evenly spaced, to keep a CPU run short
    params: Mapping[str, Any] = attrs.Factory(lambda: dict(DEFAULT_PARAMS))
    seed: int = 0

    def __attrs_post_init__(self) -> None:
        if not self.train_start < self.holdout_start < self.train_end:
            raise GanInputError(f"--holdout-start ({self.holdout_start:%Y-%m-%d %H:%M}) must lie inside the "
                                f"training span {self.train_start:%Y-%m-%d %H:%M} -> {self.train_end:%Y-%m-%d %H:%M}")
        if self.window < 8:
            raise GanInputError(f"--window must be at least 8 bars, got {self.window}")
        if self.stride < 1:
            raise GanInputError(f"--stride must be at least 1, got {self.stride}")


@attrs.frozen
class GanTrainReport:
    card: dict[str, Any]
    history: tuple[GanEpoch, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.card["version"], "card": self.card, "history": [attrs.asdict(h) for h in self.history]}


class TrainGan:
    def __init__(self, candles: CandleStore, trainer: GanTrainer, files: GeneratorFiles,
                 code_version: str = "unknown") -> None:
        self._candles, self._trainer, self._files, self._code_version = candles, trainer, files, code_version

    def __call__(self, request: GanTrainRequest, now: datetime, observer: GanObserver) -> GanTrainReport:
        loaded = self._candles.load(request.pair, datetime_to_ms(request.train_start),
                                    datetime_to_ms(request.holdout_start))
        raw = windows_of(runs_of(loaded), request.window, request.stride)
        if len(raw) < 2 * REGIMES:
            raise GanInputError(f"{request.pair}: only {len(raw)} unbroken windows of {request.window} bars between "
                                f"{request.train_start:%Y-%m-%d} and {request.holdout_start:%Y-%m-%d} "
                                f"({len(loaded)} candles stored); import more candles or lower --window")
        if request.max_windows is not None and len(raw) > request.max_windows:
            raw = raw[np.unique(np.linspace(0, len(raw) - 1, request.max_windows).round().astype(np.int64))]
        scaling = Scaling.fit(raw)
        conditions = scaling.regimes(raw[:, :, 0])
        params = {**DEFAULT_PARAMS, **request.params, "window": request.window, "features": len(FEATURES)}
        generator, history = self._trainer.fit(scaling.standardize(raw), conditions,
                                               GanPlan(params, REGIMES, request.seed), observer)
        card = {"kind": "sequence-wgan-gp", "pair": request.pair.symbol, "features": list(FEATURES),
                "train_start": request.train_start.isoformat(), "holdout_start": request.holdout_start.isoformat(),
                "train_end": request.train_end.isoformat(), "window": request.window, "stride": request.stride,
                "windows": len(raw), "candles": len(loaded), "scaling": scaling.as_dict(), "params": params,
                "condition_counts": np.bincount(conditions, minlength=REGIMES).tolist(), "seed": request.seed,
                "losses": {"critic": history[-1].critic_loss, "generator": history[-1].generator_loss}
                if history else {}, "created_at": now.isoformat(), "code_version": self._code_version}
        return GanTrainReport(self._files.save(card, generator), tuple(history))
