"""The sweep use case: cells run by any CellRunner (Dask in production), logged as they finish."""
