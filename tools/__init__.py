"""Development tools that are not part of the application (see tools/importlinter_allowlist.py)."""
