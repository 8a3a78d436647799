"""Features of 1-minute candles computed with pandas, and the parquet feature store."""

from adapters.features.calculator import PandasFeatureCalculator
from adapters.features.store import FeatureSet, ParquetFeatureStore

__all__ = ["FeatureSet", "PandasFeatureCalculator", "ParquetFeatureStore"]
