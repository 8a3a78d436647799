"""The statistics that judge generated candles, on series whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from domain.research.quality import (
    acf,
    block_returns,
    clustering,
    compare,
    excess_kurtosis,
    kolmogorov_survival,
    ks_two_sample,
    pooled_acf,
    rolling_volatility,
)


def garch(n: int, seed: int, omega: float = 1e-6, alpha: float = 0.1, beta: float = 0.85) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out, variance = np.empty(n), omega / (1 - alpha - beta)
    for t in range(n):
        out[t] = np.sqrt(variance) * rng.standard_normal()
        variance = omega + alpha * out[t] ** 2 + beta * variance
    return out


def test_ks_of_disjoint_samples_is_one_and_of_equal_ones_zero() -> None:
    assert ks_two_sample(np.array([1.0, 2, 3]), np.array([4.0, 5, 6])).statistic == 1.0
    same = ks_two_sample(np.arange(100.0), np.arange(100.0))
    assert same.statistic == 0.0 and same.p_value == 1.0


def test_ks_tells_a_shifted_distribution_from_the_same_one() -> None:
    rng = np.random.default_rng(0)
    a, b, shifted = rng.normal(0, 1, 4000), rng.normal(0, 1, 4000), rng.normal(0.3, 1, 4000)
    alike, apart = ks_two_sample(a, b), ks_two_sample(a, shifted)
    assert alike.statistic < 0.04 and alike.p_value > 0.01
    assert apart.statistic > 0.08 and apart.p_value < 1e-6


def test_kolmogorov_survival_matches_known_quantiles() -> None:
    assert kolmogorov_survival(1.358) == pytest.approx(0.05, abs=2e-3)
    assert kolmogorov_survival(1.628) == pytest.approx(0.01, abs=1e-3)


def test_acf_of_an_ar1_series_decays_geometrically() -> None:
    rng = np.random.default_rng(1)
    x = np.zeros(20_000)
    for t in range(1, len(x)):
        x[t] = 0.6 * x[t - 1] + rng.standard_normal()
    rho = acf(x, 3)
    np.testing.assert_allclose(rho, [0.6, 0.36, 0.216], atol=0.03)


def test_garch_returns_cluster_and_iid_returns_do_not() -> None:
    clustered = garch(20_000, seed=2)
    iid = np.random.default_rng(2).normal(0, clustered.std(), 20_000)
    assert clustering([clustered]) > 0.1
    assert abs(clustering([iid])) < 0.02
    assert abs(acf(clustered, 1)[0]) < 0.05  # the returns themselves stay uncorrelated
    assert excess_kurtosis(clustered) > 0.5 > abs(excess_kurtosis(iid))  # fat tails from clustering alone


def test_pooled_acf_never_bridges_two_series() -> None:
    # a spike ends one series and another starts the next: joined, they would look correlated
    first, second = np.zeros(50), np.zeros(50)
    first[-1] = second[0] = 10.0
    assert acf(np.concatenate([first, second]), 1)[0] > 0.4
    assert pooled_acf([first, second], 1)[0] < 0.05


def test_rolling_volatility_uses_whole_blocks_inside_each_path() -> None:
    blocks = rolling_volatility([np.array([1.0, -1, 1, -1, 9]), np.array([2.0, -2])], 2)
    np.testing.assert_allclose(blocks, [1.0, 1.0, 2.0])


def test_compare_ranks_a_garch_copy_closer_than_iid_noise() -> None:
    real = [garch(5_000, seed=s) for s in (10, 11)]
    like = [garch(5_000, seed=s) for s in (20, 21)]
    noise = [np.random.default_rng(s).normal(0, np.std(real), 5_000) for s in (30, 31)]
    good, bad = compare(real, like, 1.0), compare(real, noise, 1.0)
    assert good.acf_abs_mae < bad.acf_abs_mae
    assert good.volatility_ks.statistic < bad.volatility_ks.statistic
    assert good.prices_positive and not compare(real, like, 0.0).prices_positive
    assert set(good.as_dict()) >= {"returns_ks", "acf_abs_mae", "clustering_real", "min_price_synthetic"}


def test_drift_shows_in_the_block_returns_not_in_the_minute_spread() -> None:
    rng = np.random.default_rng(4)
    real = [rng.normal(0, 1e-3, 6000)]
    drifting = [rng.normal(0, 1e-3, 600) + rng.normal(0, 3e-4) for _ in range(10)]  # a drift per path
    report = compare(real, drifting, 1.0, block=60)
    assert report.return_std_synthetic == pytest.approx(report.return_std_real, rel=0.1)
    assert report.block_std_synthetic > 1.5 * report.block_std_real
    np.testing.assert_allclose(block_returns([np.arange(5.0)], 2), [1.0, 5.0])
