"""A Gymnasium environment over a tape of the feature store: actions hold / buy / sell, the
observation the stored feature row of the current closed bar and the account, the reward the
step's change in equity net of costs, every opening through the FTMO guard
(application.research.trading holds all of it; this class only adapts it to Gymnasium).

An episode starts at a bar drawn with the environment's seeded generator and lasts
``episode_bars`` steps, or less where its run of contiguous candles ends first."""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
import numpy.typing as npt
from gymnasium import spaces

from application.research.tape import Tape
from application.research.trading import (
    STATE_FEATURES,
    Action,
    TradingConfig,
    TradingState,
    observe,
    start,
    step,
)

Observation = npt.NDArray[np.float32]
# the stored features are normalized and the account figures are percents: a bound far outside both
# that a wild value is clipped to, rather than an infinite space
OBSERVATION_LIMIT = 1_000.0


class TradingEnv(gymnasium.Env[Observation, np.int64]):
    metadata: dict[str, Any] = {"render_modes": []}  # noqa: RUF012 - gymnasium reads a class attribute

    def __init__(self, tape: Tape, config: TradingConfig | None = None, episode_bars: int = 96,
                 reward_scale: float = 100.0, kill_switch: bool = False) -> None:
        """``reward_scale`` 100: rewards in percent of the initial balance (PPO learns poorly on
        rewards of 1e-4); ``kill_switch`` starts every episode with it on (for tests)."""
        if episode_bars < 1:
            raise ValueError(f"episode_bars must be >= 1, got {episode_bars}")
        self._tape = tape
        self._config = config or TradingConfig()
        self._bars = episode_bars
        self._scale = reward_scale
        self._kill = kill_switch
        self._starts = np.array([i for first, last in tape.runs() for i in range(first, last)], dtype=np.int64)
        if len(self._starts) == 0:
            raise ValueError(f"{tape.pair}: the tape has no run of two or more decision bars")
        width = len(tape.feature_names) + len(STATE_FEATURES)
        self.observation_space = spaces.Box(-OBSERVATION_LIMIT, OBSERVATION_LIMIT, shape=(width,), dtype=np.float32)
        self.action_space = spaces.Discrete(len(Action))
        self._i = self._end = 0
        self._state: TradingState | None = None

    @property
    def state(self) -> TradingState:
        if self._state is None:
            raise RuntimeError("reset() the environment before reading its state")
        return self._state

    def reset(self, *, seed: int | None = None,
              options: dict[str, Any] | None = None) -> tuple[Observation, dict[str, Any]]:
        super().reset(seed=seed)
        first = int(self._starts[self.np_random.integers(len(self._starts))])
        if options and "start" in options:
            first = int(options["start"])
        last = first
        while last - first < self._bars and self._tape.can_step(last):
            last += 1
        self._i, self._end = first, last
        self._state = start(self._tape, first, self._config, self._kill)
        return self._observe(first), {"bar": first}

    def step(self, action: np.int64 | int) -> tuple[Observation, float, bool, bool, dict[str, Any]]:
        result = step(self.state, Action(int(action)), self._tape, self._i, self._config)
        self._state, self._i = result.state, self._i + 1
        info = {"bar": self._i, "executed": result.executed.name, "denied": [r.rule for r in result.denied],
                "equity": result.state.account.equity, "side": result.state.side}
        truncated = not result.terminated and self._i >= self._end
        observation = self._observe(self._i)
        return observation, float(self._scale * result.reward), result.terminated, truncated, info

    def _observe(self, i: int) -> Observation:
        return clipped(observe(self._tape, i, self.state, self._config))


def clipped(observations: Observation) -> Observation:
    """The observation (or rows of them) as the policy sees it: inside the observation space."""
    return np.clip(observations, -OBSERVATION_LIMIT, OBSERVATION_LIMIT).astype(np.float32)
