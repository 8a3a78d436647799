"""Backtest speed on the same 1,000,000 real BTCUSDT 1-minute bars (../shared/data, or
TRADEAI_SHARED_DATA), one run, one machine:

(a) the engine's raw mode (no guard, no tiers) on the reference rule: 15-bar momentum > +0.2 %
    long / < -0.2 % short, evaluated every 2 bars, stop 0.4 %, take-profit 0.8 %, commission
    0.0325 % per side (application.backtest.raw);
(b) vectorbt's Portfolio.from_signals on the same signals, when vectorbt is installed (the
    `bench` extra; never a runtime dependency), after a warm-up that compiles its numba code;
(c) the full engine (application.backtest.engine): the baseline predictor, tiers with
    hysteresis, the FTMO guard and the paper exits with the p90 costs, on the runtime's 2-minute grid,
    on the default settings (the baseline loses and the guard stops it at the internal floor early);
(d) the same with 0.02 % risk per trade, so the account keeps trading far longer: the engine's cost
    grows with the scans that must run (emissions, exits, day starts), not with the bars;
(e) the full engine on BTCUSDT, ETHUSDT and BNBUSDT together over every minute all three hold
    (BNBUSDT's span), default settings: a cheap pair (BNB) at the internal floor is proved dead only
    by its stop's distance, not by its costs alone.

Prints seconds, trade counts and peak resident memory; not a timed test.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from datetime import timedelta
from pathlib import Path

SHARED = Path(os.environ.get("TRADEAI_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
BARS = 1_000_000


def load(bars: int, symbol: str = "BTCUSDT"):  # type: ignore[no-untyped-def]
    import pandas as pd

    from domain.market.quality import Ohlcv

    path = SHARED / "binance-spot-1m" / f"{symbol}.csv.gz"
    if not path.exists():
        sys.exit(f"skip: {path} not found (real candles are read from ../shared/data)")
    frame = pd.read_csv(path).tail(bars)
    return Ohlcv(frame.open_time.to_numpy(), frame.open.to_numpy(), frame.high.to_numpy(), frame.low.to_numpy(),
                 frame.close.to_numpy(), frame.volume.to_numpy())


def load_three():  # type: ignore[no-untyped-def]
    """BTC, ETH and BNB over BNB's span (the shortest of the three)."""
    import numpy as np

    from domain.market.candles import Pair

    bnb = load(10**9, "BNBUSDT")
    lo, hi = int(bnb.open_time_ms[0]), int(bnb.open_time_ms[-1])
    out = {Pair.parse("BNBUSDT"): bnb}
    for symbol in ("BTCUSDT", "ETHUSDT"):
        series = load(10**9, symbol)
        a, b = np.searchsorted(series.open_time_ms, [lo, hi], side="left")
        out[Pair.parse(symbol)] = series.take(slice(int(a), int(b) + 1))
    return out


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def raw(candles):  # type: ignore[no-untyped-def]
    from application.backtest.raw import RawRule, momentum_entries, run_raw

    rule = RawRule()
    began = time.perf_counter()
    long_, short = momentum_entries(candles.close, rule)
    trades = run_raw(candles.high, candles.low, candles.close, long_, short, rule)
    return time.perf_counter() - began, trades, (long_, short)


def vectorbt(candles, signals) -> tuple[float, int] | None:  # type: ignore[no-untyped-def]
    try:
        import vectorbt as vbt
    except ImportError:
        return None
    import pandas as pd

    index = pd.to_datetime(candles.open_time_ms, unit="ms", utc=True)

    def run(n: int):  # type: ignore[no-untyped-def]
        frame = {c: pd.Series(getattr(candles, c)[:n], index=index[:n]) for c in ("open", "high", "low", "close")}
        return vbt.Portfolio.from_signals(
            frame["close"], entries=pd.Series(signals[0][:n], index=index[:n]),
            short_entries=pd.Series(signals[1][:n], index=index[:n]), open=frame["open"], high=frame["high"],
            low=frame["low"], sl_stop=0.004, tp_stop=0.008, fees=0.000325, freq="1min",
            # one position until a level is touched, one unit at a time: a compounding account that
            # bleeds to dust would stop trading, and the count would no longer compare
            upon_opposite_entry="ignore", size=1.0, init_cash=float("inf"))

    run(5_000).trades.count()  # compile numba first: the timing is the run, not the JIT
    began = time.perf_counter()
    portfolio = run(len(candles))
    count = int(portfolio.trades.count())
    return time.perf_counter() - began, count


