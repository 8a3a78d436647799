"""Model deployments: which model version went live when, and whether it was rolled back."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from adapters.sql.tables import model_deployments as table
from adapters.sql.timeutil import utc
from application.models.ports import DeploymentRepository
from domain.models.deployments import ModelDeployment

_NEWEST_FIRST = (table.c.deployed_at.desc(), table.c.id.desc())


class SqlDeploymentRepository(DeploymentRepository):
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def add(self, deployment: ModelDeployment) -> None:
        with self._engine.begin() as connection:
            connection.execute(sa.insert(table).values(
                version=deployment.version, model_path=deployment.model_path, deployed_at=deployment.deployed_at,
                metrics_json=json.dumps(dict(deployment.metrics), sort_keys=True),
                rollback_reason=deployment.rollback_reason))

    def latest(self, include_rolled_back: bool = False) -> ModelDeployment | None:
        query = sa.select(table).order_by(*_NEWEST_FIRST).limit(1)
        if not include_rolled_back:
            query = query.where(table.c.rollback_reason.is_(None))
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else _deployment(row._mapping)

    def list(self, limit: int | None = None) -> Sequence[ModelDeployment]:
        query = sa.select(table).order_by(*_NEWEST_FIRST).limit(limit)
        with self._engine.connect() as connection:
            return [_deployment(row._mapping) for row in connection.execute(query)]

    def mark_rolled_back(self, version: str, reason: str) -> bool:
        if not reason:
            raise ValueError("a rollback needs a reason")
        newest_live = (sa.select(table.c.id).where(table.c.version == version, table.c.rollback_reason.is_(None))
                       .order_by(*_NEWEST_FIRST).limit(1).scalar_subquery())
        with self._engine.begin() as connection:
            updated = connection.execute(sa.update(table).where(table.c.id == newest_live)
                                         .values(rollback_reason=reason))
            return updated.rowcount == 1


def _deployment(row: Any) -> ModelDeployment:
    try:
        metrics = json.loads(row["metrics_json"])
    except json.JSONDecodeError as exc:
        raise ValueError(f"model_deployments row {row['id']}: metrics_json is not valid JSON ({exc.msg})") from None
    return ModelDeployment(version=row["version"], model_path=row["model_path"], deployed_at=utc(row["deployed_at"]),
                           metrics=metrics, rollback_reason=row["rollback_reason"])
