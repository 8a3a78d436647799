"""The bot's settings: what it cannot run without, said by key before anything starts."""

from __future__ import annotations

from entrypoints.settings.issue import Issue
from entrypoints.settings.schema import Settings

# what the bot needs: a token, the one chat it obeys in, and who it obeys (empty obeys nobody)
BOT_NEEDS = ("notifier.telegram_bot_token", "notifier.telegram_chat_id", "notifier.telegram_allowed_user_ids")


def bot_needs(s: Settings, because: str) -> list[Issue]:
    """Each setting the bot lacks, naming ``because`` (the setting or command that runs it)."""
    n = s.notifier
    values = {"notifier.telegram_bot_token": n.telegram_bot_token,
              "notifier.telegram_chat_id": n.telegram_chat_id.strip(),
              "notifier.telegram_allowed_user_ids": n.telegram_allowed_user_ids}
    keys = (because,) if because.startswith("notifier.") else ()
    return [Issue((key, *keys), f"required to run the Telegram bot ({because})") for key in BOT_NEEDS
            if not values[key]]


def bot_problems(s: Settings) -> list[Issue]:
    n = s.notifier
    problems = [Issue.at(f"notifier.{key}", "must be at least 1")
                for key in ("bot_commands_per_minute", "bot_command_burst") if getattr(n, key) < 1]
    if not n.bot_enabled:
        return problems
    if n.name != "telegram":
        problems.append(Issue(("notifier.bot_enabled", "notifier.name"),
                              "the bot runs with the Telegram notifier: set NOTIFIER=telegram, or run `tradeai bot`"))
    return problems + bot_needs(s, "notifier.bot_enabled")
