"""The risk book's last closed trades of a model, for the monitor's win-rate trigger."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from adapters.sql.tables import risk_book as rb
from application.models.monitor_ports import ClosedTrades, MonitorSourceError
from domain.market.candles import require_utc
from domain.signals.signal import Mode


class SqlClosedTrades(ClosedTrades):
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def last_results(self, limit: int, model_versions: Sequence[str], mode: Mode | None,
                     until: datetime) -> Sequence[bool]:
        if limit < 1 or not model_versions:
            return []
        where = [rb.c.result.is_not(None), rb.c.exit_time <= require_utc(until, "until"),
                 rb.c.model_version.in_(list(model_versions))]
        if mode is not None:
            where.append(rb.c.mode == mode.value)
        query = (sa.select(rb.c.result).where(*where)
                 .order_by(rb.c.exit_time.desc(), rb.c.id.desc()).limit(limit))
        try:
            with self._engine.connect() as connection:
                return [row == "W" for row in connection.execute(query).scalars()]
        except sa.exc.SQLAlchemyError as exc:
            # the driver's own first line: neither the statement nor the URL (which may hold a password)
            detail = str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0]
            raise MonitorSourceError(f"risk book: cannot read closed trades ({detail})") from None
