"""How close generated candles come to real ones: the two-sample Kolmogorov-Smirnov statistic of
returns and of volatility, the autocorrelation of absolute returns (the long memory of
volatility), a volatility-clustering figure and the lowest price. Pure numpy."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@attrs.frozen
class KsResult:
    statistic: float  # the largest gap between the two empirical distribution functions
    p_value: float  # asymptotic (Kolmogorov distribution); small samples read it with care
    n_a: int
    n_b: int


def ks_two_sample(a: FloatArray, b: FloatArray) -> KsResult:
    """The two-sample KS statistic over the finite values of ``a`` and ``b``."""
    a, b = np.sort(a[np.isfinite(a)]), np.sort(b[np.isfinite(b)])
    if not len(a) or not len(b):
        raise ValueError("the KS statistic needs at least one finite value in each sample")
    grid = np.concatenate([a, b])
    gap = np.abs(np.searchsorted(a, grid, side="right") / len(a) - np.searchsorted(b, grid, side="right") / len(b))
    d = float(gap.max())
    n = len(a) * len(b) / (len(a) + len(b))
    return KsResult(d, kolmogorov_survival((np.sqrt(n) + 0.12 + 0.11 / np.sqrt(n)) * d), len(a), len(b))


def kolmogorov_survival(x: float) -> float:
    """P(K > x) for the Kolmogorov distribution (the alternating series; 1 near zero)."""
    if x < 0.2:
        return 1.0
    k = np.arange(1, 101)
    value = 2.0 * np.sum((-1.0) ** (k - 1) * np.exp(-2.0 * k * k * x * x))
    return float(min(max(value, 0.0), 1.0))


def acf(x: FloatArray, lags: int) -> FloatArray:
    """Sample autocorrelation at lags 1..``lags`` (the biased estimator, as statistics packages give)."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) <= lags:
        raise ValueError(f"an ACF to lag {lags} needs more than {lags} values, got {len(x)}")
    centred = x - x.mean()
    denominator = float(centred @ centred)
    if denominator == 0.0:
        return np.zeros(lags)
    return np.array([float(centred[:-k] @ centred[k:]) / denominator for k in range(1, lags + 1)])


def pooled_acf(paths: Sequence[FloatArray], lags: int) -> FloatArray:
    """The ACF of several separate series (paths, or blocks between gaps) without bridging them:
    lagged products are summed within each series around the pooled mean."""
    usable = [np.asarray(p, dtype=np.float64) for p in paths if len(p) > lags]
    if not usable:
        raise ValueError(f"an ACF to lag {lags} needs a series longer than {lags}")
    mean = float(np.mean(np.concatenate(usable)))
    centred = [p - mean for p in usable]
    denominator = sum(float(c @ c) for c in centred)
    if denominator == 0.0:
        return np.zeros(lags)
    return np.array([sum(float(c[:-k] @ c[k:]) for c in centred) / denominator for k in range(1, lags + 1)])


def clustering(paths: Sequence[FloatArray], lags: int = 10) -> float:
    """Volatility clustering: the mean autocorrelation of absolute returns over lags 1..``lags``
    (near 0 for independent returns, clearly positive when calm and stormy spells persist)."""
    return float(np.mean(pooled_acf([np.abs(p) for p in paths], lags)))


def rolling_volatility(paths: Sequence[FloatArray], window: int) -> FloatArray:
    """Standard deviation of returns over non-overlapping blocks of ``window`` bars inside each path."""
    out = [np.asarray(p[: len(p) // window * window]).reshape(-1, window).std(axis=1) for p in paths]
    joined = np.concatenate(out) if out else np.zeros(0)
    return joined


def block_returns(paths: Sequence[FloatArray], window: int) -> FloatArray:
    """Sums of log returns over non-overlapping blocks of ``window`` bars inside each path: their
    spread shows drift or mean reversion that one-minute figures miss."""
    out = [np.asarray(p[: len(p) // window * window]).reshape(-1, window).sum(axis=1) for p in paths]
    return np.concatenate(out) if out else np.zeros(0)


def excess_kurtosis(x: FloatArray) -> float:
    x = np.asarray(x, dtype=np.float64)
    sd = x.std()
    return float(np.mean((x - x.mean()) ** 4) / sd**4 - 3.0) if sd > 0 else 0.0


@attrs.frozen
class QualityReport:
    returns_ks: KsResult
    volatility_ks: KsResult
    acf_abs_real: tuple[float, ...]
    acf_abs_synthetic: tuple[float, ...]
    clustering_real: float
    clustering_synthetic: float
    kurtosis_real: float
    kurtosis_synthetic: float
    return_std_real: float
    return_std_synthetic: float
    min_price_synthetic: float
    volatility_window: int
    return_acf1_real: float  # lag-1 autocorrelation of the returns themselves (near 0 for real minutes)
    return_acf1_synthetic: float
    block_std_real: float  # spread of the summed return over ``block`` bars
    block_std_synthetic: float
    block: int

    @property
    def acf_abs_mae(self) -> float:
        return float(np.mean(np.abs(np.subtract(self.acf_abs_real, self.acf_abs_synthetic))))

    @property
    def prices_positive(self) -> bool:
        return self.min_price_synthetic > 0.0

    def as_dict(self) -> dict[str, object]:
        return {**attrs.asdict(self), "acf_abs_mae": self.acf_abs_mae, "prices_positive": self.prices_positive}


def compare(real: Sequence[FloatArray], synthetic: Sequence[FloatArray], min_price: float, lags: int = 20,
            volatility_window: int = 15, block: int = 60) -> QualityReport:
    """Synthetic log-return paths against held real ones (each a list of unbroken series)."""
    r, s = np.concatenate(list(real)), np.concatenate(list(synthetic))
    return QualityReport(
        ks_two_sample(r, s),
        ks_two_sample(rolling_volatility(real, volatility_window), rolling_volatility(synthetic, volatility_window)),
        tuple(pooled_acf([np.abs(p) for p in real], lags)), tuple(pooled_acf([np.abs(p) for p in synthetic], lags)),
        clustering(real), clustering(synthetic), excess_kurtosis(r), excess_kurtosis(s),
        float(r.std()), float(s.std()), float(min_price), volatility_window, float(pooled_acf(real, 1)[0]),
        float(pooled_acf(synthetic, 1)[0]), float(block_returns(real, block).std()),
        float(block_returns(synthetic, block).std()), block)
