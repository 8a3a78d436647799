"""Instruments with their costs, what a broker answers (fills, rejections), and paper fills and exits:
how an order becomes a position."""
