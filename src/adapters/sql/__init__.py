from adapters.sql.deployments import SqlDeploymentRepository
from adapters.sql.engine import create_engine, downgrade, masked_url, upgrade
from adapters.sql.outcomes import SqlOutcomeRepository
from adapters.sql.patterns import SqlPatternRepository
from adapters.sql.queries import SqlPerformanceQueries
from adapters.sql.signals import SqlSignalRepository

__all__ = [
    "SqlDeploymentRepository",
    "SqlOutcomeRepository",
    "SqlPatternRepository",
    "SqlPerformanceQueries",
    "SqlSignalRepository",
    "create_engine",
    "downgrade",
    "masked_url",
    "upgrade",
]
