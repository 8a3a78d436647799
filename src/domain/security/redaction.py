"""Masking of credentials in URLs and in texts that quote them (exception messages, log values).

The one place every layer asks, so that a password is hidden the same way in settings output,
logs, CLI errors and adapter exceptions. It works on the text, not on a parsed URL: a URL that
does not parse (a bad port, a stray character) must be masked too, and so must a driver's
message that quotes a conninfo string such as ``host=db password=xyz``.
"""

from __future__ import annotations

import re

MASK = "***"

# Name endings that mark a value as a secret, compared without case, "_" or "-": libpq's
# password and sslpassword, and the usual token/secret/api-key parameters of HTTP services.
_SECRET_NAME_ENDINGS = ("password", "passwd", "pwd", "token", "secret", "secretkey", "apikey")

# scheme://user:password@ — the password runs to the last "@" of the token: an unencoded "@"
# inside a password must not leave its tail in clear (masking a little too much is harmless).
_USERINFO = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/?#@]*:)(?P<password>\S*)(?P<tail>@)")

# name=value as in a URL query (?password=x&...) or a conninfo string (password='x y' host=...)
_KEY_VALUE = re.compile(
    r"""(?P<name>\b[A-Za-z][A-Za-z0-9_.-]*)(?P<eq>\s*=\s*)"""
    r"""(?P<value>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|['"]?[^\s&'"]*)"""
)


def is_secret_name(name: str) -> bool:
    """password, sslpassword, TOKEN, api-key, access_token, client_secret... (without case)."""
    last = name.rsplit(".", 1)[-1]
    compact = re.sub(r"[-_]", "", last).lower()
    return compact.endswith(_SECRET_NAME_ENDINGS)


def mask_urls_in(text: str) -> str:
    """The text with every credential it quotes replaced by ``***``: URL passwords, secret query
    parameters and secret ``name=value`` pairs; everything else is left as written."""
    text = _USERINFO.sub(lambda m: f"{m['head']}{MASK}{m['tail']}", text)
    return _KEY_VALUE.sub(_mask_pair, text)


def mask_url(url: str) -> str:
    """postgresql+psycopg://u:pw@h/db?sslpassword=k -> postgresql+psycopg://u:***@h/db?sslpassword=***"""
    return mask_urls_in(url)


def scrub(text: str, secrets: list[str]) -> str:
    """Remove every known secret value, then every credential a URL or conninfo carries."""
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return mask_urls_in(text)


def _mask_pair(match: re.Match[str]) -> str:
    if not is_secret_name(match["name"]) or not match["value"] or match["value"] == MASK:
        return match[0]
    quote = match["value"][0] if match["value"][0] in "'\"" else ""
    return f"{match['name']}{match['eq']}{quote}{MASK}{quote}"
