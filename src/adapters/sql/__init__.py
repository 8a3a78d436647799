from adapters.sql.deployments import SqlDeploymentRepository
from adapters.sql.engine import create_engine, downgrade, upgrade
from adapters.sql.outbox import SqlOutbox
from adapters.sql.outcomes import SqlOutcomeRepository
from adapters.sql.patterns import SqlPatternRepository
from adapters.sql.ping import StorePing
from adapters.sql.queries import SqlPerformanceQueries
from adapters.sql.risk_book import SqlControlRepository, SqlRiskBook
from adapters.sql.signals import SqlSignalRepository
from adapters.sql.state_codec import UnreadableState, decode_state, encode_state

__all__ = [
    "SqlControlRepository",
    "SqlDeploymentRepository",
    "SqlOutbox",
    "SqlOutcomeRepository",
    "SqlPatternRepository",
    "SqlPerformanceQueries",
    "SqlRiskBook",
    "SqlSignalRepository",
    "StorePing",
    "UnreadableState",
    "create_engine",
    "decode_state",
    "downgrade",
    "encode_state",
    "upgrade",
]
