"""Keeping the bot token out of every text the Telegram adapter lets out.

The bot token is a credential and is part of every Bot API URL, so python-telegram-bot and httpx
put it into error messages (``Bot.initialize`` even writes it out in full when getMe is refused) and
httpx logs every request URL at INFO. The notifier therefore masks it as ``***`` in every exception
it raises (raised with no chained cause or context, see ``adapters.telegram.notifier``), in its
repr and the Bot's (``MaskedBot``), and in the log records of the ``httpx``, ``httpcore`` and
``telegram`` loggers and of this adapter's own, through a logging filter (``LOG_FILTER``) that
``protect_logs`` installs when a notifier is built.
"""

from __future__ import annotations

import logging
import threading
from typing import Final
from urllib.parse import quote

from telegram import Bot

MASK: Final = "***"

# Loggers whose records may carry a Bot API URL (and so the token); children included. The
# adapter's own loggers are covered too: their records quote library errors.
_PROTECTED_LOGGERS: Final = ("httpx", "httpcore", "telegram", "adapters.telegram")


class BotToken:
    """The token, kept out of repr, with every form in which it may show up in a text."""

    __slots__ = ("_forms", "_value")

    def __init__(self, value: str) -> None:
        self._value = value
        forms = {value, quote(value), quote(value, safe="")}
        _, _, secret = value.partition(":")
        if len(secret) >= 8:  # the secret half alone, however the bot id around it is written
            forms.update({secret, quote(secret, safe="")})
        self._forms = sorted(forms, key=len, reverse=True)

    def reveal(self) -> str:
        return self._value

    def mask(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, MASK)
        return text

    def __repr__(self) -> str:
        return repr(MASK)


class MaskingLogFilter(logging.Filter):
    """Rewrites log records that mention a registered token. Tokens are never unregistered:
    a closed notifier's token is as secret as a live one."""

    def __init__(self) -> None:
        super().__init__(name="")
        self._tokens: tuple[BotToken, ...] = ()
        self._lock = threading.Lock()

    def register(self, token: BotToken) -> None:
        with self._lock:
            self._tokens = (*self._tokens, token)

    def mask(self, text: str) -> str:
        for token in self._tokens:
            text = token.mask(text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._tokens:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: mask what there is
            message = f"{record.msg} {record.args}"
        masked = self.mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            masked = self.mask(text)
            if masked != text:
                record.exc_text, record.exc_info = masked, None
        elif record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


LOG_FILTER: Final = MaskingLogFilter()


def protect_logs(token: BotToken | None = None) -> None:
    """Register the token (if given) and put the filter on every logger that may print it.

    Logger filters apply only to records logged on that very logger, so the filter goes on each
    existing child logger too. httpx imports httpcore (and its loggers come into being) only when a
    client is built, so this runs again once the Bot exists.
    """
    if token is not None:
        LOG_FILTER.register(token)
    prefixes = tuple(f"{root}." for root in _PROTECTED_LOGGERS)
    names = set(_PROTECTED_LOGGERS)
    names.update(name for name in list(logging.root.manager.loggerDict) if name.startswith(prefixes))
    for name in names:
        logger = logging.getLogger(name)
        if LOG_FILTER not in logger.filters:
            logger.addFilter(LOG_FILTER)


class MaskedBot(Bot):
    """Bot's own repr shows the token; this one does not."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Bot[token={MASK}]"
