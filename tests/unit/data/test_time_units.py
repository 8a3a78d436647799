from __future__ import annotations

import numpy as np
import pytest

from domain.market.quality_time import TimeUnit, detect_time_unit, implausible_ms, to_epoch_ms

MS_2024 = 1_704_067_200_000  # 2024-01-01
MS_2025 = 1_735_689_600_000  # 2025-01-01


@pytest.mark.parametrize(
    ("values", "unit"),
    [
        ([MS_2024 // 1000, MS_2024 // 1000 + 60], TimeUnit.SECONDS),
        ([MS_2024, MS_2024 + 60_000], TimeUnit.MILLISECONDS),
        ([MS_2025 * 1000, MS_2025 * 1000 + 60_000_000], TimeUnit.MICROSECONDS),
        ([MS_2025 * 1_000_000], TimeUnit.NANOSECONDS),
        ([1_502_942_400_000], TimeUnit.MILLISECONDS),  # 2017, the first Binance candles
    ],
)
def test_detects_the_unit_and_converts_to_ms(values: list[int], unit: TimeUnit) -> None:
    array = np.array(values, dtype=np.int64)
    assert detect_time_unit(array) is unit
    converted = to_epoch_ms(array, unit)
    assert not implausible_ms(converted).any()


def test_median_resists_a_stray_row() -> None:
    values = np.array([MS_2025 * 1000 + i * 60_000_000 for i in range(9)] + [MS_2025], dtype=np.int64)
    assert detect_time_unit(values) is TimeUnit.MICROSECONDS
    converted = to_epoch_ms(values, TimeUnit.MICROSECONDS)
    assert implausible_ms(converted).tolist() == [False] * 9 + [True]


def test_empty_defaults_to_ms() -> None:
    assert detect_time_unit(np.empty(0, dtype=np.int64)) is TimeUnit.MILLISECONDS
