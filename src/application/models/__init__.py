"""Ports of the models context (predictor, deployments)."""
