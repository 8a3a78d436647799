"""The execution context's adapters: the quote file reader, the metrics store in the data folder,
and the execution model the runtime (and the backtest) cost their fills with: the latest metrics
file applied to the instrument catalogue, or the placeholders when none exists."""

from __future__ import annotations

from pathlib import Path

import attrs
from dependency_injector import containers, providers

from application.execution.ports import MetricsFileError, MetricsStore, QuoteFileReader
from domain.execution.costs import ExecutionModel
from domain.execution.instruments import Instruments
from entrypoints.settings import Settings

# Quotes from the broker the trades go through: only these may size the guard's trades.
BROKER_KINDS = frozenset({"mt5_ticks", "mt5_export"})


@attrs.frozen
class LoadedExecution:
    """What the runtime sizes with. ``model`` None: no usable metrics file, the placeholders stand
    (``problem`` says why when a file exists but cannot be read)."""

    instruments: Instruments
    model: ExecutionModel | None = None
    path: Path | None = None
    problem: str = ""


def _quote_reader(settings: Settings) -> QuoteFileReader:
    from adapters.quotes.readers import PandasQuoteFileReader

    return PandasQuoteFileReader(settings.execution.mt5_time_zone)


def _metrics_store(settings: Settings) -> MetricsStore:
    from adapters.quotes.metrics_store import JsonMetricsStore

    return JsonMetricsStore(Path(settings.candles.data_dir))


def _load(store: MetricsStore) -> LoadedExecution:
    defaults = Instruments()
    try:
        stored = store.latest()
    except MetricsFileError as exc:
        # the placeholders are wider than any plausible measurement: falling back stays on the safe side
        return LoadedExecution(defaults, problem=str(exc))
    if stored is None:
        return LoadedExecution(defaults)
    model = stored.metrics.model
    kinds = {s.kind for s in stored.metrics.sources if s.rows}
    if not kinds & BROKER_KINDS:
        # An exchange's book is far tighter than a CFD broker's (Binance BTC p90 ~0.02 bps in Tokyo
        # hours): sizing with it would let a stop-out cost more than the guard counted. The model is
        # kept for research and the backtest; the guard sizes with the wide placeholders.
        why = (f"{stored.path.name} was measured from {', '.join(sorted(kinds))} quotes, not the broker's "
               f"({', '.join(sorted(BROKER_KINDS))}): the guard keeps the placeholder costs")
        return LoadedExecution(defaults, model, stored.path, problem=why)
    return LoadedExecution(model.apply_to(defaults), model, stored.path)


class ExecutionContainer(containers.DeclarativeContainer):
    settings: providers.Dependency[Settings] = providers.Dependency(instance_of=Settings)

    quote_reader: providers.Singleton[QuoteFileReader] = providers.Singleton(_quote_reader, settings)
    metrics_store: providers.Singleton[MetricsStore] = providers.Singleton(_metrics_store, settings)
    loaded: providers.Singleton[LoadedExecution] = providers.Singleton(_load, metrics_store)
    instruments: providers.Callable[Instruments] = providers.Callable(lambda loaded: loaded.instruments, loaded)
