"""Model inputs: feature definitions, labels, normalisation, regimes and walk-forward splits."""
