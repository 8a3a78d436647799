"""The settings tree. Defaults here are the embedded defaults: running with no configuration
at all replays local candles in dry-run mode, stores into SQLite and prints to the console."""

from __future__ import annotations

from typing import Literal

import attrs

from domain.security.redaction import mask_url
from entrypoints.settings.secret import Secret

Mode = Literal["dryrun", "live"]


@attrs.frozen
class LogSettings:
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # auto: readable on a terminal, JSON lines otherwise (files, journald, docker)
    format: Literal["auto", "json", "console"] = "auto"


@attrs.frozen
class RuntimeSettings:
    scan_interval_minutes: int = 2
    # "max" replays as fast as the machine allows; a number is a multiple of real time
    speed: str = "max"
    # GET /healthz on this address and port while the runtime runs; port 0: no health endpoint
    health_bind: str = "127.0.0.1"
    health_port: int = 0


@attrs.frozen
class CandleSettings:
    source: Literal["replay", "binance"] = "replay"
    replay_paths: tuple[str, ...] = ("../shared/data/binance-spot-1m",)
    data_dir: str = "data"
    binance_base_url: str = "https://api.binance.com"
    # where no replay file exists, the last N days are fetched from Binance's public klines
    bootstrap_days: int = 1


@attrs.frozen
class StoreSettings:
    backend: Literal["sqlite", "postgres"] = "sqlite"
    url: str = attrs.field(default="sqlite:///data/tradeai.db", repr=mask_url)
    # a database that is down at start is retried this long before the runtime gives up
    startup_wait_seconds: int = 60


@attrs.frozen
class BrokerSettings:
    name: Literal["paper", "mt5", "mt5-rest", "metaapi"] = "paper"
    mt5_login: str = ""
    mt5_password: Secret | None = None
    mt5_server: str = ""
    metaapi_token: Secret | None = None
    metaapi_account_id: str = ""
    # the live brokers (adapters.mt5, adapters.mt5_rest, adapters.metaapi): signal pair -> broker symbol
    symbols: tuple[str, ...] = ("BTCUSDT=BTCUSD", "ETHUSDT=ETHUSD", "BNBUSDT=BNBUSD")
    # marks this runtime's orders and positions at the broker (others' are never taken for ours)
    magic: int = 2_100_514
    # worst price move accepted on a market order before the broker requotes, in bps of the price
    deviation_bps: float = 10.0
    # trade 0.01 lots whatever the sizing says (the guard still decides allowed/denied); the book
    # records the 0.01 actually traded. For a first live run with real fills at the smallest risk
    micro_lot: bool = False
    # seconds a broker call may take before it counts as unavailable
    timeout_seconds: float = 10.0
    # mt5 on Windows: terminal64.exe to start (empty: the installed terminal)
    mt5_terminal_path: str = ""
    # mt5-rest: the bridge this runtime calls, and the token both sides share
    mt5_bridge_url: str = ""
    mt5_bridge_token: Secret | None = None
    # `tradeai mt5-bridge serve`: where the bridge listens (127.0.0.1: this machine only)
    mt5_bridge_bind: str = "127.0.0.1"
    mt5_bridge_port: int = 8765
    # metaapi: the region of the account (new-york, london, singapore...); base_url overrides its hosts
    metaapi_region: str = "new-york"
    metaapi_base_url: str = ""


@attrs.frozen
class NotifierSettings:
    name: Literal["console", "telegram"] = "console"
    telegram_bot_token: Secret | None = None
    telegram_chat_id: str = ""
    telegram_allowed_user_ids: tuple[int, ...] = ()
    telegram_base_url: str = "https://api.telegram.org/bot"
    # the trader's bot (/check, /stats, /kill_switch...) inside `tradeai run`; `tradeai bot` runs it alone
    bot_enabled: bool = False
    # each allowed user may send a burst of commands, then so many a minute
    bot_commands_per_minute: int = 20
    bot_command_burst: int = 5


@attrs.frozen
class PredictorSettings:
    # random: the random-direction baseline (seeded by the seed setting), for comparisons, never live
    name: Literal["baseline", "random", "torch"] = "baseline"
    model_dir: str = "models"
    # torch only: the registry tags to serve (empty: each role's promoted model)
    tags: tuple[str, ...] = ()


@attrs.frozen
class SignalSettings:
    tier_high: float = 0.70
    tier_medium: float = 0.60
    tier_low: float = 0.55
    reward_risk: float = 1.5
    stop_atr_multiple: float = 2.0
    max_signals_per_hour: int = 10
    max_signals_per_hour_high: int = 5
    # a pair moves up a tier only after this many consecutive scans above its threshold
    tier_confirm_scans: int = 2


@attrs.frozen
class GuardSettings:
    kill_switch: bool = False


