"""The store context's adapters: the SQL engine (SQLite or Postgres, from store.url), the risk
book and runtime controls, the statistics queries, backups and retention."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dependency_injector import containers, providers

from application.bot.ports import LastScan, RetrainRequests
from application.runtime.outbox import Outbox
from application.runtime.ports import ControlRepository, OrderIntents, RiskBookUnitOfWork
from application.stats.ports import PatternRepository, PerformanceQueries
from entrypoints.settings import Settings

if TYPE_CHECKING:  # sqlalchemy is imported only when a command opens the store
    from sqlalchemy import Engine

    from adapters.sql.retention import ArchiveResult


def _engine(settings: Settings) -> Engine:
    from adapters.sql import create_engine

    return create_engine(settings.store.url)


def _upgraded(engine: Engine) -> Engine:
    from adapters.sql import upgrade

    upgrade(engine)
    return engine


def _risk_book(engine: Engine, account: str) -> RiskBookUnitOfWork:
    from adapters.sql import SqlRiskBook

    return SqlRiskBook(engine, account)


def _outbox(engine: Engine) -> Outbox:
    from adapters.sql import SqlOutbox

    return SqlOutbox(engine)


def _control_repository(engine: Engine) -> ControlRepository:
    from adapters.sql import SqlControlRepository

    return SqlControlRepository(engine)


def _pattern_repository(engine: Engine, settings: Settings) -> PatternRepository:
    from adapters.sql import SqlPatternRepository
    from domain.signals.signal import Mode

    return SqlPatternRepository(engine, Mode(settings.mode))


def _order_intents(engine: Engine, settings: Settings) -> OrderIntents:
    from adapters.sql.order_intents import SqlOrderIntents
    from domain.signals.signal import Mode

    return SqlOrderIntents(engine, Mode(settings.mode))


def _performance_queries(engine: Engine) -> PerformanceQueries:
    from adapters.sql import SqlPerformanceQueries

    return SqlPerformanceQueries(engine)


def _retrain_requests(engine: Engine) -> RetrainRequests:
    from adapters.sql.retrain_requests import SqlRetrainRequests

    return SqlRetrainRequests(engine)


def _last_scan(engine: Engine, account: str) -> LastScan:
    from adapters.sql.last_scan import SqlLastScan

    return SqlLastScan(engine, account)


def _backup(settings: Settings, out: Path) -> Path:
    from adapters.sql.backup import backup

    return backup(settings.store.url, out)


def _restore(settings: Settings, source: Path) -> None:
    from adapters.sql.backup import restore

    restore(settings.store.url, source)


def _archive(engine: Engine, cutoff: datetime, out_dir: Path, now: datetime) -> ArchiveResult:
    from adapters.sql.retention import archive_dryrun

    return archive_dryrun(engine, cutoff, out_dir, now)


def _archive_outbox(engine: Engine, cutoff: datetime, out_dir: Path, now: datetime) -> ArchiveResult:
    from adapters.sql.retention import archive_outbox

    return archive_outbox(engine, cutoff, out_dir, now)


def maintenance_errors() -> tuple[type[Exception], ...]:
    """The failures a backup, restore or archive reports on purpose (their messages are written for
    the user), which a command shows in one line rather than a traceback."""
    from adapters.sql.backup import BackupError
    from adapters.sql.retention import ArchiveError

    return BackupError, ArchiveError


class StoreContainer(containers.DeclarativeContainer):
    settings: providers.Dependency[Settings] = providers.Dependency(instance_of=Settings)
    # the paper or live account the risk book keeps apart from the others
    account: providers.Dependency[str] = providers.Dependency(instance_of=str)

    # reads (statistics, retention) use the schema as it is; what records state migrates it first
    engine: providers.Singleton[Engine] = providers.Singleton(_engine, settings)
    upgraded_engine: providers.Singleton[Engine] = providers.Singleton(_upgraded, engine)
    risk_book: providers.Singleton[RiskBookUnitOfWork] = providers.Singleton(_risk_book, upgraded_engine, account)
    # the messages the risk book writes with its signals (override it with the risk book)
    outbox: providers.Singleton[Outbox] = providers.Singleton(_outbox, upgraded_engine)
    control_repository: providers.Singleton[ControlRepository] = providers.Singleton(_control_repository,
                                                                                      upgraded_engine)
    pattern_repository: providers.Singleton[PatternRepository] = providers.Singleton(_pattern_repository, engine,
                                                                                  settings)
    # the runtime counts closes into it: on the migrated schema, like the risk book
    recording_patterns: providers.Singleton[PatternRepository] = providers.Singleton(_pattern_repository,
                                                                                    upgraded_engine, settings)
    performance_queries: providers.Singleton[PerformanceQueries] = providers.Singleton(_performance_queries, engine)
    # live orders written before they are sent (the runtime with a live broker only)
    order_intents: providers.Singleton[OrderIntents] = providers.Singleton(_order_intents, upgraded_engine, settings)
    # retraining asked for from the bot, and the last scan the runtime saved (for a bot on its own)
    retrain_requests: providers.Singleton[RetrainRequests] = providers.Singleton(_retrain_requests, upgraded_engine)
    last_scan: providers.Singleton[LastScan] = providers.Singleton(_last_scan, upgraded_engine, account)
    # call backup(out), restore(source), archive(cutoff, out_dir, now)
    backup: providers.Callable[Path] = providers.Callable(_backup, settings)
    restore: providers.Callable[None] = providers.Callable(_restore, settings)
    archive: providers.Callable[ArchiveResult] = providers.Callable(_archive, engine)
    archive_outbox: providers.Callable[ArchiveResult] = providers.Callable(_archive_outbox, engine)
