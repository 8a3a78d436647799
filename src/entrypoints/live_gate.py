"""Live mode's gate at boot, before anything starts: a real broker with its credentials, a model
promoted through its gates, and the broker answering. Every condition that fails is named in one
refusal (exit 2); the settings checks (``tradeai config validate``) name those they can see."""

from __future__ import annotations

from entrypoints.candle_bootstrap import RuntimeFailure
from entrypoints.container import Container
from entrypoints.settings import Settings, mask_url

# each live broker -> the settings it cannot run without (each set by the variable of its name, upper-cased)
CREDENTIALS = {
    "mt5": ("mt5_login", "mt5_password", "mt5_server"),
    "mt5-rest": ("mt5_bridge_url", "mt5_bridge_token"),
    "metaapi": ("metaapi_token", "metaapi_account_id"),
}


def refuse_unready_live(root: Container, settings: Settings, secrets: list[str]) -> None:
    """RuntimeFailure (usage) naming every unmet condition when live mode cannot start; nothing in
    dry-run. The broker is asked only once its settings are complete; its error never carries
    ``secrets``."""
    if settings.mode != "live":
        return
    broker = _broker_reasons(settings)
    # the broker is asked whenever it can be, so that one refusal names everything to fix
    reasons = broker + _model_reasons(root, settings) + ([] if broker else _reachability(root, settings, secrets))
    if reasons:
        raise RuntimeFailure("live mode cannot start: " + "; ".join(reasons), usage=True)


def _broker_reasons(settings: Settings) -> list[str]:
    name = settings.broker.name
    if name == "paper":
        return ["BROKER=paper simulates fills: live needs a real broker (mt5, mt5-rest or metaapi)"]
    missing = [key.upper() for key in CREDENTIALS[name] if not getattr(settings.broker, key)]
    return [f"the {name} broker's credentials are missing: {', '.join(missing)}"] if missing else []


def _model_reasons(root: Container, settings: Settings) -> list[str]:
    if settings.predictor.name != "torch":
        return [f"no promoted gated model: PREDICTOR={settings.predictor.name} is a baseline "
                "(set PREDICTOR=torch and promote a model that passes its gates)"]
    from application.models.registry import require_servable
    from domain.models.registry import PromotionKind
    from domain.signals.signal import Mode

    try:
        registry = root.registry().registry_store().load()
    except Exception as exc:  # a registry that cannot be read serves nothing
        return [f"no promoted gated model: the registry cannot be read ({type(exc).__name__}: {exc})"]
    served = [registry.entries[tag] for tag in registry.promoted.values()]
    if not any(e.promotion is PromotionKind.GATED for e in served):
        return ["no promoted gated model: the registry promotes none (tradeai models promote TAG)"]
    return list(require_servable(registry, Mode.DRYRUN))  # research promotions, each named


def _reachability(root: Container, settings: Settings, secrets: list[str]) -> list[str]:
    try:
        account = root.runtime().broker_gateway().account()
    except Exception as exc:
        said = f"{type(exc).__name__}: {exc}"
        for secret in secrets:
            said = said.replace(secret, "***")
        return [f"the {settings.broker.name} broker does not answer ({mask_url(said)})"]
    return [] if account.equity > 0 else [f"the {settings.broker.name} account has no equity ({account.equity})"]
