"""Backups of the store: pg_dump custom format for Postgres, the sqlite3 backup API for SQLite.

The Postgres password travels in PGPASSWORD, never in argv (argv is visible to every local user
through ps). A URL whose options set a search_path names one schema: only that schema is dumped,
and restoring the dump brings back only it. Every backup is written to a temporary name and
renamed into place, so a file at the final path is always complete.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess  # nosec B404
from pathlib import Path

import attrs
from sqlalchemy.engine import URL, make_url

from domain.security.redaction import scrub

_SEARCH_PATH = re.compile(r"-c\s*search_path\s*=\s*([A-Za-z_][A-Za-z0-9_$]*)")
_TIMEOUT_S = 3600


class BackupError(RuntimeError):
    """A backup or restore failed; the message never holds the database password."""


def _password(url: URL) -> str | None:
    """libpq takes the password from the userinfo or from a ``password`` query parameter."""
    if url.password is not None:
        return str(url.password)
    query = url.query.get("password")
    return query if isinstance(query, str) or query is None else query[-1]


@attrs.frozen
class PgTarget:
    """What pg_dump and pg_restore need, with the password kept out of argv."""

    host: str
    port: int
    user: str
    database: str
    password: str | None = attrs.field(repr=False)
    schema: str | None

    @classmethod
    def from_url(cls, url: URL) -> PgTarget:
        options = url.query.get("options", "")
        match = _SEARCH_PATH.search(options if isinstance(options, str) else " ".join(options))
        if not url.database:
            raise BackupError("the Postgres URL names no database")
        return cls(url.host or "127.0.0.1", url.port or 5432, url.username or "postgres", url.database,
                   _password(url), match[1] if match else None)

    def args(self) -> list[str]:
        return ["--host", self.host, "--port", str(self.port), "--username", self.user, "--no-password",
                "--dbname", self.database]

    def env(self) -> dict[str, str]:
        env = {**os.environ}
        env.pop("PGPASSWORD", None)
        return env | ({"PGPASSWORD": self.password} if self.password else {})


def backup(url: str, out: Path) -> Path:
    """Write a backup of the store at ``url`` to ``out`` and return it."""
    parsed = make_url(url)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.tmp")
    try:
        if parsed.get_backend_name() == "sqlite":
            _sqlite_copy(_sqlite_path(parsed, must_exist=True), temporary)
        else:
            target = PgTarget.from_url(parsed)
            schema = ["--schema", target.schema] if target.schema else []
            _run(["pg_dump", "--format=custom", "--file", str(temporary), *schema, *target.args()], target)
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        temporary.replace(out)  # atomic rename, as os.replace
    finally:
        temporary.unlink(missing_ok=True)
    return out


def restore(url: str, source: Path) -> None:
    """Replace the store's contents with the backup ``source``, in one transaction."""
    if not source.is_file():
        raise BackupError(f"backup file {source} does not exist")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite(source)
        _sqlite_copy(source, _sqlite_path(parsed, must_exist=False))
        return
    target = PgTarget.from_url(parsed)
    _run(["pg_restore", "--list", str(source)], target)  # refuses a file that is not a pg_dump archive
    _run(["pg_restore", "--clean", "--if-exists", "--single-transaction", "--no-owner", "--exit-on-error",
          *target.args(), str(source)], target)


def _sqlite_path(url: URL, must_exist: bool) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite store cannot be backed up or restored")
    path = Path(url.database)
    if must_exist and not path.is_file():
        raise BackupError(f"SQLite store {path} does not exist")
    return path


def _sqlite_copy(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    # the backup API copies a consistent snapshot even while the runtime writes (WAL mode)
    with _closing(_read_only(source)) as src, \
            _closing(sqlite3.connect(destination)) as dst:
        src.backup(dst)


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _check_sqlite(path: Path) -> None:
    try:
        with _closing(_read_only(path)) as connection:
            verdict = connection.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite backup: {exc}") from None
    if verdict != "ok":
        raise BackupError(f"{path} failed SQLite's integrity check: {verdict}")


class _closing:
    """sqlite3's own context manager commits but does not close."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def __enter__(self) -> sqlite3.Connection:
        return self._connection

    def __exit__(self, *_: object) -> None:
        self._connection.close()


def _run(argv: list[str], target: PgTarget) -> None:
    executable = shutil.which(argv[0])
    if executable is None:
        raise BackupError(f"{argv[0]} is not installed or not on PATH")
    # an argument list, no shell: the URL's parts cannot be interpreted as commands
    command = [executable, *argv[1:]]
    environment = target.env()
    completed = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=_TIMEOUT_S,  # noqa: S603
                               check=False)  # nosec B603
    if completed.returncode != 0:
        detail = scrub(completed.stderr.strip()[-2000:], [target.password or ""])
        raise BackupError(f"{argv[0]} failed (exit {completed.returncode}): {detail}")
