"""Instruments with their costs, what a broker answers (fills, rejections), the execution model and
the seeded draws of what each fill pays, and paper fills and exits: how an order becomes a position."""
