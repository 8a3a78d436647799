"""MetaTrader 5 through its Python package (``MetaTrader5``, Windows only): the broker port's
``mt5`` adapter. The package is imported in ``terminal.load_metatrader5`` only; everything else
takes the module object, so tests run on Linux against tests/fakes/metatrader5.py."""
