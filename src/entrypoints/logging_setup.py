"""Structured logs: one JSON event per line (readable on a terminal), `mode` on every record,
secrets scrubbed from every value before anything is rendered."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any, TextIO

import structlog

from domain.security.redaction import scrub


def _add_static(fields: dict[str, Any]) -> structlog.types.Processor:
    def processor(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        for key, value in fields.items():
            event.setdefault(key, value)
        return event

    return processor


def _scrubber(secrets: list[str]) -> structlog.types.Processor:
    def processor(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        for key, value in event.items():
            if isinstance(value, str):
                event[key] = scrub(value, secrets)
            elif isinstance(value, BaseException):
                event[key] = scrub(f"{type(value).__name__}: {value}", secrets)
        return event

    return processor


def configure_logging(
    *, level: str, fmt: str, mode: str, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> None:
    """Configure structlog once per process. ``fmt`` is auto, json or console."""
    stream = stream or sys.stderr
    console = fmt == "console" or (fmt == "auto" and stream.isatty())
    renderer: structlog.types.Processor = (
        structlog.dev.ConsoleRenderer(colors=stream.isatty()) if console else structlog.processors.JSONRenderer()
    )
    shared: list[structlog.types.Processor] = [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_static({"mode": mode}),
        structlog.processors.format_exc_info,
        _scrubber([s for s in secrets if s]),
    ]
    _route_stdlib_logging(stream, shared, renderer)
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, *shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=stream),
        cache_logger_on_first_use=False,
    )


def _route_stdlib_logging(stream: TextIO, shared: list[structlog.types.Processor],
                          renderer: structlog.types.Processor) -> None:
    """Libraries (httpx, telegram, alembic) log through the standard library: render their
    warnings the same way, through the same scrubber."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    ))
    root = logging.getLogger()
    root.handlers = [handler]
    # INFO from httpx is a line per request: only warnings and errors are worth a record
    root.setLevel(logging.WARNING)
