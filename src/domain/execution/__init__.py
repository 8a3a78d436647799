"""Instruments with their costs, and paper fills and exits: how an order becomes a position."""
