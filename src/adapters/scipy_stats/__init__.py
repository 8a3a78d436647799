"""Statistics from scipy: the Kolmogorov distribution behind the drift monitor's p-values."""

from adapters.scipy_stats.ks import ScipyKsPValue

__all__ = ["ScipyKsPValue"]
