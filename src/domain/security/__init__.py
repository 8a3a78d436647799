"""Security rules every layer shares: how credentials are recognised and masked (redaction)."""
