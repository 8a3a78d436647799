"""The monitor's adapters pass the same contracts as the in-memory fakes: feature windows from
parquet, the JSON-lines accuracy history, the risk book's closed trades on SQLite and Postgres."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from adapters.features import ParquetFeatureStore
from adapters.features.windows import ParquetFeatureWindows
from adapters.jsonl import JsonlAccuracyHistory
from adapters.sql import SqlOutcomeRepository, SqlSignalRepository
from adapters.sql.closed_trades import SqlClosedTrades
from application.features.ports import FeatureSetError
from domain.market.candles import MINUTE_MS, Direction, Pair, datetime_to_ms
from domain.models.triggers import DailyAccuracy
from domain.signals.signal import Mode, Signal, Tier
from domain.stats.outcomes import Result, TradeOutcome
from tests.fakes.monitor import InMemoryAccuracyHistory, InMemoryClosedTrades, InMemoryFeatureWindows
from tests.integration.sql.conftest import migrated_engine
from tests.unit.monitor import builders as b

HOUR = 60 * MINUTE_MS


@pytest.fixture(params=["memory", "parquet"])
def windows(request, tmp_path):
    rows = b.pair_rows(end=b.TRAIN_START + timedelta(days=2))
    manifest = b.manifest(rows)
    if request.param == "memory":
        fake = InMemoryFeatureWindows()
        fake.add("fs1", manifest, [rows])
        return fake, rows
    ParquetFeatureStore(tmp_path).write("fs1", [rows], manifest)
    return ParquetFeatureWindows(tmp_path), rows


def test_window_reads_a_pairs_range_and_columns(windows) -> None:
    store, rows = windows
    start = datetime_to_ms(b.TRAIN_START) + 90 * MINUTE_MS
    got = store.window("fs1", b.PAIR, start, start + 30 * MINUTE_MS, ["rv_60", "vol_regime", "label_direction"])
    assert list(got.open_time_ms) == list(range(start, start + 30 * MINUTE_MS, MINUTE_MS))
    assert set(got.features) == {"rv_60", "vol_regime"} and set(got.labels) == {"label_direction"}
    assert np.array_equal(got.features["rv_60"], rows.features["rv_60"][90:120])
    assert np.array_equal(got.features["vol_regime"], rows.features["vol_regime"][90:120])
    assert np.array_equal(got.labels["label_direction"], rows.labels["label_direction"][90:120])


def test_window_thins_to_a_time_grid(windows) -> None:
    store, rows = windows
    start = datetime_to_ms(b.TRAIN_START) + 17 * MINUTE_MS  # not on the grid: the grid does not move
    got = store.window("fs1", b.PAIR, start, start + 10 * HOUR, ["ret_15"], every_ms=HOUR)
    assert list(got.open_time_ms) == [datetime_to_ms(b.TRAIN_START) + k * HOUR for k in range(1, 11)]
    assert np.array_equal(got.features["ret_15"], rows.features["ret_15"][60:660:60])


def test_window_errors_name_the_set_and_column(windows) -> None:
    store, _ = windows
    with pytest.raises(FeatureSetError, match="no column nope"):
        store.window("fs1", b.PAIR, 0, 1, ["nope"])
    with pytest.raises(FeatureSetError, match="fs9"):
        store.manifest("fs9")
    empty = store.window("fs1", "ETHUSDT", 0, 2**62, ["ret_15"])
    assert len(empty) == 0


@pytest.fixture(params=["memory", "jsonl"])
def history(request, tmp_path):
    return InMemoryAccuracyHistory() if request.param == "memory" else JsonlAccuracyHistory(tmp_path / "m" / "h.jsonl")


def test_history_appends_and_reads_per_model(history) -> None:
    assert list(history.read("a")) == []
    first = [DailyAccuracy("a", "BTCUSDT", date(2025, 3, d), 60, 100) for d in (1, 2)]
    history.append(first)
    history.append([DailyAccuracy("b", "BTCUSDT", date(2025, 3, 1), 70, 100)])
    history.append([])
    assert list(history.read("a")) == first
    assert [r.correct for r in history.read("b")] == [70]


def test_a_torn_line_loses_only_itself(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    history = JsonlAccuracyHistory(path)
    history.append([DailyAccuracy("a", "BTCUSDT", date(2025, 3, 1), 60, 100)])
    with path.open("a") as handle:
        handle.write('{"model": "a", "pair": "BTCUSDT", "day": "2025-03-0')  # a writer died mid-line
    history.append([DailyAccuracy("a", "BTCUSDT", date(2025, 3, 3), 61, 100)])
    assert [r.day.day for r in history.read("a")] == [1, 3] and history.skipped == 1


def _append_many(path: str, worker: int) -> None:
    history = JsonlAccuracyHistory(path)
    for k in range(50):
        history.append([DailyAccuracy(f"w{worker}", "BTCUSDT", date(2025, 1, 1) + timedelta(days=k), k, 100)])


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "h.jsonl")
    workers = [multiprocessing.get_context("spawn").Process(target=_append_many, args=(path, w)) for w in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
    history = JsonlAccuracyHistory(path)
    assert [len(history.read(f"w{w}")) for w in range(4)] == [50] * 4 and history.skipped == 0


NOW = datetime(2025, 6, 30, 12, tzinfo=UTC)


def _trades() -> list[tuple[str, Mode, datetime, bool]]:
    """(model, mode, exit time, won): 35 live trades of m1, dry-run ones, another model's, one after NOW."""
    rows = [("m1", Mode.LIVE, NOW - timedelta(hours=i), i % 3 != 0) for i in range(35)]
    rows += [("m1", Mode.DRYRUN, NOW - timedelta(minutes=30), False)] * 3
    rows += [("m2", Mode.LIVE, NOW - timedelta(minutes=10), False), ("m1", Mode.LIVE, NOW + timedelta(hours=1), False)]
    return rows


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def closed(request, tmp_path):
    if request.param == "memory":
        return InMemoryClosedTrades(_trades())
    engine = migrated_engine(request, tmp_path, request.param)
    signals, outcomes = SqlSignalRepository(engine), SqlOutcomeRepository(engine)
    for n, (model, mode, exit_time, won) in enumerate(_trades()):
        signals.add(Signal(signal_id=f"S{n}", pair=Pair("BTCUSDT"), direction=Direction.LONG, entry=100.0,
                           take_profit=103.0, stop_loss=98.0, confidence=0.7, tier=Tier.HIGH,
                           created_at=exit_time - timedelta(minutes=20), mode=mode, model_version=model))
        outcomes.record_outcome(TradeOutcome(signal_id=f"S{n}", result=Result.WIN if won else Result.LOSS,
                                             exit_time=exit_time, exit_price=103.0 if won else 98.0,
                                             r_realized=1.5 if won else -1.0))
    signals.add(Signal(signal_id="OPEN", pair=Pair("BTCUSDT"), direction=Direction.LONG, entry=100.0,
                       take_profit=103.0, stop_loss=98.0, confidence=0.7, tier=Tier.HIGH,
                       created_at=NOW - timedelta(minutes=5), mode=Mode.LIVE, model_version="m1"))
    return SqlClosedTrades(engine)


def test_closed_trades_newest_first_by_model_mode_and_time(closed) -> None:
    live = closed.last_results(100, ["m1"], Mode.LIVE, NOW)
    assert len(live) == 35 and live[:4] == [False, True, True, False]  # i = 0, 1, 2, 3 hours before NOW
    assert closed.last_results(10, ["m1"], Mode.LIVE, NOW) == live[:10]
    assert len(closed.last_results(100, ["m1"], None, NOW)) == 38
    assert closed.last_results(100, ["m1", "m2"], Mode.LIVE, NOW)[0] is False and len(
        closed.last_results(100, ["m1", "m2"], Mode.LIVE, NOW)) == 36
    assert closed.last_results(100, ["nobody"], None, NOW) == []
