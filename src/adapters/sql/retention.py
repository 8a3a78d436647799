"""Retention of the risk book: old dry-run rows go to a parquet file first, then leave the
database in one transaction. Live rows, patterns and deployments are never archived. The outbox's
finished messages (delivered or given up) older than the cutoff go the same way; a message still
waiting is never touched, whatever its age.

Order matters: the file is written to a temporary name, synced, renamed into place and read back;
only when it holds exactly the selected rows are those rows (by id) deleted. A crash at any point
leaves either the rows in the database, or the rows in both places, never in neither.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from adapters.sql.tables import outbox, risk_book

_DELETE_BATCH = 10_000


class ArchiveError(RuntimeError):
    """The archive file does not match the selected rows; nothing was deleted."""


@attrs.frozen
class ArchiveResult:
    cutoff: datetime
    rows: int
    path: Path | None
    deleted: int


def archive_dryrun(engine: sa.Engine, cutoff: datetime, out_dir: Path, now: datetime) -> ArchiveResult:
    """Move dry-run rows with ``entry_time < cutoff`` into ``out_dir``; a no-op when there are none."""
    where = (risk_book.c.mode == "dryrun", risk_book.c.entry_time < cutoff)
    with engine.connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(sa.select(risk_book).where(*where)
                                                             .order_by(risk_book.c.id))]
    if not rows:
        return ArchiveResult(cutoff, 0, None, 0)
    path = out_dir / f"risk_book_dryrun_before_{cutoff:%Y%m%dT%H%M%SZ}_at_{now:%Y%m%dT%H%M%SZ}.parquet"
    return _move(engine, risk_book, rows, path, cutoff)


def archive_outbox(engine: sa.Engine, cutoff: datetime, out_dir: Path, now: datetime) -> ArchiveResult:
    """Move the messages delivered or given up that were written before ``cutoff`` into ``out_dir``."""
    finished = sa.or_(outbox.c.delivered_at.is_not(None), outbox.c.given_up_at.is_not(None))
    with engine.connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(
            sa.select(outbox).where(finished, outbox.c.created_at < cutoff).order_by(outbox.c.id))]
    if not rows:
        return ArchiveResult(cutoff, 0, None, 0)
    path = out_dir / f"outbox_finished_before_{cutoff:%Y%m%dT%H%M%SZ}_at_{now:%Y%m%dT%H%M%SZ}.parquet"
    return _move(engine, outbox, rows, path, cutoff)


def _move(engine: sa.Engine, table: sa.Table, rows: list[dict[str, object]], path: Path,
          cutoff: datetime) -> ArchiveResult:
    ids = [int(str(row["id"])) for row in rows]
    write_verified(_table(table, rows), path)
    return ArchiveResult(cutoff, len(rows), path, _delete(engine, table, ids))


def write_verified(table: pa.Table, path: Path) -> None:
    """Atomic parquet write, then a read-back that must return the same ids."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        raise ArchiveError(f"{path} already exists; refusing to overwrite an archive")
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        pq.write_table(table, temporary, compression="zstd")
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        temporary.replace(path)  # atomic rename, as os.replace
    finally:
        temporary.unlink(missing_ok=True)
    stored = pq.read_table(path, columns=["id"]).column("id").to_pylist()
    if stored != table.column("id").to_pylist():
        raise ArchiveError(f"{path}: read back {len(stored)} rows, expected {table.num_rows}; nothing was deleted")


def _table(table: sa.Table, rows: Sequence[dict[str, object]]) -> pa.Table:
    columns = {c.name: [_aware(row[c.name]) for row in rows] for c in table.columns}
    fields = [pa.field(c.name, _arrow_type(c), nullable=c.nullable) for c in table.columns]
    return pa.table(columns, schema=pa.schema(fields))


def _arrow_type(column: sa.Column[object]) -> pa.DataType:
    if isinstance(column.type, sa.DateTime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(column.type, sa.Integer):
        return pa.int64()
    if isinstance(column.type, sa.Float):
        return pa.float64()
    return pa.string()


def _aware(value: object) -> object:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # SQLite hands back naive UTC
    return value


def _delete(engine: sa.Engine, table: sa.Table, ids: Sequence[int]) -> int:
    deleted = 0
    with engine.begin() as connection:  # one transaction: all batches or none
        for start in range(0, len(ids), _DELETE_BATCH):
            batch = ids[start:start + _DELETE_BATCH]
            deleted += connection.execute(sa.delete(table).where(table.c.id.in_(batch))).rowcount
        if deleted != len(ids):
            raise ArchiveError(f"deleted {deleted} rows, expected {len(ids)}; the deletion was rolled back")
    return deleted
