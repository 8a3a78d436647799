"""Telegram adapters (python-telegram-bot): the notifier that sends signals to the trader."""

from adapters.telegram.notifier import TelegramNotifier, split_message

__all__ = ["TelegramNotifier", "split_message"]
