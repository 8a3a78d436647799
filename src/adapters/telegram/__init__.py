"""Telegram adapters (python-telegram-bot): the notifier that sends signals to the trader.

``notifier`` sends (private event loop, retries, errors), ``formatting`` splits text to Telegram's
limit, ``masking`` keeps the bot token out of errors, reprs and logs."""

from adapters.telegram.formatting import split_message
from adapters.telegram.notifier import TelegramNotifier

__all__ = ["TelegramNotifier", "split_message"]
