"""Opening the risk book at start: a database that is down is waited for, not given up on at once.

On a VPS the runtime and Postgres start together (systemd, docker compose); the database may take
a while, or be restarting. The runtime logs each failed try and retries until
``store.startup_wait_seconds`` have passed, then stops with exit 1 and the reason.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import structlog

from domain.security.redaction import mask_url, mask_urls_in
from entrypoints.candle_bootstrap import RuntimeFailure
from entrypoints.settings import Settings

T = TypeVar("T")
_FIRST_DELAY_S = 1.0
_MAX_DELAY_S = 15.0


def store_error(exc: Exception) -> str:
    """One masked line for a failure to open the store: the driver's text may hold the URL."""
    return f"{type(exc).__name__}: {mask_urls_in(str(exc).splitlines()[0] if str(exc) else '')}"


def open_when_up(open_store: Callable[[], T], settings: Settings, stop: threading.Event) -> T:
    log = structlog.get_logger("runtime")
    deadline = time.monotonic() + settings.store.startup_wait_seconds
    delay = _FIRST_DELAY_S
    while True:
        try:
            return open_store()
        except Exception as exc:  # any driver or migration error: the database is not usable yet
            reason = store_error(exc)
        left = deadline - time.monotonic()
        if left <= 0 or stop.is_set():
            raise RuntimeFailure(f"cannot open the {settings.store.backend} store at {mask_url(settings.store.url)}: "
                                 f"{reason}")
        log.error("store_unavailable", store=mask_url(settings.store.url), error=reason,
                  retry_in_s=round(min(delay, left), 1))
        if stop.wait(min(delay, left)):
            raise RuntimeFailure("stopped while waiting for the store")
        delay = min(delay * 2, _MAX_DELAY_S)
