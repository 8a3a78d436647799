"""Use cases and the ports they drive. Imports the domain only."""