@attrs.frozen
class RiskLimitSettings:
    """The account the guard protects (the paper account in dry-run) and the plan's buffers."""

    ruleset: Literal["2-step", "1-step"] = "2-step"
    initial_balance: float = 100_000.0
    # 0 takes the ruleset's default buffer: 4.5 % for 2-step, 2.7 % for 1-step (3 % hard limit)
    internal_daily_loss_pct: float = 0.0
    internal_total_loss_pct: float = 9.0
    risk_per_trade_pct: float = 1.0
    # a paper trade still open this long after entry is closed at the market
    max_hold_minutes: int = 60
    backoff_losses: int = 2
    backoff_window_minutes: int = 60
    backoff_risk_reduction_pct: float = 50.0


@attrs.frozen
class EnsembleSettings:
    """Model weights as name=weight lists; used once trained models are promoted."""

    weights: str = "lstm=0.35,transformer=0.40,rl=0.25"
    weights_without_rl: str = "lstm=0.50,transformer=0.50"
    bias_pp: float = 5.0


@attrs.frozen
class PatternHistorySettings:
    """The confidence moved towards the historical win rate of its setup's pattern
    (domain.signals.confidence.PatternSettings); off: patterns are still named and counted."""

    adjust: bool = True
    # a pattern seen fewer times pulls proportionally less
    min_samples: int = 30
    weight: float = 0.5
    # the most one pattern moves a confidence, as a share (0.10: 10 points)
    max_shift: float = 0.10


@attrs.frozen
class ExecutionSettings:
    """Execution-cost measurement. The tick credentials are a read-only (investor) login of their
    own, never the trading account's: the nightly job that reads quotes must not be able to trade."""

    # a pair x session with fewer samples takes the pair's pooled figures, then the instrument's defaults
    min_samples: int = 100
    # folder of exported MT5 tick files the nightly job measures
    ticks_dir: str = ""
    # IANA zone of the times MT5 writes (the broker's server clock); UTC when the export is in UTC
    mt5_time_zone: str = "UTC"
    ticks_login: str = ""
    ticks_password: Secret | None = None
    ticks_server: str = ""


@attrs.frozen
class BacktestSettings:
    # a signal decided slower than this reaches the market late: its entry pays the pair's p90 slippage
    latency_budget_ms: float = 500.0


@attrs.frozen
class GateSettings:
    """Thresholds of the plan's gates (domain.evaluation.gates): shares within [0, 1], counts >= 1."""

    promotion_min_accuracy: float = 0.68
    promotion_max_calibration_error: float = 0.05
    challenge_min_pass_rate: float = 0.70
    challenge_min_attempts: int = 20
    acceptance_min_win_rate: float = 0.68
    acceptance_min_trades: int = 100


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


@attrs.frozen
class MonitorSettings:
    """Retraining triggers (`tradeai model monitor`, the runtime's daily check); shares in [0, 1]."""

    retrain_weekday: Weekday = "sunday"
    retrain_time_zone: str = "UTC"
    min_daily_accuracy: float = 0.65
    low_accuracy_days: int = 3
    min_day_samples: int = 100
    min_win_rate: float = 0.65
    min_trades: int = 30
    win_rate_trades: int = 100
    # whose closed trades the win rate reads: the seed's live (micro-lot) trades, or dry-run too
    win_rate_mode: Literal["live", "dryrun", "any"] = "live"
    max_calibration_error: float = 0.07
    drift_alpha: float = 0.01
    # the KS statistic D a drifted feature must also reach (0: the p-value alone decides)
    # chosen on 2024 (validation) weeks only: ordinary weeks pass KS significance ~20/24 times, D>0.4 1/24
    drift_min_statistic: float = 0.4
    recent_days: int = 7
    drift_stride_minutes: int = 60
    drift_min_samples: int = 50
    # the feature set the recent rows come from; empty: the model's own
    recent_feature_set: str = ""


@attrs.frozen
class Settings:
    mode: Mode = "dryrun"
    seed: int = 42
    pairs: tuple[str, ...] = ("BTCUSDT", "ETHUSDT", "BNBUSDT")
    log: LogSettings = LogSettings()
    runtime: RuntimeSettings = RuntimeSettings()
    candles: CandleSettings = CandleSettings()
    store: StoreSettings = StoreSettings()
    broker: BrokerSettings = BrokerSettings()
    notifier: NotifierSettings = NotifierSettings()
    predictor: PredictorSettings = PredictorSettings()
    signals: SignalSettings = SignalSettings()
    guards: GuardSettings = GuardSettings()
    risk: RiskLimitSettings = RiskLimitSettings()
    ensemble: EnsembleSettings = EnsembleSettings()
    patterns: PatternHistorySettings = PatternHistorySettings()
    execution: ExecutionSettings = ExecutionSettings()
    backtest: BacktestSettings = BacktestSettings()
    gates: GateSettings = GateSettings()
    monitor: MonitorSettings = MonitorSettings()
