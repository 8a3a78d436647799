"""The features context's adapters: the pandas feature calculator, the parquet feature store and
the candle provenance read from the parquet candle store's partition manifests."""

from __future__ import annotations

from pathlib import Path

from dependency_injector import containers, providers

from application.features.ports import CandleProvenance, FeatureCalculator, FeatureStore
from domain.market.candles import Pair, ms_to_datetime
from entrypoints.settings import Settings


class StoreProvenance(CandleProvenance):
    """CandleProvenance over the parquet candle store's partition manifests."""

    def __init__(self, data_dir: str) -> None:
        from adapters.parquet import ParquetCandleStore

        self._store = ParquetCandleStore.in_data_dir(data_dir)

    def partition_hashes(self, pair: Pair, start_ms: int | None, end_ms: int | None) -> dict[str, str]:
        first = None if start_ms is None else f"{ms_to_datetime(start_ms):%Y-%m}"
        last = None if end_ms is None else f"{ms_to_datetime(end_ms - 1):%Y-%m}"
        months = [m for m in self._store.months(pair) if (first is None or m >= first) and (last is None or m <= last)]
        return {m: str(self._store.manifest(pair, m)["content_hash"]) for m in months}


def _feature_folder(settings: Settings) -> Path:
    from adapters.features import ParquetFeatureStore

    return ParquetFeatureStore.in_data_dir(settings.candles.data_dir).root


def _parquet_feature_store(folder: Path) -> FeatureStore:
    from adapters.features import ParquetFeatureStore

    return ParquetFeatureStore(folder)


def _pandas_calculator() -> FeatureCalculator:
    from adapters.features import PandasFeatureCalculator

    return PandasFeatureCalculator()


def _provenance(settings: Settings) -> CandleProvenance:
    return StoreProvenance(settings.candles.data_dir)


class FeaturesContainer(containers.DeclarativeContainer):
    settings: providers.Dependency[Settings] = providers.Dependency(instance_of=Settings)

    calculator: providers.Singleton[FeatureCalculator] = providers.Singleton(_pandas_calculator)
    # the default folder of feature sets; a command may pass folder= to read or write another one
    feature_folder: providers.Callable[Path] = providers.Callable(_feature_folder, settings)
    feature_store: providers.Factory[FeatureStore] = providers.Factory(_parquet_feature_store, folder=feature_folder)
    provenance: providers.Singleton[CandleProvenance] = providers.Singleton(_provenance, settings)
