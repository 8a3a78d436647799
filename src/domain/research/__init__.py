"""Research track rules. For the GAN: the synthetic-data cap and tag (synthetic) and the
statistics that judge generated candles against real ones (quality). Pure numpy."""
