"""The execution model: distributions, fallbacks by basis, seeded sampling, and the p90s the guard
sizes with."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from domain.execution.costs import QUANTILE_LEVELS, Distribution, ExecutionModel, SessionSamples
from domain.execution.instruments import Instruments


def _samples(pooled: np.ndarray, **by_session: np.ndarray) -> SessionSamples:
    return SessionSamples(pooled, by_session)


def test_distribution_summarises_like_numpy() -> None:
    values = np.random.default_rng(1).gamma(2.0, 1.5, 5_000)
    d = Distribution.from_samples(values)
    assert d.count == 5_000
    assert d.mean == pytest.approx(values.mean())
    assert (d.p50, d.p90, d.p99) == pytest.approx(tuple(np.quantile(values, [0.5, 0.9, 0.99])))
    assert len(d.quantiles) == len(QUANTILE_LEVELS)


def test_seeded_sampling_repeats_and_follows_the_quantiles() -> None:
    d = Distribution.from_samples(np.random.default_rng(2).exponential(3.0, 20_000))
    first = d.sample(np.random.default_rng(7), 50_000)
    again = d.sample(np.random.default_rng(7), 50_000)
    assert np.array_equal(first, again)
    assert np.quantile(first, 0.9) == pytest.approx(d.p90, rel=0.03)
    assert first.min() >= d.quantiles[0] and first.max() <= d.quantiles[-1]


@pytest.mark.parametrize("bad", [[], [1.0, float("nan")]])
def test_distribution_needs_finite_samples(bad: list[float]) -> None:
    with pytest.raises(ValueError, match="at least one sample"):
        Distribution.from_samples(bad)


@pytest.mark.parametrize("symbol", ["BTC/USDT", "BTCUSD", "BTCUSDT", "btc-usdt"])
def test_pair_names_normalise_to_the_base_asset(symbol: str) -> None:
    assert Instruments().base_of(symbol) == "BTC"


def test_bnbusd_is_bnb_not_bn() -> None:
    assert Instruments().base_of("BNBUSD") == "BNB"


def _model(min_samples: int = 10) -> ExecutionModel:
    wide, tight = np.full(50, 8.0), np.linspace(0.5, 1.5, 50)
    spread = {"BTC": _samples(np.concatenate([wide, tight, np.ones(5)]), london=wide, tokyo=tight,
                              new_york=np.ones(5))}
    return ExecutionModel.from_samples(spread, {}, min_samples, Instruments())


def test_fallback_measured_then_pooled_then_default() -> None:
    model = _model()
    assert model.cost("BTCUSDT", "london").spread.basis == "measured"
    assert model.cost("BTCUSDT", "london").spread.distribution.p90 == pytest.approx(8.0)
    thin = model.cost("BTC/USDT", "new_york").spread  # 5 samples < 10: the pooled figures
    assert thin.basis == "pooled" and thin.distribution.count == 105
    assert model.cost("BTCUSD", "off_hours").spread.basis == "pooled"
    slippage = model.cost("BTCUSDT", "tokyo").slippage  # no fills at all: the instrument's default
    assert slippage.basis == "default" and slippage.distribution.p90 == Instruments().spec_for_base("BTC").slippage_p90_bps


def test_too_few_pooled_samples_take_the_configured_default() -> None:
    model = _model(min_samples=1_000)
    figure = model.cost("BTCUSDT", "london").spread
    assert figure.basis == "default"
    assert figure.distribution.p90 == 10.0  # the BTC placeholder
    assert model.sample_spread_bps("BTCUSDT", "london", np.random.default_rng(0)) == 10.0


def test_guard_sizes_with_the_worst_sessions_p90() -> None:
    model = _model()
    instruments = model.apply_to(Instruments())
    btc = instruments.spec_for_base("BTC")
    assert btc.spread_p90_bps == pytest.approx(8.0)  # london, the widest session
    assert btc.slippage_p90_bps == 5.0  # unmeasured: the placeholder
    assert instruments.spec_for_base("ETH") == Instruments().spec_for_base("ETH")  # not measured: unchanged


def test_sampling_is_seeded_per_pair_and_session() -> None:
    model = _model()
    draws = [model.sample_spread_bps("BTCUSDT", "tokyo", np.random.default_rng(3)) for _ in range(2)]
    assert draws[0] == draws[1] and 0.5 <= draws[0] <= 1.5


def test_session_at_takes_the_widest_of_overlapping_sessions() -> None:
    model = _model()
    overlap = datetime(2024, 7, 10, 13, 0, tzinfo=UTC)  # a Wednesday: London and New York both open
    assert model.session_at("BTCUSDT", overlap) == "london"
    assert model.session_at("BTCUSDT", datetime(2024, 7, 13, 12, 0, tzinfo=UTC)) == "off_hours"  # Saturday


def test_unknown_pair_or_session_is_refused() -> None:
    model = _model()
    with pytest.raises(LookupError, match="ETH"):
        model.cost("ETHUSDT", "tokyo")
    with pytest.raises(ValueError, match="unknown session"):
        model.cost("BTCUSDT", "sydney")
