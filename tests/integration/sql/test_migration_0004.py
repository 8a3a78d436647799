"""Migration 0004 (the outbox) upgrades and downgrades the same on both backends, and its keys hold."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from adapters.sql import downgrade, upgrade
from tests.integration.sql.test_migration_0003 import _schema

ROW = ("INSERT INTO outbox (dedup_key, signal_id, kind, text, created_at, attempts, next_attempt_at) "
       "VALUES (:key, :signal_id, :kind, 'hello', '2025-03-30 10:00:00', 0, '2025-03-30 10:00:00')")


def _insert(engine: sa.Engine, key: str, signal_id: str | None = None, kind: str = "alert") -> None:
    with engine.begin() as connection:
        connection.execute(sa.text(ROW), {"key": key, "signal_id": signal_id, "kind": kind})


def test_keys_and_index(engine) -> None:
    columns, pk, indexes = _schema(engine)["outbox"]
    assert pk == ("id",)
    assert {"dedup_key", "signal_id", "chat_id", "attempts", "next_attempt_at", "claimed_at", "delivered_at",
            "given_up_at", "last_error"} <= set(columns)
    assert ("ix_outbox_pending", ("delivered_at", "given_up_at", "next_attempt_at")) in indexes


@pytest.mark.parametrize(("first", "second"), [(("k1", "s1"), ("k1", "s2")), (("k1", "s1"), ("k2", "s1"))])
def test_one_row_per_dedup_key_and_per_signal(engine, first, second) -> None:
    _insert(engine, *first, kind="signal")
    with pytest.raises(sa.exc.IntegrityError):
        _insert(engine, *second, kind="signal")


def test_many_alerts_have_no_signal_id_and_a_kind_must_be_known(engine) -> None:
    _insert(engine, "alert-1")
    _insert(engine, "alert-2")  # NULL signal_ids do not collide
    with pytest.raises(sa.exc.IntegrityError):
        _insert(engine, "alert-3", kind="email")


def test_downgrade_to_0003_drops_exactly_the_outbox(engine) -> None:
    at_head = _schema(engine)
    downgrade(engine, "0004")  # later migrations change other tables: compare with 0004 itself
    at_0004 = _schema(engine)
    downgrade(engine, "0003")
    assert _schema(engine) == {name: shape for name, shape in at_0004.items() if name != "outbox"}
    upgrade(engine)
    assert _schema(engine) == at_head
