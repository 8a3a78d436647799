"""The broker port: what the runtime asks of a real broker (MT5, the MT5 REST bridge, MetaApi) or
the paper one, with the values they answer in."""
