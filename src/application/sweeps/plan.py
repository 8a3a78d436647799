"""The cells of a sweep over one feature set: its folds placed inside the range every pair of the
sweep holds, after the set's normalizer fit window (a fold validating on rows the normalizer was
fitted on would not be out of sample), each fold x grid point x pair group one cell."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from domain.market.candles import require_utc
from domain.sweeps.spec import Cell, SweepSpec, SweepSpecError, cells_of, fold_splits


@attrs.frozen
class SweepPlan:
    cells: tuple[Cell, ...]
    folds: int
    first: datetime
    last: datetime
    dropped: tuple[str, ...]  # folds left out, and why


def plan_cells(spec: SweepSpec, feature_set: str, manifest: Mapping[str, Any]) -> SweepPlan:
    pairs = manifest.get("pairs", {})
    if missing := [p for p in spec.pairs if p not in pairs]:
        raise SweepSpecError(f"feature set {feature_set!r} holds no {', '.join(missing)} "
                             f"(it holds {', '.join(sorted(pairs))})")
    horizon = timedelta(minutes=int(manifest["label_spec"]["horizon"]))
    if spec.folds.embargo < horizon:
        raise SweepSpecError(f"[folds] embargo_minutes {spec.folds.embargo.total_seconds() / 60:g} is shorter than "
                             f"the label horizon of {horizon.total_seconds() / 60:g} minutes: labels would leak")
    first = max(_time(pairs[p]["first_open_time"]) for p in spec.pairs)
    last = min(_time(pairs[p]["last_open_time"]) for p in spec.pairs) + timedelta(minutes=1)
    fit_end = _time(manifest["fit_window"]["end"]) if manifest.get("fit_window", {}).get("end") else first
    splits = fold_splits(first, last, attrs.evolve(spec.folds, max_folds=None), horizon)
    usable = [s for s in splits if s.periods[1].start >= fit_end]
    kept = usable[-spec.folds.max_folds:] if spec.folds.max_folds else usable
    dropped = tuple(f"{s.name}: validates from {s.periods[1].start:%Y-%m-%d %H:%M}, before the normalizer's fit "
                    f"window ends ({fit_end:%Y-%m-%d %H:%M})" for s in splits if s not in usable)
    if not kept:
        raise SweepSpecError(f"no fold of {spec.folds.train_days} + {spec.folds.validate_days} days fits in "
                             f"{first:%Y-%m-%d} -> {last:%Y-%m-%d} after the fit window ({len(splits)} made, "
                             f"{len(dropped)} dropped)")
    cells = cells_of(spec, kept, feature_set, str(manifest.get("content_hash", "")))
    return SweepPlan(tuple(cells), len(kept), first, last, dropped)


def _time(text: str) -> datetime:
    return require_utc(datetime.fromisoformat(text), "feature set time")
