"""The model registry on disk: ``models/registry.json``, the ``models/promoted/<role>`` links, and
the validation evidence promotion reads."""

from adapters.registry.evidence import NO_BACKTEST_REASON, NoValidationBacktest
from adapters.registry.store import JsonRegistryStore

__all__ = ["NO_BACKTEST_REASON", "JsonRegistryStore", "NoValidationBacktest"]
