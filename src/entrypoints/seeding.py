"""One seeding helper for every command that draws random numbers."""

from __future__ import annotations

import os
import random

import numpy as np
import structlog


def seed_everything(seed: int, *, torch: bool = False) -> np.random.Generator:
    """Seed python, numpy and (when asked, since importing it costs seconds) torch with
    deterministic kernels; log the seed so a run can be repeated. Returns a numpy Generator."""
    random.seed(seed)
    np.random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    if torch:
        import torch as _torch

        _torch.manual_seed(seed)
        _torch.use_deterministic_algorithms(True, warn_only=True)
        _torch.backends.cudnn.deterministic = True
        _torch.backends.cudnn.benchmark = False
    structlog.get_logger("seed").info("seeded", seed=seed, torch=torch)
    return np.random.default_rng(seed)
