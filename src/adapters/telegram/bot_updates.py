"""Between python-telegram-bot's updates and the bot use case: an ``Update`` becomes an
``Incoming``; an ``Outgoing`` becomes messages, a button's answer and an edited question."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from adapters.telegram.formatting import split_message
from application.bot.service import Incoming, Outgoing
from application.bot.setup import Reply


def _for_another_bot(text: str, username: str | None) -> bool:
    """``/kill_switch@otherbot`` in a group is another bot's command: obeying it would act on an
    order the trader gave someone else."""
    head = text.split(maxsplit=1)[0] if text.startswith("/") else ""
    _, at, name = head.partition("@")
    return bool(at) and (username is None or name.lower() != username.lower())


def incoming(update: Update, now: datetime, username: str | None = None) -> Incoming | None:
    """None for an update with neither a message nor a button press (none is asked for), and for
    a command addressed to another bot (``username`` is this bot's)."""
    user, chat = update.effective_user, update.effective_chat
    user_id = user.id if user is not None else None
    chat_id = chat.id if chat is not None else None
    query = update.callback_query
    if query is not None:
        return Incoming(user_id, chat_id, now, callback_data=query.data or "")
    message = update.effective_message
    if message is None:
        return None
    text = message.text or message.caption or ""
    if _for_another_bot(text, username):
        return None
    sent = message.date.astimezone(UTC) if message.date is not None else now
    return Incoming(user_id, chat_id, sent, text=text)


def _keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data) for b in reply.buttons]])


async def carry_out(update: Update, context: ContextTypes.DEFAULT_TYPE, outgoing: Outgoing) -> None:
    query = update.callback_query
    if query is not None and outgoing.answer is not None:
        await query.answer(text=outgoing.answer or None)
    if query is not None and outgoing.edit is not None:
        await _edit(query, outgoing.edit)
    chat = update.effective_chat
    if outgoing.reply is not None and chat is not None:
        parts = split_message(outgoing.reply.text)
        for number, part in enumerate(parts, start=1):
            markup = _keyboard(outgoing.reply) if number == len(parts) else None
            await context.bot.send_message(chat_id=chat.id, text=part, reply_markup=markup)


async def _edit(query: CallbackQuery, text: str) -> None:
    if query.message is None or not query.message.is_accessible:
        return  # too old for Telegram to let the bot edit it
    await query.edit_message_text(split_message(text)[0] if text.strip() else "-")
