"""Rules that types alone cannot express. Each issue names every key it involves, so that a
conflict between two settings is reported on both, with their values and sources."""

from __future__ import annotations

from domain.market.candles import Pair
from entrypoints.settings.bot_checks import bot_problems
from entrypoints.settings.broker_checks import broker_problems
from entrypoints.settings.domain_config import domain_problems
from entrypoints.settings.issue import Issue
from entrypoints.settings.monitor_checks import monitor_problems
from entrypoints.settings.schema import Settings
from entrypoints.settings.store_url import backend_of, url_problems


def semantic_problems(s: Settings) -> list[Issue]:
    """Every rule the parsed settings break; empty when they are usable."""
    return [*_general_problems(s), *_store_problems(s), *_signal_problems(s), *domain_problems(s),
            *_adapter_problems(s), *monitor_problems(s), *bot_problems(s), *broker_problems(s)]


def _general_problems(s: Settings) -> list[Issue]:
    problems: list[Issue] = []
    if not s.pairs:
        problems.append(Issue.at("pairs", "at least one pair is required"))
    for symbol in s.pairs:
        try:
            Pair.parse(symbol)
        except ValueError as exc:
            problems.append(Issue.at("pairs", str(exc)))
    if s.runtime.scan_interval_minutes < 1:
        problems.append(Issue.at("runtime.scan_interval_minutes", "must be at least 1"))
    if not 0 <= s.runtime.health_port <= 65535:
        problems.append(Issue.at("runtime.health_port", "must be a TCP port from 1 to 65535, or 0 for none"))
    if not s.runtime.health_bind.strip():
        problems.append(Issue.at("runtime.health_bind", "must be an address to bind, e.g. 127.0.0.1 or 0.0.0.0"))
    if not _valid_speed(s.runtime.speed):
        problems.append(Issue.at("runtime.speed", "must be 'max' or a positive factor such as 60"))
    if s.candles.bootstrap_days < 1:
        problems.append(Issue.at("candles.bootstrap_days", "must be at least 1"))
    if not s.backtest.latency_budget_ms >= 0:  # NaN too
        problems.append(Issue.at("backtest.latency_budget_ms", "must be a number of milliseconds >= 0"))
    return problems + _execution_problems(s)


def _execution_problems(s: Settings) -> list[Issue]:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    problems: list[Issue] = []
    if s.execution.min_samples < 1:
        problems.append(Issue.at("execution.min_samples", "must be at least 1"))
    try:
        ZoneInfo(s.execution.mt5_time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(Issue.at("execution.mt5_time_zone", "must be an IANA time zone such as UTC or Europe/Athens"))
    if s.execution.ticks_login and s.execution.ticks_login == s.broker.mt5_login:
        problems.append(Issue(("execution.ticks_login", "broker.mt5_login"),
                              "the tick reader needs its own read-only login, not the trading account's"))
    return problems


def _valid_speed(speed: str) -> bool:
    if speed == "max":
        return True
    try:
        return float(speed) > 0
    except ValueError:
        return False


def _store_problems(s: Settings) -> list[Issue]:
    broken = url_problems(s.store.url)
    if broken:
        return [Issue.at("store.url", message) for message in broken]
    named = backend_of(s.store.url)
    if named != s.store.backend:
        return [Issue(("store.backend", "store.url"),
                      f"store.backend is {s.store.backend} but store.url is a {named} URL; make them agree, "
                      "or leave STORE_BACKEND unset and the URL decides")]
    return []


def _signal_problems(s: Settings) -> list[Issue]:
    sig = s.signals
    problems = _tier_problems(s)
    for key, value in (("reward_risk", sig.reward_risk), ("stop_atr_multiple", sig.stop_atr_multiple)):
        if value <= 0:
            problems.append(Issue.at(f"signals.{key}", "must be > 0"))
    for key, count in (("max_signals_per_hour", sig.max_signals_per_hour),
                       ("max_signals_per_hour_high", sig.max_signals_per_hour_high)):
        if count < 0:
            problems.append(Issue.at(f"signals.{key}", "must be >= 0"))
    return problems


_TIER_CHAIN = "tiers must satisfy 0.5 <= tier_low <= tier_medium <= tier_high <= 1"


def _tier_problems(s: Settings) -> list[Issue]:
    """Each broken link of the chain, on the keys that form it (not on whichever comes first)."""
    sig = s.signals
    problems: list[Issue] = []
    if sig.tier_low < 0.5:
        problems.append(Issue.at("signals.tier_low", f"must be at least 0.5 ({_TIER_CHAIN})"))
    if sig.tier_high > 1:
        problems.append(Issue.at("signals.tier_high", f"must be at most 1 ({_TIER_CHAIN})"))
    for lower, higher in (("tier_low", "tier_medium"), ("tier_medium", "tier_high")):
        if getattr(sig, lower) > getattr(sig, higher):
            problems.append(Issue((f"signals.{lower}", f"signals.{higher}"),
                                  f"{lower} must not be above {higher} ({_TIER_CHAIN})"))
    return problems


def _adapter_problems(s: Settings) -> list[Issue]:
    problems = _required_by_choice(s)
    if s.predictor.tags and s.predictor.name != "torch":
        problems.append(Issue(("predictor.tags", "predictor.name"), "tags name trained models: set PREDICTOR=torch"))
    if s.predictor.tags and s.mode == "live":
        problems.append(Issue(("predictor.tags", "mode"), "live serves the promoted models only: clear PREDICTOR_TAGS "
                                                          "(promote or roll back instead)"))
    if s.predictor.name == "random" and s.mode == "live":
        problems.append(Issue(("predictor.name", "mode"),
                              "the random-direction baseline is a yardstick for reports; it never trades live"))
    if s.predictor.name == "baseline" and s.mode == "live":
        problems.append(Issue(("predictor.name", "mode"), "live mode trades a promoted gated model only: no promoted "
                                                          "gated model with the momentum baseline (PREDICTOR=torch)"))
    if s.mode == "live" and s.broker.name == "paper":
        problems.append(Issue(("mode", "broker.name"),
                              "live mode needs a real broker (mt5, mt5-rest or metaapi); use dryrun with paper"))
    if s.broker.micro_lot and s.broker.name == "paper":  # silently ignored, it would read as a micro-lot run
        problems.append(Issue(("broker.micro_lot", "broker.name"),
                              "micro-lot trading measures a real broker's fills: the paper broker ignores it "
                              "(set BROKER=mt5, mt5-rest or metaapi, or MICRO_LOT=false)"))
    return problems


# adapter choice -> the settings it cannot work without
_REQUIRED = {
    ("notifier.name", "telegram"): ("notifier.telegram_bot_token", "notifier.telegram_chat_id"),
    ("broker.name", "mt5"): ("broker.mt5_login", "broker.mt5_password", "broker.mt5_server"),
    ("broker.name", "metaapi"): ("broker.metaapi_token", "broker.metaapi_account_id"),
}


def _required_by_choice(s: Settings) -> list[Issue]:
    problems: list[Issue] = []
    for (choice_key, choice), required in _REQUIRED.items():
        if _value(s, choice_key) != choice:
            continue
        problems += [Issue((key, choice_key), f"required when {choice_key} is {choice}")
                     for key in required if not _value(s, key)]
    return problems


def _value(s: Settings, dotted: str) -> object:
    node: object = s
    for part in dotted.split("."):
        node = getattr(node, part)
    return node
