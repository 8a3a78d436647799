"""The grid file: every cell it names, the folds inside the data with their embargo, a run hash that
names a cell whatever the order of its options, and a clear error naming the key when it is wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.sweeps.spec import FoldSpec, SweepSpecError, cells_of, fold_splits, parse_spec

FIRST = datetime(2024, 1, 1, tzinfo=UTC)


def document(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "sweep": {"name": "w", "model": "lstm", "pairs": ["BTCUSDT", "ETHUSDT"], "metric": "validation_accuracy",
                  "seed": 3},
        "folds": {"train_days": 10, "validate_days": 2, "step_days": 2},
        "grid": {"hidden": [8, 16], "lr": [0.001, 0.01]},
        "fixed": {"epochs": 2},
    }
    for key, value in changes.items():
        section, _, name = key.partition("__")
        if value is None:
            doc[section].pop(name)
        else:
            doc[section][name] = value
    return doc


def test_every_combination_fold_and_pair_is_one_cell() -> None:
    spec = parse_spec(document(), "g.toml")
    splits = fold_splits(FIRST, FIRST + timedelta(days=16), spec.folds, timedelta(minutes=15))
    assert [s.periods[1].start - FIRST for s in splits] == [timedelta(days=10), timedelta(days=12),
                                                            timedelta(days=14)]
    for split in splits:  # the embargo lies between training and validation
        assert split.periods[1].start - split.periods[0].end == timedelta(minutes=15)
    cells = cells_of(spec, splits, "fs", "hash")
    assert len(cells) == 4 * 3 * 2 and len({c.run_hash for c in cells}) == 24
    assert {c.options["epochs"] for c in cells} == {2} and {c.options["window"] for c in cells} == {60}
    transformer = parse_spec(document(sweep__model="transformer"), "g.toml")
    assert {c.pairs for c in cells_of(transformer, splits, "fs", "hash")} == {("BTCUSDT", "ETHUSDT")}


def test_max_folds_keeps_the_latest() -> None:
    folds = FoldSpec(10, 2, 2, timedelta(minutes=15), max_folds=2)
    splits = fold_splits(FIRST, FIRST + timedelta(days=16), folds, timedelta(minutes=15))
    assert [s.periods[1].end for s in splits] == [FIRST + timedelta(days=14), FIRST + timedelta(days=16)]


def test_the_run_hash_names_the_cell_not_the_order_of_its_options() -> None:
    spec = parse_spec(document(), "g.toml")
    swapped = parse_spec({**document(), "grid": {"lr": [0.001, 0.01], "hidden": [8, 16]}}, "g.toml")
    split = fold_splits(FIRST, FIRST + timedelta(days=12), spec.folds, timedelta(minutes=15))
    hashes = {c.run_hash for c in cells_of(spec, split, "fs", "hash")}
    assert hashes == {c.run_hash for c in cells_of(swapped, split, "fs", "hash")}
    assert hashes.isdisjoint(c.run_hash for c in cells_of(spec, split, "fs", "another feature set"))


@pytest.mark.parametrize(("changes", "names"), [
    ({"sweep__metric": "test_accuracy"}, "[sweep] metric"),
    ({"sweep__model": "gru"}, "[sweep] model"),
    ({"sweep__pairs": []}, "[sweep] pairs"),
    ({"sweep__name": "a b"}, "[sweep] name"),
    ({"folds__train_days": 0}, "[folds] train_days"),
    ({"folds__validate_days": "2"}, "[folds] validate_days"),
    ({"folds__holdout": 3}, "[folds] holdout"),
    ({"grid__heads": [2]}, "[grid] heads is not a lstm option"),
    ({"grid__hidden": []}, "[grid] hidden"),
    ({"grid__lr": [float("nan")]}, "[grid] lr"),
    ({"fixed__hidden": 8}, "hidden is both in [grid] and in [fixed]"),
])
def test_a_wrong_grid_file_names_the_file_and_the_key(changes: dict[str, Any], names: str) -> None:
    with pytest.raises(SweepSpecError, match=r"g\.toml") as error:
        parse_spec(document(**changes), "g.toml")
    assert names in str(error.value)


def test_the_metric_is_a_validation_one_and_its_direction_is_known() -> None:
    assert parse_spec(document(sweep__metric="validation_brier"), "g.toml").higher_is_better is False
    assert parse_spec(document(sweep__metric="backtest_net_pnl"), "g.toml").higher_is_better is True
