"""The MT5 REST bridge: ``tradeai mt5-bridge serve`` exposes a broker port (the ``mt5`` adapter,
on the Windows machine beside the terminal) over a small HTTP API with a shared token, and the
``mt5-rest`` adapter is the Linux side's client of it. Both speak wire.py's JSON."""
