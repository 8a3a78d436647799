"""The health endpoint over HTTP (the standard library's threading server: no dependency to keep)."""

from adapters.health.server import HealthServer

__all__ = ["HealthServer"]
