"""The Gymnasium environment (the research extra): gymnasium's own API check, the guard inside it,
seeded episodes, and a seeded PPO run that repeats exactly."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("gymnasium", reason="the research extra (gymnasium, stable-baselines3) is not installed")
pytest.importorskip("stable_baselines3", reason="the research extra (gymnasium, stable-baselines3) is not installed")

from gymnasium.utils.env_checker import check_env

from adapters.research.ppo import PpoSettings, train
from adapters.research.trading_env import TradingEnv
from application.research.trading import Action, TradingConfig
from tests.unit.research.market import tape


def test_gymnasium_s_check_env_passes() -> None:
    check_env(TradingEnv(tape(), episode_bars=20), skip_render_check=True)


def test_the_kill_switch_turns_every_opening_into_a_hold() -> None:
    env = TradingEnv(tape(), episode_bars=10, kill_switch=True)
    env.reset(seed=1)
    for action in (Action.BUY, Action.SELL, Action.BUY):
        observation, reward, _, _, info = env.step(int(action))
        assert info["executed"] == "HOLD" and info["side"] == 0 and "kill_switch" in info["denied"]
        assert reward == 0.0 and observation[-3] == 0.0


def test_an_episode_ends_where_its_bars_or_its_run_end() -> None:
    market = tape(15 * 40)
    env = TradingEnv(market, episode_bars=8)
    env.reset(seed=3, options={"start": 0})
    ends = [env.step(int(Action.HOLD))[3] for _ in range(8)]
    assert ends == [False] * 7 + [True]
    env.reset(options={"start": len(market) - 3})  # two steps left in the run
    assert [env.step(int(Action.HOLD))[3] for _ in range(2)] == [False, True]


def test_a_seed_fixes_the_episode_starts() -> None:
    starts = [TradingEnv(tape(), episode_bars=5).reset(seed=9)[1]["bar"] for _ in range(2)]
    other = TradingEnv(tape(), episode_bars=5).reset(seed=10)[1]["bar"]
    assert starts[0] == starts[1] and (starts[0] != other or starts[0] == 0)


def test_a_seeded_ppo_run_repeats_exactly_with_its_gradient_clipped() -> None:
    settings = PpoSettings(timesteps=256, seed=4, episode_bars=24, n_steps=64, batch_size=32, n_epochs=2)
    runs = [train(tape(), TradingConfig(), settings) for _ in range(2)]
    assert runs[0].curve == runs[1].curve and len(runs[0].curve) >= 8
    weights = [np.concatenate([p.detach().numpy().ravel() for p in r.model.policy.parameters()]) for r in runs]
    assert np.array_equal(weights[0], weights[1])
    assert runs[0].model.max_grad_norm == 0.5
    other = train(tape(), TradingConfig(), PpoSettings(timesteps=256, seed=5, episode_bars=24, n_steps=64,
                                                       batch_size=32, n_epochs=2))
    assert other.curve != runs[0].curve
