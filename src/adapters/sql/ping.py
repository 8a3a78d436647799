"""Does the store answer? One ``SELECT 1`` on the risk book's engine, for the health endpoint."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Engine

from domain.security.redaction import mask_urls_in


class StorePing:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __call__(self) -> str | None:
        """None when the store answers, else one masked line saying why not (a driver's text may
        quote the URL with its password)."""
        try:
            with self._engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        except Exception as exc:  # any driver error means the store is not usable now
            first = str(exc).splitlines()[0] if str(exc) else ""
            return f"{type(exc).__name__}: {mask_urls_in(first)}"
        return None
