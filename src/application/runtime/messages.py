"""The text of a signal as the trader reads it (Telegram and console alike)."""

from __future__ import annotations

from domain.market.candles import Direction
from domain.signals.signal import Mode, Signal


def _price(value: float) -> str:
    # enough decimals for BNB/ETH/BTC ticks without printing float noise
    return f"{value:,.2f}" if value >= 100 else f"{value:,.4f}"


def format_signal(signal: Signal) -> str:
    arrow = "🟢 LONG" if signal.direction is Direction.LONG else "🔴 SHORT"
    tag = "[DRY-RUN] " if signal.mode is Mode.DRYRUN else ""
    tp_pct = (signal.take_profit / signal.entry - 1) * 100
    sl_pct = (signal.stop_loss / signal.entry - 1) * 100
    return "\n".join([
        f"{tag}{arrow} {signal.pair.symbol}",
        f"Tier: {signal.tier.value} · Confidence: {signal.confidence * 100:.1f}%",
        f"Entry: {_price(signal.entry)}",
        f"Take-profit: {_price(signal.take_profit)} ({tp_pct:+.2f}%)",
        f"Stop-loss: {_price(signal.stop_loss)} ({sl_pct:+.2f}%)",
        f"R:R {signal.rr:.2f} · model {signal.model_version}"
        + (f" · size {signal.size:g} lots" if signal.size is not None else ""),
        f"{signal.created_at:%Y-%m-%d %H:%M} UTC · id {signal.signal_id}",
    ])
