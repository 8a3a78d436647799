"""The model monitor assembled from the settings: `tradeai model monitor` and the runtime's daily
check share it. Each trigger evaluated is logged (structlog, event ``retrain_trigger``: warning when
it fired, error when its data could not be read, info otherwise) with its figures, and each one
that fired is sent through the notifier.

The runtime calls ``DailyCheck`` after every scan (``on_scan``); it runs ``check_daily`` at most once
per UTC day of the runtime's clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import structlog

from application.models.monitor import MonitorModel, MonitorReport
from application.models.monitor_alerts import alert_fired
from application.models.monitor_ports import FeatureScorer
from application.runtime.ports import Notifier
from domain.models.cards import ModelCard
from domain.models.triggers import Status, TriggerResult
from domain.security.redaction import scrub
from entrypoints.settings import Settings
from entrypoints.settings.monitor_checks import monitor_config, trigger_policy

if TYPE_CHECKING:
    from sqlalchemy import Engine

HISTORY_FILE = "monitor_history.jsonl"
ScorerFor = Callable[[Path, ModelCard], FeatureScorer | None]


class CardError(ValueError):
    """A model card that cannot be found or read: bad input, named with its path."""


@attrs.frozen
class MonitorRun:
    report: MonitorReport
    card_path: Path
    alerts_sent: int
    alert_error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**self.report.as_dict(), "card": str(self.card_path), "alerts_sent": self.alerts_sent,
                "alert_error": self.alert_error}


def history_path(settings: Settings) -> Path:
    return Path(settings.predictor.model_dir) / HISTORY_FILE


def load_card(path_or_name: str, model_dir: Path) -> tuple[ModelCard, Path]:
    """A card file, or a card named in ``model_dir`` (with or without ``.json``)."""
    candidates = [Path(path_or_name), model_dir / path_or_name, model_dir / f"{path_or_name}.json"]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        raise CardError(f"no model card {path_or_name!r} (looked for {', '.join(map(str, candidates))})")
    try:
        return ModelCard.from_dict(json.loads(path.read_text())), path
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CardError(f"{path}: unreadable model card ({exc})") from None
    except ValueError as exc:
        raise CardError(f"{path}: {exc}") from None


def promoted_cards(model_dir: Path) -> list[Path]:
    """The cards beside the files ``<model_dir>/promoted/`` links to, sorted by link name."""
    folder = model_dir / "promoted"
    if not folder.is_dir():
        return []
    cards = []
    for link in sorted(folder.iterdir()):
        target = link.resolve()
        card = target if target.suffix == ".json" else target.with_suffix(".json")
        if card.is_file() and card not in cards:
            cards.append(card)
    return cards


def default_scorer_for(card_path: Path, card: ModelCard) -> FeatureScorer | None:
    """The model's own network over the stored rows, for the daily accuracy; None (the accuracy
    trigger then reads only the days already in the history, and says so) when its weights cannot
    be loaded, which is logged."""
    from adapters.torch import ModelFileError, load_model
    from adapters.torch.serving import TorchFeatureScorer

    try:
        _, model = load_model(card_path)
    except ModelFileError as exc:
        structlog.get_logger("monitor").error("monitor_weights_unreadable", error=str(exc))
        return None
    return TorchFeatureScorer(model.network)


def build_monitor(settings: Settings, *, scorer: FeatureScorer | None = None,
                  engine: Engine | None = None) -> MonitorModel:
    from adapters.features.windows import ParquetFeatureWindows
    from adapters.jsonl import JsonlAccuracyHistory
    from adapters.scipy_stats import ScipyKsPValue
    from adapters.sql import create_engine
    from adapters.sql.closed_trades import SqlClosedTrades

    return MonitorModel(
        windows=ParquetFeatureWindows(Path(settings.candles.data_dir) / "features"), ks=ScipyKsPValue(),
        history=JsonlAccuracyHistory(history_path(settings)),
        trades=SqlClosedTrades(engine or create_engine(settings.store.url)),
        policy=trigger_policy(settings.monitor), config=monitor_config(settings.monitor), scorer=scorer)


def run_monitor(monitor: MonitorModel, card: ModelCard, card_path: Path, now: datetime, notifier: Notifier | None,
                *, versions: Sequence[str] = (), secrets: Sequence[str] = ()) -> MonitorRun:
    """Evaluate, log every trigger, alert the fired ones; messages are scrubbed of ``secrets``."""
    report = _scrubbed(monitor(card, now, versions), secrets)
    log = structlog.get_logger("monitor")
    for result in report.results:
        level = {Status.FIRED: log.warning, Status.ERROR: log.error}.get(result.status, log.info)
        level("retrain_trigger", model=report.model, trigger=result.name.value, status=result.status.value,
              summary=result.summary, figures=dict(result.figures))
    if notifier is None or not report.fired:
        return MonitorRun(report, card_path, 0)
    try:
        return MonitorRun(report, card_path, alert_fired(report, notifier))
    except Exception as exc:  # any notifier failure: the report stands, the lost alert is logged
        detail = scrub(f"{type(exc).__name__}: {exc}", list(secrets))
        log.error("retrain_alert_failed", model=report.model, error=detail)
        return MonitorRun(report, card_path, 0, detail)


def check_daily(settings: Settings, now: datetime, notifier: Notifier, *, cards: Sequence[Path] | None = None,
                scorer_for: ScorerFor | None = None, engine: Engine | None = None) -> list[MonitorRun]:
    """The runtime's daily check: every promoted model (or ``cards``), its triggers logged and the
    fired ones alerted. A card that cannot be read is logged and skipped; it never stops the runtime."""
    from entrypoints.runtime_main import secrets_of

    model_dir = Path(settings.predictor.model_dir)
    runs = []
    for path in promoted_cards(model_dir) if cards is None else cards:
        try:
            card, path = load_card(str(path), model_dir)
        except CardError as exc:
            structlog.get_logger("monitor").error("monitor_card_unreadable", error=str(exc))
            continue
        scorer = (scorer_for or default_scorer_for)(path, card)
        monitor = build_monitor(settings, scorer=scorer, engine=engine)
        runs.append(run_monitor(monitor, card, path, now, notifier, secrets=secrets_of(settings)))
    return runs


class DailyCheck:
    """Calls ``check(now)`` on the first scan of each UTC day (by the runtime's clock, so replays
    check once per replayed day). A failing check is logged; the runtime goes on."""

    def __init__(self, check: Callable[[datetime], object]) -> None:
        self._check = check
        self._last: date | None = None

    def __call__(self, now: datetime) -> bool:
        if self._last == now.date():
            return False
        self._last = now.date()
        try:
            self._check(now)
        except Exception as exc:  # the trading loop outlives a broken monitor
            structlog.get_logger("monitor").error("daily_check_failed", error=f"{type(exc).__name__}: {exc}")
        return True


def _scrubbed(report: MonitorReport, secrets: Sequence[str]) -> MonitorReport:
    """Error texts come from drivers and files: masked like every other output path (URLs too)."""
    def clean(result: TriggerResult) -> TriggerResult:
        if result.status is not Status.ERROR:
            return result
        error = scrub(str(result.figures.get("error")), list(secrets))
        return attrs.evolve(result, summary=scrub(result.summary, list(secrets)),
                            figures={**result.figures, "error": error})

    return attrs.evolve(report, results=tuple(clean(r) for r in report.results))
