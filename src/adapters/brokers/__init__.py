"""Brokers. Only the paper broker lives here for now; MT5 and MetaApi adapters come with execution."""
