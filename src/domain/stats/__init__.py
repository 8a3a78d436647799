"""Outcomes of signals and the figures computed over them."""
