"""What a run says about its execution costs: once at its start, as a warning when the guard sizes
with placeholders (``tradeai run`` and ``tradeai backtest`` alike, on the log stream, never on a
--json stdout), and in the backtest's summary, which metrics file the fills drew from."""

from __future__ import annotations

from typing import Any

from entrypoints.container import LoadedExecution

PLACEHOLDERS = "placeholder p90 costs"


def announce_costs(loaded: LoadedExecution, log: Any) -> None:
    fills = fills_source(loaded)
    if loaded.model is None or loaded.problem:
        log.warning("execution_costs_are_placeholders", problem=loaded.problem or None, fills=fills,
                    advice="sizing uses the placeholder p90 costs: measure the broker's quotes with "
                           "`tradeai exec measure`",
                    p90_bps={s.base: [s.spread_p90_bps, s.slippage_p90_bps] for s in loaded.instruments.specs})
    else:
        log.info("execution_costs_measured", file=str(loaded.path), fills=fills,
                 p90_bps={s.base: [round(s.spread_p90_bps, 3), round(s.slippage_p90_bps, 3)]
                          for s in loaded.instruments.specs})


def fills_source(loaded: LoadedExecution) -> str:
    name = _file_name(loaded)
    return PLACEHOLDERS if name is None else f"sampled by pair x session from {name} ({', '.join(loaded.kinds)})"


def costs_summary(loaded: LoadedExecution, seed: int) -> dict[str, Any]:
    """The costs a backtest ran with, for its summary: the file (None: none usable) and its kinds."""
    name = _file_name(loaded)
    return {
        "file": name,
        "source_kinds": list(loaded.kinds),
        "fills": fills_source(loaded),
        "sizing": PLACEHOLDERS if name is None or loaded.problem else f"worst-session p90 of {name}",
        "seed": seed,
        "note": loaded.problem or None,
    }


def _file_name(loaded: LoadedExecution) -> str | None:
    return None if loaded.model is None or loaded.path is None else loaded.path.name
