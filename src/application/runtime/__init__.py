"""The runtime: scan the market, settle the paper book, controls, alerts, messages."""
