"""Shaping text for Telegram: messages longer than its 4096 characters (counted, as Telegram does,
in UTF-16 code units) are split, at the last line break that fits where there is one.

Plain text, no ``parse_mode``: messages carry prices, pairs and free text such as ``R:R < 1`` that
HTML or MarkdownV2 would reject unless every special character were escaped, and splitting a long
message could cut a tag in half. Plain text is shown exactly as written.
"""

from __future__ import annotations

from typing import Final

TELEGRAM_MAX_MESSAGE_LENGTH: Final = 4096


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _longest_prefix(text: str, limit: int) -> str:
    """The longest prefix of ``text`` that fits in ``limit`` UTF-16 code units (whole characters)."""
    if _utf16_length(text) <= limit:
        return text
    used = 0
    for index, char in enumerate(text):
        width = 2 if ord(char) > 0xFFFF else 1
        if used + width > limit:
            return text[:index]
        used += width
    return text


def split_message(text: str, limit: int = TELEGRAM_MAX_MESSAGE_LENGTH) -> list[str]:
    """Cut ``text`` into parts of at most ``limit`` UTF-16 code units, in order.

    A part ends at the last line break that fits (the break itself is dropped, so
    ``"\\n".join(parts) == text`` when every cut fell on one); a line longer than the limit is cut
    hard. Parts that would be blank (Telegram rejects them) are left out.
    """
    if limit < 2:
        raise ValueError(f"limit must be at least 2, got {limit}")
    parts: list[str] = []
    rest = text
    while _utf16_length(rest) > limit:
        head = _longest_prefix(rest, limit)
        cut = head.rfind("\n")
        if cut > 0:
            parts.append(head[:cut])
            rest = rest[cut + 1 :]
        else:
            parts.append(head)
            rest = rest[len(head) :]
    parts.append(rest)
    return [part for part in parts if part.strip()]
