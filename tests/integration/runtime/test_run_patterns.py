"""Patterns through the main job on real candles: a replay counts each closed trade's outcome in the
`patterns` table (SQLite and Postgres), a later window's confidences are moved by that history, and
the same hours replayed again neither read their own future nor count anything twice."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from domain.signals.confidence import PatternSettings, adjust_for_pattern
from domain.signals.patterns import PatternRecord
from tests.integration.runtime.test_run_replay import run_cli

pytestmark = pytest.mark.shared_data

FIRST = ["--start", "2021-07-08T00:00", "--until", "2021-07-08T06:00"]
# the same Tokyo hours a (Prague) day later: the first window's losses stop nothing here
LATER = ["--start", "2021-07-09T00:00", "--until", "2021-07-09T06:00"]
# strong enough that the few outcomes of six hours visibly move confidences
STRONG = {"PATTERN_MIN_SAMPLES": "2", "PATTERN_WEIGHT": "1", "PATTERN_MAX_SHIFT": "0.15"}
SETTINGS = PatternSettings(min_samples=2, weight=1.0, max_shift=0.15)


def _rows(url: str, query: str) -> list[dict]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(sa.text(query))]
    engine.dispose()
    return rows


def _utc(value: object) -> datetime:
    """SQLite gives the stored UTC time back as naive text, Postgres as an aware datetime."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _patterns(url: str) -> dict[str, PatternRecord]:
    rows = _rows(url, "SELECT pattern_hash, name, wins, total FROM patterns")
    return {r["pattern_hash"]: PatternRecord(r["pattern_hash"], r["name"], r["wins"], r["total"]) for r in rows}


def _run(spot: Path, window: list[str], env: dict[str, str], cwd: Path) -> tuple[dict, list[dict]]:
    result = run_cli(["run", "--replay", str(spot), "--json", *window], {**STRONG, **env}, cwd)
    assert result.returncode == 0, result.stderr[-2000:]
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    return json.loads(result.stdout), events


def _check_counts_match_the_risk_book(url: str) -> dict[str, PatternRecord]:
    closed = _rows(url, "SELECT pattern_hash, pattern_name, result FROM risk_book WHERE result IS NOT NULL")
    assert closed and all(r["pattern_hash"] and r["pattern_name"] for r in closed)
    expected: dict[str, tuple[int, int]] = {}
    for row in closed:
        wins, total = expected.get(row["pattern_hash"], (0, 0))
        expected[row["pattern_hash"]] = (wins + (row["result"] == "W"), total + 1)
    stored = _patterns(url)
    assert {h: (r.wins, r.total) for h, r in stored.items()} == expected
    return stored


def _scenario(spot: Path, env: dict[str, str], cwd: Path) -> None:
    url = env["DATABASE_URL"]
    first, _ = _run(spot, FIRST, env, cwd)
    assert sum(first["closed"].values()) >= 10
    history = _check_counts_match_the_risk_book(url)
    assert max(r.total for r in history.values()) >= 2  # patterns recur within six hours

    _, events = _run(spot, LATER, env, cwd)
    # the history each later scan read: the first window's, and the later window's closes up to that scan
    closes = [(_utc(r["exit_time"]), r["pattern_hash"], r["result"] == "W") for r in
              _rows(url, "SELECT exit_time, pattern_hash, result FROM risk_book WHERE result IS NOT NULL")
              if _utc(r["exit_time"]) > datetime(2021, 7, 8, 21, 0, tzinfo=UTC)]
    names = {r.name: h for h, r in _patterns(url).items()}
    moved = 0
    for event in (e for e in events if e["event"] == "signal_emitted"):
        at, pattern = datetime.fromisoformat(event["at"]), names[event["pattern"]]
        record = history.get(pattern, PatternRecord(pattern, event["pattern"]))
        for _, _, won in (c for c in closes if c[1] == pattern and c[0] <= at):
            record = record.with_outcome(won)
        model = event.get("model_conf", event["conf"])
        assert event["conf"] == pytest.approx(adjust_for_pattern(model, record, SETTINGS), abs=2e-4), event
        moved += "model_conf" in event and pattern in history
    assert moved, "the first window's history moved no confidence of the later one"
    _check_counts_match_the_risk_book(url)

    # the first window again: the store already holds its future, so the run learns in memory,
    # gives the first run's signals back (all already recorded) and counts nothing
    before = _patterns(url)
    again, events = _run(spot, FIRST, env, cwd)
    assert again["counts"].get("duplicate") == first["emitted"] and again["emitted"] == 0
    assert _patterns(url) == before
    assert any(e["event"] == "pattern_history" and "in memory" in e["note"] for e in events)


def test_patterns_learn_from_replays_on_sqlite(spot_1m_dir: Path, tmp_path: Path) -> None:
    _scenario(spot_1m_dir, {"DATABASE_URL": f"sqlite:///{tmp_path}/book.db"}, tmp_path)


@pytest.mark.postgres
def test_patterns_learn_from_replays_on_postgres(spot_1m_dir: Path, tmp_path: Path, pg_url: str) -> None:
    _scenario(spot_1m_dir, {"DATABASE_URL": pg_url, "STORE_BACKEND": "postgres"}, tmp_path)
