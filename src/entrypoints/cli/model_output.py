"""The text `tradeai model` prints: the registry as a table, one entry, the gates' verdicts."""

from __future__ import annotations

from collections.abc import Iterable

from domain.evaluation.gates import Failed, NotRun, Passed
from domain.models.cards import CALIBRATION_ERROR, VALIDATION, accuracy_key
from domain.models.registry import Registry, RegistryEntry

_COLUMNS = ("TAG", "ROLE", "STATUS", "VAL ACCURACY", "CAL ERR", "REGISTERED", "FILE")


def list_lines(registry: Registry) -> list[str]:
    if not registry.entries:
        return ["no model is registered yet (tradeai model register MODEL_DIR/<name>.pt)"]
    rows = [_COLUMNS, *(_row(e, registry.promoted.get(e.role) == e.tag) for e in registry.ordered())]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]


def _row(entry: RegistryEntry, serving: bool) -> tuple[str, ...]:
    validation = entry.metrics.get(VALIDATION, {})
    accuracy = " ".join(f"{_coin(p)} {validation[accuracy_key(p)]:.3f}" for p in entry.pairs
                        if accuracy_key(p) in validation) or "-"
    calibration = f"{validation[CALIBRATION_ERROR]:.3f}" if CALIBRATION_ERROR in validation else "-"
    return (entry.tag, entry.role, status(entry, serving), accuracy, calibration,
            entry.registered_at.strftime("%Y-%m-%d %H:%M"), entry.file)


def status(entry: RegistryEntry, serving: bool) -> str:
    if serving:
        return f"SERVING ({entry.promotion})" if entry.promotion else "SERVING"
    if entry.rollback_reason is not None:
        return "rolled back"
    return "promoted before" if entry.deployed_at is not None else "registered"


def _coin(pair: str) -> str:
    return pair.removesuffix("USDT") or pair


def entry_lines(entry: RegistryEntry, serving: bool) -> list[str]:
    lines = [f"{entry.tag}  {entry.role}  {status(entry, serving)}",
             f"  file:              {entry.file} (card {entry.card_file})",
             f"  sha256:            {entry.sha256}",
             f"  card sha256:       {entry.card_sha256}",
             f"  kind, pairs:       {entry.kind.value}, {', '.join(entry.pairs)}",
             f"  feature-set hash:  {entry.feature_set_hash}",
             f"  params:            {', '.join(f'{k}={v}' for k, v in sorted(entry.params.items()))}",
             f"  registered at:     {entry.registered_at.isoformat()}",
             f"  deployed at:       {entry.deployed_at.isoformat() if entry.deployed_at else '-'}",
             f"  promotion:         {entry.promotion or '-'}"]
    lines += [f"    without: {reason}" for reason in entry.gate_failures]
    if entry.rollback_reason is not None and entry.rolled_back_at is not None:
        lines.append(f"  rolled back at:    {entry.rolled_back_at.isoformat()}: {entry.rollback_reason}")
    for period, figures in entry.metrics.items():
        shown = ", ".join(f"{name} {value:.4g}" for name, value in sorted(figures.items()))
        lines.append(f"  {period + ':':<18} {shown or '-'}")
    return lines


def verdict_lines(verdicts: Iterable[Passed | Failed | NotRun]) -> list[str]:
    lines = []
    for verdict in verdicts:
        if isinstance(verdict, NotRun):
            lines.append(f"  {verdict.gate}: NOT RUN ({verdict.reason})")
            continue
        lines.append(f"  {verdict.gate}: {'passed' if verdict.passed else 'FAILED'}")
        lines += [f"    - {check}" for check in verdict.checks]
    return lines
