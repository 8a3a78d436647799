"""Shared by the Telegram tests: the local Bot API server, reached directly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.telegram.bot_api_server import TOKEN, FakeBotApi, running_bot_api


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx honours proxy variables; the local server must be reached directly."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with running_bot_api(TOKEN) as server:
        yield server
