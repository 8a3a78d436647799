"""Evaluation: a run's trades and equity turned into the figures and gate verdicts a report reads."""
