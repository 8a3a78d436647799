"""The /stats queries on one million risk-book rows in Postgres: median latency and query plans.

Loads the rows with COPY into a throw-away schema (dropped at the end), runs VACUUM ANALYZE as
autovacuum would, then times each query (median of --runs) and prints EXPLAIN (ANALYZE, BUFFERS).
Needs Postgres: TRADEAI_BENCH_PG or postgresql+psycopg://postgres@127.0.0.1:5432/test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
import sqlalchemy as sa

from adapters.sql import SqlPatternRepository, SqlPerformanceQueries, create_engine, upgrade
from adapters.sql.queries import stats_statements
from application.stats.report import build_stats, performance_by_session
from domain.signals.signal import Mode

BASE = os.environ.get("TRADEAI_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
NOW = datetime(2026, 1, 1, tzinfo=UTC)
COLUMNS = ("signal_id", "pair", "tier", "confidence", "direction", "entry_time", "entry_price", "tp_price",
           "sl_price", "rr_expected", "result", "exit_time", "exit_price", "r_realized", "mode", "model_version")
TARGET_MS = 50.0


def rows(count: int, days: int, seed: int):
    """``count`` signals spread evenly over the ``days`` before NOW; 95% closed, 10% live."""
    rng = np.random.default_rng(seed)
    step = days * 86400 / count
    tiers = rng.choice(["HIGH", "MEDIUM", "LOW"], count, p=[0.2, 0.3, 0.5])
    pairs = rng.choice(["BTCUSDT", "ETHUSDT", "BNBUSDT"], count)
    won = rng.random(count) < 0.55
    closed = rng.random(count) < 0.95
    live = rng.random(count) < 0.10
    models = rng.integers(1, 6, count)
    start = NOW - timedelta(days=days)
    for n in range(count):
        entry_time = start + timedelta(seconds=n * step)
        result = ("W" if won[n] else "L") if closed[n] else None
        yield (f"B{n:08d}", pairs[n], tiers[n], 0.7, "LONG", entry_time, 100.0, 103.0, 98.0, 1.5, result,
               entry_time + timedelta(minutes=30) if result else None,
               (103.0 if won[n] else 98.0) if result else None, (1.5 if won[n] else -1.0) if result else None,
               "live" if live[n] else "dryrun", f"m{models[n]}")


def load(engine: sa.Engine, count: int, days: int, seed: int) -> float:
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        with raw.driver_connection.cursor() as cursor, \
                cursor.copy(f"COPY risk_book ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows(count, days, seed):
                copy.write_row(row)
        raw.commit()
    finally:
        raw.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE risk_book"))
    return time.perf_counter() - started


def median_ms(action: Callable[[], object], runs: int) -> float:
    action()  # warm the cache and the plan
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(timings), 2)


def explain(engine: sa.Engine, statement: sa.Select) -> dict[str, object]:
    compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as connection:
        plan = [r[0] for r in connection.execute(sa.text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}"))]
    text = "\n".join(plan)
    return {"indexes": sorted(set(re.findall(r"using (\w+)", text, flags=re.IGNORECASE))),
            "index_only": "Index Only Scan" in text, "seq_scan": "Seq Scan" in text, "plan": plan}


def measure(engine: sa.Engine, runs: int) -> dict[str, dict[str, object]]:
    queries, patterns = SqlPerformanceQueries(engine), SqlPatternRepository(engine)
    cases: dict[str, tuple[Callable[[], object], sa.Select | None]] = {}
    for days in (7, 30):
        since = NOW - timedelta(days=days)
        statements = stats_statements(since, NOW)
        cases[f"by_tier_{days}d"] = (lambda s=since: queries.performance_by_tier(s, NOW), statements["by_tier"])
        cases[f"by_model_{days}d"] = (lambda s=since: queries.performance_by_model(s, NOW), statements["by_model"])
        cases[f"by_session_{days}d"] = (lambda s=since: performance_by_session(queries.performance_by_hour(s, NOW)),
                                        statements["by_hour"])
    cases["by_tier_7d_live"] = (lambda: queries.performance_by_tier(NOW - timedelta(days=7), NOW, Mode.LIVE),
                                stats_statements(NOW - timedelta(days=7), NOW, Mode.LIVE)["by_tier"])
    cases["build_stats_all"] = (lambda: build_stats(queries, patterns, NOW), None)
    report = {}
    for name, (action, statement) in cases.items():
        entry: dict[str, object] = {"median_ms": median_ms(action, runs)}
        if statement is not None:
            entry |= explain(engine, statement)
        report[name] = entry
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365, help="span the rows are spread over")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(BASE)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine = create_engine(f"{BASE}?options=-csearch_path%3D{schema}")
    try:
        upgrade(engine)
        load_s = load(engine, args.rows, args.days, args.seed)
        report = {"rows": args.rows, "days": args.days, "load_s": round(load_s, 1), "target_ms": TARGET_MS,
                  "queries": measure(engine, args.runs)}
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
    print_report(report, args.json)


def print_report(report: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report, indent=2))
        return
    print(f"{report['rows']} rows over {report['days']} days, loaded + VACUUM ANALYZE in {report['load_s']} s")
    for name, entry in report["queries"].items():
        verdict = "ok" if entry["median_ms"] < report["target_ms"] else "SLOW"
        print(f"{name:18} {entry['median_ms']:8.2f} ms  {verdict:4}  indexes={entry.get('indexes', '-')}"
              f" index_only={entry.get('index_only', '-')}")
    for name, entry in report["queries"].items():
        if "plan" in entry:
            print(f"\n-- {name}\n" + "\n".join(entry["plan"]))


if __name__ == "__main__":
    main()
