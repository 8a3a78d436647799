"""Models as the domain sees them: deployments and their metrics."""
