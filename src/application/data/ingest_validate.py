"""Use case: check the stored candles of each pair and describe coverage by month."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from application.data.ports import CandleStore
from domain.market.candles import Pair
from domain.market.quality import QualityReport, QualityThresholds, check_quality


def validate_store(store: CandleStore, pairs: Sequence[Pair] | None = None,
                   thresholds: QualityThresholds | None = None) -> dict[Pair, QualityReport]:
    chosen = list(pairs) if pairs else store.pairs()
    # reading and checking are mostly numpy and parquet code that release the GIL
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        reports = pool.map(lambda pair: check_quality(store.load(pair), thresholds), chosen)
        return dict(zip(chosen, reports, strict=True))


def coverage_by_month(store: CandleStore, pairs: Sequence[Pair] | None = None) -> dict[Pair, dict[str, int]]:
    chosen = list(pairs) if pairs else store.pairs()
    return {pair: store.monthly_rows(pair) for pair in chosen}
