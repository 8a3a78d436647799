"""``HtmlReportWriter``: report.html, its PNGs and metrics.json in one folder that can be copied
anywhere and opened offline (the images are sibling files; no script, no network)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adapters.common.atomic_file import atomic_write
from adapters.reports import charts
from adapters.reports.page import render_page
from application.evaluation.ports import ReportFiles, ReportWriter
from application.evaluation.report import Report

if TYPE_CHECKING:
    from matplotlib.figure import Figure

INSTALL_HINT = "pip install 'trading-ai[report]'"
IMAGES = {"equity": "equity.png", "drawdown": "drawdown.png", "reliability": "reliability.png",
          "sessions": "sessions.png"}


class MissingReportExtra(ImportError):
    """matplotlib, which draws the report's images, is not installed."""


def require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise MissingReportExtra(f"reports are drawn with matplotlib, which is not installed: {INSTALL_HINT}") from exc


class HtmlReportWriter(ReportWriter):
    def __init__(self) -> None:
        require_matplotlib()  # fail when the writer is built, not halfway through a report

    def write(self, report: Report, directory: Path) -> ReportFiles:
        directory.mkdir(parents=True, exist_ok=True)
        metrics = report.evaluation.to_json()
        with charts.drawing():  # drawn and saved in the default style, whatever the user's matplotlibrc
            images = tuple(charts.save(draw(), directory / IMAGES[name]) for name, draw in _drawings(report, metrics))
        html = directory / "report.html"
        atomic_write(html, lambda handle: handle.write(render_page(metrics, IMAGES).encode("utf-8")))
        metrics_file = directory / "metrics.json"
        text = json.dumps(metrics, indent=2, allow_nan=False) + "\n"
        atomic_write(metrics_file, lambda handle: handle.write(text.encode("utf-8")))
        return ReportFiles(html, metrics_file, images)


def _drawings(report: Report, metrics: dict[str, Any]) -> list[tuple[str, Callable[[], Figure]]]:
    evaluation, t = report.evaluation, metrics["min_trades"]
    ftmo = metrics["run"].get("ftmo") or {}
    return [
        ("equity", lambda: charts.equity_chart(evaluation.equity, report.floors, ftmo)),
        ("drawdown", lambda: charts.drawdown_chart(evaluation.equity)),
        ("reliability", lambda: charts.reliability_chart(metrics["calibration"], t)),
        ("sessions", lambda: charts.sessions_chart(metrics["performance"]["hit_rate_by_session"], t)),
    ]
