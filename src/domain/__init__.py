"""Pure domain core: value objects and rules. No I/O, no wall-clock reads, no pandas, no torch."""
