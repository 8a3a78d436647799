"""A trading policy served to the backtest engine (application.research.policy_predictor): its
action -> prediction mapping, the flat account it observes, and no future data (changing the rows
and candles after bar T leaves every prediction up to T unchanged; a planted peek is caught)."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import numpy as np
import numpy.typing as npt
import pytest

from application.backtest.ports import BulkPredictions
from application.features.leakage import perturb_after
from application.features.ports import PairFeatures
from application.research.policy_predictor import Actions, PolicyPredictor
from application.research.trading import STATE_FEATURES, Action, TradingConfig
from domain.market.candles import Pair
from domain.market.quality import Ohlcv
from tests.unit.research.market import PAIR, candles, rows, tape

HIGH = 0.70


def _by_momentum(seen: list[npt.NDArray[np.float32]]) -> Actions:
    """BUY on a 15-minute return above 0.05 %, SELL below -0.05 %, HOLD between; records what it saw."""
    def act(observations: npt.NDArray[np.float32]) -> npt.NDArray[np.int64]:
        seen.append(observations)
        ret = observations[:, 0]
        return np.where(ret > 0.05, Action.BUY, np.where(ret < -0.05, Action.SELL, Action.HOLD)).astype(np.int64)
    return act


def test_buy_is_long_sell_is_short_at_the_fixed_confidence_and_hold_is_no_prediction() -> None:
    bars = candles(15 * 40, vol=0.002)
    features = rows(bars)
    seen: list[npt.NDArray[np.float32]] = []
    bulk = PolicyPredictor(features, _by_momentum(seen), HIGH, "policy", 15).predict_many(PAIR, bars)
    ret = features.features["ret_15"]
    at = np.searchsorted(bars.open_time_ms, features.open_time_ms)
    want = np.where(ret > 0.05, 1, np.where(ret < -0.05, -1, 0))
    assert {-1, 0, 1} <= set(want.tolist())  # the data exercises all three actions
    assert np.array_equal(bulk.direction[at], want)
    assert np.all(bulk.probability[at][want != 0] == HIGH) and np.isnan(bulk.probability[at][want == 0]).all()
    # the warm-up minutes have no stored row: no prediction there
    warm = np.ones(len(bars), dtype=bool)
    warm[at] = False
    assert warm.sum() == 60 and not bulk.direction[warm].any() and np.isnan(bulk.probability[warm]).all()
    assert bulk.model == "policy" and bulk.horizon_minutes == 15


def test_the_policy_sees_the_bar_s_row_and_a_flat_account() -> None:
    bars = candles(15 * 20)
    features = rows(bars)
    seen: list[npt.NDArray[np.float32]] = []
    PolicyPredictor(features, _by_momentum(seen), HIGH, "policy", 15).predict_many(PAIR, bars)
    (observations,) = seen
    names = tuple(features.features)
    assert observations.shape == (len(features), len(names) + len(STATE_FEATURES))
    stored = np.column_stack([features.features[n] for n in names]).astype(np.float32)
    assert np.array_equal(observations[:, :len(names)], stored)
    assert not observations[:, len(names):].any()  # no position, no unrealized or day P/L


def test_another_pair_or_too_few_rows_get_no_prediction() -> None:
    bars = candles(15 * 10)
    predictor = PolicyPredictor(rows(bars), _by_momentum([]), HIGH, "policy", 15)
    other = predictor.predict_many(Pair("ETHUSDT"), bars)
    assert not other.direction.any() and np.isnan(other.probability).all()
    few = predictor.predict_many(PAIR, bars.take(slice(0, 61)))  # one stored row among them
    assert not few.direction.any()
    with pytest.raises(ValueError, match="confidence"):
        PolicyPredictor(rows(bars), _by_momentum([]), 0.5, "policy", 15)


def _future_changed(features: PairFeatures, bars: Ohlcv, at: int, rng: np.random.Generator) -> tuple[PairFeatures,
                                                                                                      Ohlcv]:
    """Rows after candle ``at`` replaced by noise, candles after it rescaled with minutes dropped."""
    at_ms = int(bars.open_time_ms[at])
    after = features.open_time_ms > at_ms
    noisy = {n: np.where(after, rng.normal(size=len(v)), v) for n, v in features.features.items()}
    return attrs.evolve(features, features=noisy), perturb_after(bars, at, rng, keep=len(bars))


def _changes_up_to(build: Callable[[PairFeatures], PolicyPredictor], bars: Ohlcv, points: tuple[int, ...]) -> list[int]:
    """The bars T whose predictions up to T change when what follows T changes."""
    features = rows(bars)
    reference = build(features).predict_many(PAIR, bars)
    rng = np.random.default_rng(3)
    changed = []
    for at in points:
        future_rows, future = _future_changed(features, bars, at, rng)
        again = build(future_rows).predict_many(PAIR, future)
        if not _same(reference, again, at):
            changed.append(at)
    return changed


def _same(a: BulkPredictions, b: BulkPredictions, at: int) -> bool:
    return (np.array_equal(a.direction[:at + 1], b.direction[:at + 1])
            and np.array_equal(a.probability[:at + 1], b.probability[:at + 1], equal_nan=True))


POINTS = (90, 400, 777, 1200)


def test_no_future_data_with_a_trained_ppo_policy() -> None:
    pytest.importorskip("stable_baselines3", reason="the research extra (gymnasium, stable-baselines3) is not installed")
    from adapters.research.ppo import PpoSettings, train

    bars = candles(15 * 100, vol=0.002)
    agent = train(tape(15 * 100, vol=0.002), TradingConfig(), PpoSettings(timesteps=256, n_steps=64, episode_bars=16))

    def build(features: PairFeatures) -> PolicyPredictor:
        return PolicyPredictor(features, agent.actions(), HIGH, "ppo", 15)

    served = build(rows(bars)).predict_many(PAIR, bars)
    assert len(set(served.direction.tolist())) > 1  # the policy says different things: the check has teeth
    assert _changes_up_to(build, bars, POINTS) == []


def test_a_planted_peek_at_the_next_row_is_caught() -> None:
    def peeking(features: PairFeatures) -> PolicyPredictor:
        """Each row replaced by the mean of the next ten: the bars before T read what follows T."""
        ahead = {n: np.array([v[i + 1:i + 11].mean() if i + 1 < len(v) else v[i] for i in range(len(v))])
                 for n, v in features.features.items()}
        return PolicyPredictor(attrs.evolve(features, features=ahead), _by_momentum([]), HIGH, "peek", 15)

    def honest(features: PairFeatures) -> PolicyPredictor:
        return PolicyPredictor(features, _by_momentum([]), HIGH, "honest", 15)

    bars = candles(15 * 100, vol=0.002)
    assert _changes_up_to(honest, bars, POINTS) == []
    assert _changes_up_to(peeking, bars, POINTS) == list(POINTS)
