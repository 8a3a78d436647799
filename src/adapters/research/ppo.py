"""PPO from stable-baselines3 on the trading environment: seeded (Python, NumPy, torch, the
environment's draws), gradient norm clipped, on the CPU with one thread, every finished episode's
reward kept as the reward curve."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.utils import set_random_seed

from adapters.research.trading_env import TradingEnv, clipped
from application.research.rl_verdict import CurvePoint
from application.research.tape import Tape
from application.research.trading import Action, TradingConfig
from application.research.walk import Policy

Progress = Callable[[int], None]  # timesteps done so far


@attrs.frozen
class PpoSettings:
    timesteps: int = 20_000
    seed: int = 0
    episode_bars: int = 96  # a day of 15-minute bars
    n_steps: int = 512
    batch_size: int = 64
    n_epochs: int = 4
    learning_rate: float = 3e-4
    gamma: float = 0.99
    ent_coef: float = 0.01
    max_grad_norm: float = 0.5  # clip the gradient's global norm: PPO on noisy rewards spikes without it
    hidden: int = 64

    def __attrs_post_init__(self) -> None:
        if self.timesteps < self.n_steps:
            raise ValueError(f"timesteps {self.timesteps} must be at least n_steps {self.n_steps} (one rollout)")
        if self.n_steps % self.batch_size:
            raise ValueError(f"n_steps {self.n_steps} must be a multiple of batch_size {self.batch_size}")
        if not self.max_grad_norm > 0:
            raise ValueError(f"max_grad_norm must be > 0, got {self.max_grad_norm}")


@attrs.frozen
class TrainedAgent:
    model: PPO
    settings: PpoSettings
    curve: tuple[CurvePoint, ...]

    def policy(self) -> Policy:
        return deterministic(self.model)

    def actions(self) -> Callable[[npt.NDArray[np.float32]], npt.NDArray[np.int64]]:
        return batched(self.model)

    def save(self, path: Path) -> None:
        self.model.save(str(path))


class _Curve(BaseCallback):
    def __init__(self, progress: Progress | None) -> None:
        super().__init__()
        self.points: list[CurvePoint] = []
        self._progress = progress

    def _on_step(self) -> bool:
        for info in self.locals.get("infos", []):
            episode = info.get("episode")
            if episode is not None:
                self.points.append(CurvePoint(self.num_timesteps, float(episode["r"]), int(episode["l"])))
        if self._progress is not None and self.num_timesteps % 256 == 0:
            self._progress(self.num_timesteps)
        return True


def train(tape: Tape, config: TradingConfig, settings: PpoSettings, progress: Progress | None = None) -> TrainedAgent:
    torch.set_num_threads(1)  # the research runs share small machines; one thread also keeps runs repeatable
    set_random_seed(settings.seed)
    env = Monitor(TradingEnv(tape, config, episode_bars=settings.episode_bars))
    env.reset(seed=settings.seed)
    env.action_space.seed(settings.seed)
    model = PPO("MlpPolicy", env, seed=settings.seed, device="cpu", verbose=0, n_steps=settings.n_steps,
                batch_size=settings.batch_size, n_epochs=settings.n_epochs, learning_rate=settings.learning_rate,
                gamma=settings.gamma, ent_coef=settings.ent_coef, max_grad_norm=settings.max_grad_norm,
                policy_kwargs=_policy(settings))
    curve = _Curve(progress)
    model.learn(total_timesteps=settings.timesteps, callback=curve)
    return TrainedAgent(model, settings, tuple(curve.points))


def _policy(settings: PpoSettings) -> dict[str, Any]:
    return {"net_arch": [settings.hidden, settings.hidden]}


def load_policy(path: Path) -> Policy:
    return deterministic(PPO.load(str(path), device="cpu"))


def deterministic(model: PPO) -> Policy:
    """The most probable action at each bar, as an evaluation should take them."""
    def act(observation: np.ndarray, i: int) -> Action:
        action, _ = model.predict(observation, deterministic=True)
        return Action(int(action))
    return act


def batched(model: PPO) -> Callable[[npt.NDArray[np.float32]], npt.NDArray[np.int64]]:
    """The most probable action for each row of observations, in one pass (the backtest scores a
    month of minutes at once); each row is scored alone, so a row's action reads nothing else."""
    def act(observations: npt.NDArray[np.float32]) -> npt.NDArray[np.int64]:
        if not len(observations):
            return np.empty(0, dtype=np.int64)
        actions, _ = model.predict(clipped(observations), deterministic=True)
        return np.asarray(actions, dtype=np.int64).reshape(len(observations))
    return act
