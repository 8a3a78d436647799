"""Predictions, signals, tiers and the confidence policy; trading patterns."""
