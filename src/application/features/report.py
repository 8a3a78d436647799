"""What the feature commands print: JSON payloads and their text rendering."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from application.features.build import BuildReport
from application.features.leakage import LeakageCase
from domain.market.candles import ms_to_datetime


def build_payload(report: BuildReport) -> dict[str, Any]:
    return {
        "name": report.name,
        "location": report.location,
        "content_hash": report.content_hash,
        "unchanged": report.unchanged,
        "rows": report.rows,
        "pairs": {p.pair.symbol: {"rows": p.rows, "excluded": p.excluded,
                                  "label_missing": p.label_missing, "fit_rows": p.fit_rows} for p in report.pairs},
    }


def describe_build(payload: dict[str, Any]) -> str:
    verb = "unchanged" if payload["unchanged"] else "written"
    lines = [f"{payload['name']}: {payload['rows']:,} rows {verb} to {payload['location']}",
             f"  content hash {payload['content_hash']}"]
    for pair, p in payload["pairs"].items():
        excluded = ", ".join(f"{k} {v:,}" for k, v in p["excluded"].items())
        lines.append(f"  {pair}: {p['rows']:,} rows; excluded {excluded}; labels missing {p['label_missing']:,}; "
                     f"fit on {p['fit_rows']:,} rows")
    return "\n".join(lines)


def list_row(name: str, manifest: dict[str, Any]) -> dict[str, Any]:
    pairs = manifest["pairs"]
    return {"name": name, "content_hash": manifest["content_hash"], "built_at": manifest.get("built_at"),
            "pairs": sorted(pairs), "rows": sum(p["rows"] for p in pairs.values()),
            "first_open_time": min(p["first_open_time"] for p in pairs.values()),
            "last_open_time": max(p["last_open_time"] for p in pairs.values()),
            "fit_window": manifest["fit_window"], "features": len(manifest["features"])}


def describe_list(rows: list[dict[str, Any]]) -> str:
    lines = []
    for row in rows:
        if "error" in row:
            lines.append(f"{row['name']}: BROKEN ({row['error']})")
            continue
        verified = row.get("verified")
        check = "" if verified is None else " verified" if verified else " HASH MISMATCH"
        lines.append(f"{row['name']}: {','.join(row['pairs'])} {row['rows']:,} rows "
                     f"{row['first_open_time'][:16]} -> {row['last_open_time'][:16]}, {row['features']} features, "
                     f"{row['content_hash'][:19]}{check}")
    return "\n".join(lines)


def leakage_payload(cases: Sequence[LeakageCase], seed: int) -> dict[str, Any]:
    failures = [{"pair": c.pair, "at": ms_to_datetime(c.open_time_ms).isoformat(), "variant": c.variant,
                 "mismatched": list(c.mismatched)} for c in cases if not c.passed]
    return {"passed": not failures, "seed": seed, "cases": len(cases), "failures": failures}


def describe_leakage(payload: dict[str, Any]) -> str:
    if payload["passed"]:
        return f"no leakage: {payload['cases']} checks passed (seed {payload['seed']})"
    lines = [f"LEAKAGE: {len(payload['failures'])} of {payload['cases']} checks failed (seed {payload['seed']})"]
    lines += [f"  {f['pair']} {f['at']} {f['variant']}: {', '.join(f['mismatched'])}" for f in payload["failures"]]
    return "\n".join(lines)
