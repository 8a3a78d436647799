"""Dask (``dask.distributed``) as the way work leaves one process: a local cluster or a remote
scheduler, the same code either way. Imported only by commands given ``--scheduler`` or
``--local`` (and by ``tradeai sweep``): dask is the ``dask`` extra, not a runtime dependency."""
