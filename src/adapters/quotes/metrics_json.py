"""The metrics file's JSON shape, both ways. Written by hand rather than with cattrs: the shape is
a document for people too (`tradeai exec show`), grouped by pair then session, with each figure's
basis (measured, pooled, default) beside it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from application.execution.ports import ExecutionMetrics, SourceSummary
from domain.execution.costs import SESSION_NAMES, Distribution, ExecutionModel, Figure, SessionCosts
from domain.execution.instruments import Instruments

SCHEMA = 1


def _figure(figure: Figure) -> dict[str, Any]:
    d = figure.distribution
    return {"basis": figure.basis, "count": d.count, "mean": d.mean, "p50": d.p50, "p90": d.p90, "p99": d.p99,
            "quantiles": list(d.quantiles)}


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def to_document(metrics: ExecutionMetrics) -> dict[str, Any]:
    model = metrics.model
    starts = [s.start for s in metrics.sources if s.start is not None]
    ends = [s.end for s in metrics.sources if s.end is not None]
    pairs = {base: {session: {"spread_bps": _figure(model.costs[(base, session)].spread),
                              "slippage_bps": _figure(model.costs[(base, session)].slippage)}
                    for session in SESSION_NAMES}
             for base in model.bases}
    return {
        "schema": SCHEMA,
        "generated_at": metrics.generated_at.isoformat(),
        "min_samples": metrics.min_samples,
        "span": {"start": _time(min(starts, default=None)), "end": _time(max(ends, default=None))},
        "samples": metrics.samples,
        "sources": [{"path": s.path, "kind": s.kind, "sha256": s.sha256, "rows": s.rows, "pairs": list(s.pairs),
                     "start": _time(s.start), "end": _time(s.end), "note": s.note} for s in metrics.sources],
        "notes": list(metrics.notes),
        "quantile_levels": "every percentile, 0 to 100",
        "pairs": pairs,
    }


def _read_figure(raw: dict[str, Any]) -> Figure:
    distribution = Distribution(int(raw["count"]), float(raw["mean"]), float(raw["p50"]), float(raw["p90"]),
                                float(raw["p99"]), [float(q) for q in raw["quantiles"]])
    return Figure(distribution, raw["basis"])


def _read_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def from_document(doc: dict[str, Any], instruments: Instruments) -> ExecutionMetrics:
    """Raises KeyError, TypeError or ValueError on a malformed document; the store names the file."""
    if doc.get("schema") != SCHEMA:
        raise ValueError(f"schema {doc.get('schema')!r} is not {SCHEMA}")
    costs = {(base, session): SessionCosts(_read_figure(figures["spread_bps"]), _read_figure(figures["slippage_bps"]))
             for base, sessions in doc["pairs"].items() for session, figures in sessions.items()}
    sources = tuple(SourceSummary(s["path"], s["kind"], s["sha256"], int(s["rows"]), tuple(s["pairs"]),
                                  _read_time(s["start"]), _read_time(s["end"]), s.get("note", ""))
                    for s in doc["sources"])
    return ExecutionMetrics(ExecutionModel(costs, instruments), datetime.fromisoformat(doc["generated_at"]),
                            int(doc["min_samples"]), sources, {k: int(v) for k, v in doc["samples"].items()},
                            tuple(doc.get("notes", ())))
