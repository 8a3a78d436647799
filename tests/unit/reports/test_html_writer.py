"""The HTML report: its files, metrics.json as the evaluation's JSON, every number on the page
taken from it, few-trade marks, a report of no trades, deterministic self-contained output."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest

from adapters.reports import HtmlReportWriter
from application.backtest.trades import BacktestTrades
from application.evaluation.report import backtest_report
from domain.evaluation import AcceptanceGate, EquitySeries, Gates
from domain.risk.rules import RiskSettings
from tests.unit.reports.builders import INITIAL, PERIOD, backtest_result, comparison, report_of

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
NO_TRADES = BacktestTrades((), (), {}, {}, None, 0, 0, 0)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    report = report_of()
    return report, HtmlReportWriter().write(report, tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return HtmlReportWriter().write(report_of(comparison=comparison()), tmp_path_factory.mktemp("compared"))


def _visible_text(html: str) -> str:
    body = re.sub(r"<style>.*?</style>|<title>.*?</title>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", body))


def _numbers_in(value: object) -> list[float]:
    """Every number of a JSON value, those inside its strings (gate reasons, dates) included."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float):
        return [value]
    if isinstance(value, str):
        return [float(n.replace(",", "")) for n in NUMBER.findall(value)]
    items = value.values() if isinstance(value, dict) else value
    return [n for item in items for n in _numbers_in(item)]  # type: ignore[union-attr]


def _shown(token: str, numbers: list[float]) -> bool:
    """``token`` is one of ``numbers`` as the page formats them: as is or as a percentage, rounded."""
    whole, _, fraction = token.replace(",", "").partition(".")
    digits, plain = len(fraction), f"{int(whole)}" + (f".{fraction}" if fraction else "")  # "06" of a date is 6
    return any(f"{abs(n) * scale:.{digits}f}" == plain for n in numbers for scale in (1, 100))


def test_the_folder_holds_the_page_its_images_and_metrics(written) -> None:  # type: ignore[no-untyped-def]
    report, files = written
    assert files.html.name == "report.html" and files.metrics.name == "metrics.json"
    assert sorted(p.name for p in files.images) == ["drawdown.png", "equity.png", "reliability.png", "sessions.png"]
    for image in files.images:
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(files.metrics.read_text()) == json.loads(json.dumps(report.evaluation.to_json()))


def test_the_page_is_self_contained(written) -> None:  # type: ignore[no-untyped-def]
    _, files = written
    html = files.html.read_text()
    assert "<script" not in html and "http" not in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sorted(sources) == ["drawdown.png", "equity.png", "reliability.png", "sessions.png"]
    assert all((files.html.parent / s).is_file() for s in sources)


@pytest.mark.parametrize("which", ["written", "compared"])
def test_every_number_on_the_page_is_in_metrics_json(which: str, request: pytest.FixtureRequest) -> None:
    found = request.getfixturevalue(which)
    files = found[1] if which == "written" else found
    numbers = _numbers_in(json.loads(files.metrics.read_text()))
    tokens = NUMBER.findall(_visible_text(files.html.read_text()))
    assert tokens, "the page shows numbers"
    assert [t for t in tokens if not _shown(t, numbers)] == []


def test_the_verdict_opens_the_page_and_names_failing_and_unrun_gates(written) -> None:  # type: ignore[no-untyped-def]
    _, files = written
    text = _visible_text(files.html.read_text())
    verdict = text.index("Verdict: fails the acceptance gate; not run: promotion and challenge")
    assert verdict < text.index("Key figures")
    assert "Better than nothing? Not answered" in text and "no baseline was run" in text


def test_the_page_answers_better_than_nothing_from_the_baselines(compared, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = _visible_text(compared.html.read_text())
    assert "Better than nothing? No: it does not beat random" in text
    assert "-130.25" in text and "random-direction-seed42" in text
    beating = HtmlReportWriter().write(report_of(comparison=comparison(strategy_pnl=20.0)), tmp_path)
    assert "Better than nothing? Yes: it beats every baseline" in _visible_text(beating.html.read_text())


def test_figures_on_few_trades_are_marked_and_others_are_not(written) -> None:  # type: ignore[no-untyped-def]
    _, files = written
    rows = dict(re.findall(r"<tr><td>(LOW|MEDIUM|HIGH|ALL)</td>(.*?)</tr>", files.html.read_text()))
    assert 'class="few"' in rows["HIGH"]  # 5 trades
    assert 'class="few"' not in rows["LOW"].split("</td>")[3]  # LOW's win rate stands on 35 trades
    assert "fewer than 30" in files.html.read_text()


def test_the_same_report_writes_the_same_bytes(written, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    report, files = written
    again = HtmlReportWriter().write(report, tmp_path)
    for first, second in zip(files.images, again.images, strict=True):
        data = second.read_bytes()
        assert first.read_bytes() == data and b"Software" not in data and b"tIME" not in data
    assert files.html.read_bytes() == again.html.read_bytes()


def test_a_report_of_no_trades_renders(tmp_path: Path) -> None:
    files = HtmlReportWriter().write(report_of(NO_TRADES), tmp_path)
    text = _visible_text(files.html.read_text())
    assert "Verdict: fails the acceptance gate" in text and "win rate is missing" in text
    assert json.loads(files.metrics.read_text())["trades"] == 0


def test_a_report_without_an_equity_series_renders(tmp_path: Path) -> None:
    files = HtmlReportWriter().write(report_of(backtest_result(3, high=0), equity=EquitySeries([], [])), tmp_path)
    assert "no equity series" in files.html.read_text()
    assert all(p.stat().st_size > 0 for p in files.images)


def test_with_no_gate_failing_the_verdict_still_names_the_gates_not_run(tmp_path: Path) -> None:
    lenient = Gates(acceptance=AcceptanceGate(min_win_rate=0.1, min_trades=1))
    report = backtest_report(backtest_result(), PERIOD, lenient, RiskSettings(), initial_balance=INITIAL, run={})
    text = _visible_text(HtmlReportWriter().write(report, tmp_path).html.read_text())
    assert "Verdict: no gate that ran fails, but promotion and challenge did not run" in text
