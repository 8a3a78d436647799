"""The execution context's adapters: the quote file reader, the metrics store in the data folder,
and the costs the runtime and the backtest size and fill with.

Two consumers, two rules:

- the guard sizes with the latest metrics file's worst-session p90s only when the file measured
  the broker's own quotes (``BROKER_KINDS``); otherwise it keeps the wide placeholders, because an
  exchange's book is far tighter than a CFD broker's and would undercount a stop-out;
- paper fills (``tradeai run`` in dry-run, and the backtest through the same paper broker) draw by
  pair x session from the loaded model whatever quotes it was measured from, exchange quotes
  included, seeded with the settings' ``seed``: a measured distribution says more about the hour of
  the day than a single placeholder figure, and every run names the file and its kinds. A pair the
  file did not measure, or no file at all, fills at the instrument's p90s.

Both the runtime and the backtest take ``fill_costs`` from here, so with one seed they pay the same
costs for the same fills (the backtest equals a replay to the cent)."""

from __future__ import annotations

from pathlib import Path

import attrs
from dependency_injector import containers, providers

from application.execution.ports import MetricsFileError, MetricsStore, QuoteFileReader
from domain.execution.costs import ExecutionModel
from domain.execution.instruments import Instruments
from domain.execution.sampling import FillCosts
from entrypoints.settings import Settings

# Quotes from the broker the trades go through: only these may size the guard's trades.
BROKER_KINDS = frozenset({"mt5_ticks", "mt5_export"})


@attrs.frozen
class LoadedExecution:
    """What the runtime sizes with (``instruments``) and fills from (``model``). ``model`` None: no
    usable metrics file, the placeholders stand (``problem`` says why when a file exists but cannot
    be read, or cannot size the guard). ``kinds``: the kinds of quotes the file was measured from."""

    instruments: Instruments
    model: ExecutionModel | None = None
    path: Path | None = None
    problem: str = ""
    kinds: tuple[str, ...] = ()


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
    kinds = tuple(sorted({s.kind for s in stored.metrics.sources if s.rows}))
    if not BROKER_KINDS.intersection(kinds):
        # An exchange's book is far tighter than a CFD broker's (Binance BTC p90 ~0.02 bps in Tokyo
        # hours): sizing with it would let a stop-out cost more than the guard counted. The model is
        # kept for research and the backtest; the guard sizes with the wide placeholders.
        why = (f"{stored.path.name} was measured from {', '.join(kinds)} quotes, not the broker's "
               f"({', '.join(sorted(BROKER_KINDS))}): the guard keeps the placeholder costs")
        return LoadedExecution(defaults, model, stored.path, problem=why, kinds=kinds)
    return LoadedExecution(model.apply_to(defaults), model, stored.path, kinds=kinds)


def _fill_costs(loaded: LoadedExecution, settings: Settings) -> FillCosts:
    return FillCosts(loaded.model, settings.seed)


class ExecutionContainer(containers.DeclarativeContainer):
    settings: providers.Dependency[Settings] = providers.Dependency(instance_of=Settings)

    quote_reader: providers.Singleton[QuoteFileReader] = providers.Singleton(_quote_reader, settings)
    metrics_store: providers.Singleton[MetricsStore] = providers.Singleton(_metrics_store, settings)
    loaded: providers.Singleton[LoadedExecution] = providers.Singleton(_load, metrics_store)
    instruments: providers.Callable[Instruments] = providers.Callable(lambda loaded: loaded.instruments, loaded)
    # what paper fills pay, drawn from the loaded model with the run's seed (module docstring)
    fill_costs: providers.Singleton[FillCosts] = providers.Singleton(_fill_costs, loaded, settings)