def full(series, risk_pct: float | None = None):  # type: ignore[no-untyped-def]
    from adapters.brokers.paper import PaperBroker
    from adapters.predictors.baseline import BaselineMomentumPredictor
    from application.backtest.engine import BacktestConfig, BacktestEngine
    from application.backtest.ports import P90Costs
    from application.backtest.trades import summarise
    from application.runtime.scan_market import ScanConfig
    from domain.market.candles import Pair, ms_to_datetime
    from domain.risk.emission import EmissionConfig
    from domain.risk.sizing import SizingSettings
    from domain.signals.signal import Mode

    if not isinstance(series, dict):
        series = {Pair.parse("BTCUSDT"): series}
    emission = EmissionConfig() if risk_pct is None else EmissionConfig(sizing=SizingSettings(risk_pct))
    config = ScanConfig(pairs=tuple(series), mode=Mode.DRYRUN, emission=emission)
    engine = BacktestEngine(predictor=BaselineMomentumPredictor(), costs=P90Costs(), broker_for=PaperBroker,
                            config=BacktestConfig(config), timer=time.perf_counter)
    start = ms_to_datetime(max(int(c.open_time_ms[0]) for c in series.values())) + timedelta(hours=2)
    end = ms_to_datetime(min(int(c.open_time_ms[-1]) for c in series.values()))
    began = time.perf_counter()
    result = engine.run(series, start, end)
    return time.perf_counter() - began, summarise(result, 100_000.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bars", type=int, default=BARS)
    parser.add_argument("--skip-full", action="store_true", help="only (a) and (b)")
    args = parser.parse_args()
    candles = load(args.bars)
    per_m = 1_000_000 / len(candles)
    print(f"{len(candles):,} BTCUSDT 1m bars, {time.strftime('%Y-%m-%d')}, peak after loading {peak_mib():.0f} MiB")
    seconds, trades, signals = raw(candles)
    print(f"(a) raw mode:   {seconds:6.3f} s ({seconds * per_m:.3f} s per 1M bars), {len(trades):,} trades, "
          f"peak {peak_mib():.0f} MiB")
    vbt = vectorbt(candles, signals)
    if vbt is None:
        print("(b) vectorbt:   skipped: vectorbt is not installed (pip install -e '.[bench]')")
    else:
        gap = abs(len(trades) - vbt[1]) / max(vbt[1], 1)
        print(f"(b) vectorbt:   {vbt[0]:6.3f} s, {vbt[1]:,} trades; raw mode {vbt[0] / seconds:.1f}x faster, "
              f"trade counts differ by {gap:.2%}, peak {peak_mib():.0f} MiB")
    if not args.skip_full:
        for label, risk in (("(c) full mode: ", None), ("(d) full, 0.02%", 0.02)):
            seconds, summary = full(candles, risk)
            print(f"{label} {seconds:6.3f} s ({seconds * per_m:.3f} s per 1M bars), {summary['trades']:,} trades, "
                  f"{summary['active_scans']:,} of {summary['scans']:,} scans run, account "
                  f"{summary['final_balance']:,.0f}, peak {peak_mib():.0f} MiB")
        three = load_three()
        bars = sum(len(c) for c in three.values())
        seconds, summary = full(three)
        print(f"(e) full, BTC+ETH+BNB: {bars:,} bars, {seconds:6.3f} s "
              f"({seconds * 1_000_000 / bars:.3f} s per 1M bars), "
              f"{summary['trades']:,} trades, {summary['active_scans']:,} of {summary['scans']:,} scans run, "
              f"account {summary['final_balance']:,.0f}, peak {peak_mib():.0f} MiB")


if __name__ == "__main__":
    main()
