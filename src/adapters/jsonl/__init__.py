"""Append-only JSON-lines files: the model monitor's daily accuracy history."""

from adapters.jsonl.history import JsonlAccuracyHistory

__all__ = ["JsonlAccuracyHistory"]
