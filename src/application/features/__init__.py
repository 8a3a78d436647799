"""Use cases and ports of the feature store: build, leakage check, reports."""
