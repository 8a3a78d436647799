"""The runtime's wait for its store: neither the store_unavailable log line nor the final error
shows a password, whether it sits in the URL's userinfo, its query or the driver's message."""

from __future__ import annotations

import io
import json
import threading

import attrs
import pytest

from entrypoints.candle_bootstrap import RuntimeFailure
from entrypoints.logging_setup import configure_logging
from entrypoints.settings import Settings
from entrypoints.settings.schema import StoreSettings
from entrypoints.store_wait import open_when_up, store_error

URL = "postgresql+psycopg://trader:hunter1@127.0.0.1:9/book?password=hunter2&sslpassword=hunter3"


def never_up() -> object:
    # what psycopg says when it quotes the conninfo it was given
    raise ConnectionError("could not connect: host=127.0.0.1 port=9 user=trader password=hunter2 "
                          f"dbname=book (via {URL})")


def test_store_unavailable_lines_and_the_final_error_mask_every_password() -> None:
    settings = attrs.evolve(Settings(), store=StoreSettings(backend="postgres", url=URL, startup_wait_seconds=1))
    stream = io.StringIO()
    configure_logging(level="INFO", fmt="json", mode="dryrun", stream=stream)
    with pytest.raises(RuntimeFailure) as failure:
        open_when_up(never_up, settings, threading.Event())
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    waits = [line for line in lines if line["event"] == "store_unavailable"]
    assert waits
    text = stream.getvalue() + str(failure.value)
    for secret in ("hunter1", "hunter2", "hunter3"):
        assert secret not in text
    assert "password=***" in waits[0]["store"] and "password=***" in waits[0]["error"]
    assert "password=***" in str(failure.value)


def test_store_error_masks_the_drivers_message_even_for_an_unparsable_url() -> None:
    exc = ValueError("invalid literal for port in 'postgresql://u:hunter2@h:abc/d?sslpassword=hunter3'")
    line = store_error(exc)
    assert "hunter2" not in line and "hunter3" not in line and line.startswith("ValueError: ")


def test_the_runtime_scrubs_the_database_password_even_when_a_driver_prints_it_bare() -> None:
    from entrypoints.runtime_main import secrets_of
    from entrypoints.settings import load_settings

    for url in ("postgresql+psycopg://trader:hunter2@db/book", "postgresql+psycopg://trader@db/book?password=hunter2"):
        settings = load_settings(config_path=None, dotenv_path=None, environ={"DATABASE_URL": url}).settings
        assert "hunter2" in secrets_of(settings)
