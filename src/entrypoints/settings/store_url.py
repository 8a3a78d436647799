"""The store's URL: which backend its scheme names, and whether it can be used at all.

Checked at boot so that a URL the driver cannot read (a port that is not a number, an unknown
database) is a settings problem named by key, not a traceback or a database "down" retried.
"""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from domain.security.redaction import is_secret_name

# scheme -> store.backend; plain postgresql is read with psycopg 3 (see adapters.sql.engine)
BACKEND_OF_SCHEME = {"sqlite": "sqlite", "postgresql": "postgres", "postgresql+psycopg": "postgres"}
EXAMPLES = "sqlite:///data/tradeai.db or postgresql+psycopg://user:password@host:5432/tradeai"


def backend_of(url: str) -> str | None:
    """The backend the URL's scheme names, or None when it names none this program supports."""
    scheme, sep, _ = url.partition("://")
    return BACKEND_OF_SCHEME.get(scheme) if sep else None


def url_problems(url: str) -> list[str]:
    """Why the URL cannot be used, as messages; empty when it can."""
    try:
        parsed = make_url(url)
    except ValueError:  # sqlalchemy's int() of the port: the only ValueError make_url raises
        return ["the port must be a whole number from 1 to 65535"]
    except ArgumentError:
        return [f"is not a database URL; write it as {EXAMPLES}"]
    if parsed.drivername not in BACKEND_OF_SCHEME:
        return [f"unsupported database {parsed.drivername!r}; use {EXAMPLES}"]
    if parsed.port is not None and not 1 <= parsed.port <= 65535:
        return ["the port must be a whole number from 1 to 65535"]
    return []


def url_secrets(url: str) -> list[str]:
    """The URL's password and secret query values: a driver may quote one bare, without its key
    or URL around it, so every output path scrubs these values too."""
    try:
        parsed = make_url(url)
    except (ValueError, ArgumentError):
        return []
    secrets = [str(parsed.password)] if parsed.password else []
    for name, value in parsed.query.items():
        if is_secret_name(name):
            secrets += [value] if isinstance(value, str) else list(value)
    return [s for s in secrets if s]
