"""Training the models on a stored feature set: samples as views, the periods and their coverage,
calibration fitted on validation, the figures per period against baselines, and the use case."""
