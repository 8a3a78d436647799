"""What the bot is built with: its settings (BotSetup) and the stores it reads and writes (BotStores),
and the values its replies are made of."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import attrs

from application.bot.ports import RetrainRequests
from application.bot.ratelimit import RateLimit
from application.runtime.health import HealthReport
from application.runtime.ports import ControlRepository, RiskBookUnitOfWork
from application.runtime.scan_outcome import Controls
from application.stats.ports import PatternRepository, PerformanceQueries
from domain.risk import RiskSettings
from domain.signals.signal import Mode


@attrs.frozen
class BotSetup:
    mode: Mode
    account_name: str
    allowed_user_ids: frozenset[int]
    chat_id: str
    default_controls: Controls
    forced_kill_switch: bool
    risk: RiskSettings
    rate: RateLimit = attrs.Factory(RateLimit)
    confirm_ttl: timedelta = timedelta(seconds=60)
    # a command that waited longer than this (the bot was not running) is not carried out
    max_command_age: timedelta = timedelta(minutes=5)


@attrs.frozen
class BotStores:
    controls: ControlRepository
    risk_book: RiskBookUnitOfWork
    performance: PerformanceQueries
    patterns: PatternRepository
    retrain: RetrainRequests
    health: Callable[[], HealthReport]


@attrs.frozen
class Button:
    label: str
    data: str  # at most 64 bytes (Telegram's callback_data limit)


@attrs.frozen
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
