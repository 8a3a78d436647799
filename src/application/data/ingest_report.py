"""Plain payloads (JSON-ready dicts) and short texts describing downloads, imports, validation,
coverage and splits, for the command line and for logs."""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from typing import Any

from application.data.ingest import ImportReport
from application.data.ingest_download import DownloadReport
from application.data.splits import SplitPlan
from domain.market.candles import Pair, ms_to_datetime
from domain.market.quality import QualityReport


def iso(ms: int | None) -> str | None:
    return None if ms is None else ms_to_datetime(ms).isoformat()


def download_payload(report: DownloadReport) -> dict[str, Any]:
    return {
        "pair": report.pair,
        "resumed_from": iso(report.resumed_from_ms),
        "ranges": report.ranges,
        "fetched": report.fetched,
        "added": report.added,
        "conflicts": report.conflicts,
        "conflict_open_times": [iso(t) for t in report.conflict_open_times_ms],
    }


def describe_download(payload: Mapping[str, Any]) -> str:
    line = (f"{payload['pair']}: fetched {payload['fetched']:,}, added {payload['added']:,} "
            f"({payload['ranges']} missing stretch(es) from {payload['resumed_from']})")
    if not payload["conflicts"]:
        return line
    shown = payload["conflict_open_times"]
    more = payload["conflicts"] - len(shown)
    return (f"{line}\n  {payload['conflicts']:,} downloaded candles differ from the stored ones (stored values "
            f"kept) at {', '.join(shown)}" + (f" and {more:,} more" if more > 0 else ""))


def import_payload(report: ImportReport) -> dict[str, Any]:
    return {
        "written": report.written,
        "files": [{"path": f.path, "pair": f.pair, "rows": f.rows, "bad_rows": f.bad_rows, "time_unit": f.time_unit}
                  for f in report.files],
        "bad_row_count": report.bad_row_count,
        "conflict_count": report.conflict_count,
        "bad_rows": [{"path": b.path, "line": b.line, "reason": b.reason} for b in report.bad_rows],
        "added": report.added,
        "unchanged": report.unchanged,
    }


def describe_import(report: ImportReport) -> str:
    lines = [str(b) for b in report.bad_rows]
    hidden = report.bad_row_count + report.conflict_count - len(report.bad_rows)
    if hidden > 0:
        lines.append(f"... and {hidden} more")
    problems = f"{report.bad_row_count} bad rows, {report.conflict_count} conflicts with the store"
    if not report.written:
        lines.append(f"nothing imported: {problems} (fix the files or pass --skip-bad-rows)")
        return "\n".join(lines)
    for pair in sorted(report.added):
        lines.append(f"{pair}: {report.added[pair]:,} rows added, {report.unchanged[pair]:,} already stored")
    if report.bad_row_count or report.conflict_count:
        lines.append(f"skipped {problems}")
    return "\n".join(lines)


def gap_payload(report: QualityReport) -> list[dict[str, Any]]:
    return [{"first_missing": iso(g.first_missing_ms), "last_missing": iso(g.last_missing_ms), "minutes": g.minutes}
            for g in report.gaps]


def quality_payload(report: QualityReport) -> dict[str, Any]:
    return {
        "rows": report.rows,
        "first_open_time": iso(report.first_open_time_ms),
        "last_open_time": iso(report.last_open_time_ms),
        "gap_count": report.gap_count,
        "missing_minutes": report.missing_minutes,
        "row_errors": report.row_errors,
        "checks": report.checks,
        "gaps": gap_payload(report),
        "extreme_return_times": [iso(t) for t in report.extreme_return_times_ms],
    }


def describe_quality(pair: str, report: QualityReport, max_gaps: int) -> str:
    checks = ", ".join(f"{name} {count:,}" for name, count in report.checks.items())
    lines = [
        f"{pair}: {report.rows:,} rows, {iso(report.first_open_time_ms)} .. {iso(report.last_open_time_ms)}",
        f"  {report.gap_count:,} gaps, {report.missing_minutes:,} missing minutes",
        f"  checks: {checks}",
    ]
    for gap in report.gaps[:max_gaps]:
        lines.append(f"  gap {iso(gap.first_missing_ms)} .. {iso(gap.last_missing_ms)} ({gap.minutes:,} min)")
    if report.gap_count > max_gaps:
        lines.append(f"  ... {report.gap_count - max_gaps} more gaps (--json lists all)")
    return "\n".join(lines)


def coverage_payload(coverage: Mapping[Pair, Mapping[str, int]]) -> dict[str, list[dict[str, Any]]]:
    payload: dict[str, list[dict[str, Any]]] = {}
    for pair, months in coverage.items():
        payload[pair.symbol] = [
            {"month": month, "rows": rows, "minutes": _minutes_in(month),
             "coverage": round(rows / _minutes_in(month), 4)}
            for month, rows in sorted(months.items())
        ]
    return payload


def _minutes_in(month: str) -> int:
    year, number = (int(x) for x in month.split("-"))
    return calendar.monthrange(year, number)[1] * 1440


def describe_coverage(payload: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    lines: list[str] = []
    for pair, months in payload.items():
        total = sum(m["rows"] for m in months)
        lines.append(f"{pair}: {total:,} rows in {len(months)} months")
        lines += [f"  {m['month']}  {m['rows']:>7,}  {m['coverage']:7.1%}" for m in months]
    return "\n".join(lines)


def splits_payload(plans: Sequence[SplitPlan]) -> list[dict[str, Any]]:
    return [
        {
            "split": plan.split.name,
            "embargo_minutes": int(plan.split.embargo.total_seconds() // 60),
            "horizon_minutes": int(plan.split.horizon.total_seconds() // 60),
            "usable": plan.usable,
            "periods": [{"name": p.name, "start": p.start.isoformat(), "end": p.end.isoformat()}
                        for p in plan.split.periods],
            "coverage": {
                pair.symbol: [{"period": c.period.name, "rows": c.rows, "gaps": c.gaps,
                               "coverage": round(c.coverage, 4), "usable": c.usable, "reason": c.reason}
                              for c in periods]
                for pair, periods in plan.coverage.items()
            },
        }
        for plan in plans
    ]


def describe_splits(plans: Sequence[SplitPlan]) -> str:
    lines: list[str] = []
    for plan in plans:
        spans = "; ".join(f"{p.name} {p.start:%Y-%m-%d %H:%M} .. {p.end:%Y-%m-%d %H:%M}" for p in plan.split.periods)
        lines.append(f"{plan.split.name}: {spans}")
        for pair, periods in plan.coverage.items():
            cells = ", ".join(f"{c.period.name} {c.rows:,} rows ({c.coverage:.1%}, {c.gaps} gaps)"
                              + ("" if c.usable else f" UNUSABLE: {c.reason}") for c in periods)
            lines.append(f"  {pair.symbol}: {cells}")
    return "\n".join(lines)
