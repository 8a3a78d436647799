"""Predictors behind the Predictor port: the deterministic baseline; torch models come with training."""
