"""Market features of one contiguous run of candles, vectorised with pandas.

Each column at row t uses rows <= t of the run only (shifts, trailing rolling windows and a
forward recursion), so a feature never sees the future or the other side of a gap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from adapters.features.liquidity import abdi_ranaldo, corwin_schultz, lagged, rolling_mean
from domain.features.definitions import FeatureSpec


def true_range(high: pd.Series, low: pd.Series, close: pd.Series) -> pd.Series:
    """As domain.market.indicators.true_range, except that the first bar, which has no previous close, is NaN."""
    h, lo, previous = high.to_numpy(), low.to_numpy(), close.shift(1).to_numpy()
    ranges = np.maximum(h - lo, np.maximum(np.abs(h - previous), np.abs(lo - previous)))
    ranges[:1] = np.nan
    return pd.Series(ranges, index=high.index)


def wilder_atr(tr: pd.Series, period: int) -> pd.Series:
    """Wilder's ATR over a run: seeded with the mean of the first ``period`` true ranges (bars
    1..period), then ``atr += (tr - atr) / period``; equal to domain.market.indicators.wilder_atr over the
    run up to each bar."""
    values = tr.to_numpy()
    atr = np.full(len(values), np.nan)
    if len(values) > period:
        seeded = np.concatenate([[values[1: period + 1].mean()], values[period + 1:]])
        atr[period:] = pd.Series(seeded).ewm(alpha=1.0 / period, adjust=False).mean().to_numpy()
    return pd.Series(atr, index=tr.index)


def run_features(frame: pd.DataFrame, spec: FeatureSpec) -> dict[str, np.ndarray]:
    """``frame`` holds open, high, low, close, volume (and optionally quote_volume, trades,
    taker_buy_volume) of one contiguous run. Element-wise steps run on numpy arrays and only the
    rolling windows on pandas: the same IEEE operations as Series arithmetic, a fraction of its
    per-call overhead (the runtime computes a few hundred bars per pair every scan)."""
    high, low, close, volume = (frame[c].to_numpy(dtype=np.float64) for c in ("high", "low", "close", "volume"))
    log_close = np.log(close)
    one_bar = pd.Series(log_close - lagged(log_close))
    out: dict[str, np.ndarray] = {f"ret_{w}": log_close - lagged(log_close, w) for w in spec.return_windows}
    tr = true_range(frame["high"], frame["low"], frame["close"])
    out[f"natr_{spec.atr_period}"] = wilder_atr(tr, spec.atr_period).to_numpy() / close
    for w in spec.volatility_windows:
        out[f"rv_{w}"] = one_bar.rolling(w).std(ddof=0).to_numpy()
    hl = np.log(high / low)
    out["hl_range"] = hl
    out[f"hl_range_{spec.range_window}"] = rolling_mean(hl, spec.range_window)
    log_volume = np.log1p(volume)
    out["log_volume"] = log_volume
    out[f"volume_z_{spec.volume_window}"] = _zscore(log_volume, spec.volume_window)
    out[f"cs_spread_{spec.spread_window}"] = corwin_schultz(high, low, close, spec.spread_window)
    out[f"ar_spread_{spec.spread_window}"] = abdi_ranaldo(high, low, close, spec.spread_window)
    if "quote_volume" in frame:
        out["log_quote_volume"] = np.log1p(frame["quote_volume"].to_numpy(dtype=np.float64))
    if "trades" in frame:
        out["log_trades"] = np.log1p(frame["trades"].to_numpy(dtype=np.float64))
    if "taker_buy_volume" in frame:
        # an empty bar has no buyers or sellers: call it balanced rather than NaN
        buyers = frame["taker_buy_volume"].to_numpy(dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = buyers / np.where(volume > 0, volume, np.nan)
        out["taker_buy_ratio"] = np.where(np.isnan(ratio), 0.5, ratio)
    return {name: np.asarray(values, dtype=np.float64) for name, values in out.items()}


def _zscore(values: np.ndarray, window: int) -> np.ndarray:
    """Of log volume, whose tails are far lighter than volume's; a flat window scores 0."""
    rolling = pd.Series(values).rolling(window)
    mean, std = rolling.mean().to_numpy(), rolling.std(ddof=0).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (values - mean) / np.where(std > 0, std, np.nan)
    return np.where(np.isnan(std) | (std > 0), z, 0.0)
