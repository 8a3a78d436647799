"""What the runtime serves, decided at boot: the settings' predictor, and for trained models
(``predictor.name = torch``) the registry's promoted ones after two checks: live mode refuses a
model promoted for research without its gates (dry-run says so loudly), and a model that cannot be
served as trained (weights, feature set) stops the boot with the reason. While trained models
serve, the runtime also runs the model monitor once per market day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from application.models.ports import Predictor
from application.runtime.ports import Notifier
from entrypoints.candle_bootstrap import RuntimeFailure
from entrypoints.container import Container
from entrypoints.settings import Settings

TORCH = "torch"


def boot_predictor(root: Container, settings: Settings, log: Any) -> Predictor:
    """The predictor the runtime asks; RuntimeFailure (usage: fixable by promoting or rolling back
    another model, or by the settings) when trained models cannot serve."""
    if settings.predictor.name != TORCH:
        return root.runtime().predictor()
    from application.models.registry import UngatedModelError
    from entrypoints.container.registry import servable_at_boot

    try:
        for line in servable_at_boot(root.registry().registry_store(), settings):
            log.warning("ungated_model_served", detail=line, mode=settings.mode)
    except UngatedModelError as exc:
        raise RuntimeFailure(str(exc), usage=True) from None
    try:
        predictor: Predictor = root.runtime().predictor()
    except Exception as exc:  # the serving adapter's errors name the tag, file or feature set
        raise RuntimeFailure(f"cannot serve the promoted models: {exc}", usage=True) from None
    from adapters.torch.serving import use_serving_threads

    use_serving_threads()
    log.info("models_served", version=predictor.version)
    return predictor


def daily_monitor(settings: Settings, notifier: Notifier) -> Callable[[datetime], bool] | None:
    """Checks the retraining triggers on the first scan of each market day while trained models
    serve; None for the baselines, which have nothing to retrain."""
    if settings.predictor.name != TORCH:
        return None
    from entrypoints.model_monitor import DailyCheck, check_daily

    return DailyCheck(lambda now: check_daily(settings, now, notifier))
