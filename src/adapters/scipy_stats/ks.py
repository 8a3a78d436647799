"""The two-sample KS p-value from scipy's Kolmogorov distribution.

``kstwo.sf(D, round(n * m / (n + m)))`` is exactly what ``scipy.stats.ks_2samp(..., method="asymp")``
returns for a two-sided test, and what its default ``"auto"`` uses once either sample exceeds
10,000 values (the monitor's training window always does). For two small samples it differs a
little from ks_2samp's exact method; the tests measure by how much.
"""

from __future__ import annotations

import math

from application.models.monitor_ports import KsPValue


class ScipyKsPValue(KsPValue):
    def p_value(self, statistic: float, n: int, m: int) -> float:
        from scipy.stats import kstwo

        if n < 1 or m < 1:
            raise ValueError(f"KS samples need at least one value each, got {n} and {m}")
        if not 0 <= statistic <= 1:
            raise ValueError(f"a KS statistic lies in [0, 1], got {statistic}")
        effective = max(1, round(n * m / (n + m)))
        p = float(kstwo.sf(statistic, effective))
        if not math.isfinite(p):
            raise ValueError(f"no KS p-value for D={statistic} with n={n}, m={m}")
        return min(1.0, max(0.0, p))
