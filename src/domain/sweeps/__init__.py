"""Hyperparameter sweeps over walk-forward folds: the grid, the folds and the cells."""
