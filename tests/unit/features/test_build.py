"""Building a feature set: counts of excluded rows, the fit window, labels, determinism, the store."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from adapters.features import PandasFeatureCalculator, ParquetFeatureStore
from application.features.build import BuildFeatures, BuildRequest
from application.features.manifest import content_hash, data_digest
from application.features.ports import FeatureSetError
from domain.features.labels import LabelSpec
from domain.market.candles import MINUTE_MS, Pair
from tests.fakes.candles import T0, InMemoryCandleStore, drop_minutes, make_candles

BTC, ETH = Pair("BTCUSDT"), Pair("ETHUSDT")
BUILT_AT = datetime(2026, 1, 2, tzinfo=UTC)
N = 4000
GAP = range(1500, 1520)  # 20 missing minutes: a hard break


@pytest.fixture
def candles() -> InMemoryCandleStore:
    store = InMemoryCandleStore()
    store.merge(BTC, drop_minutes(make_candles(N, seed=1), *GAP), "test")
    store.merge(ETH, make_candles(N, seed=2, price=10.0), "test")
    return store


def request(name: str = "fs", **kwargs: object) -> BuildRequest:
    fields: dict[str, object] = {"fit_start_ms": T0, "fit_end_ms": T0 + 1000 * MINUTE_MS, **kwargs}
    return BuildRequest(name, (BTC, ETH), **fields)  # type: ignore[arg-type]


def ms(frame) -> np.ndarray:  # type: ignore[no-untyped-def]
    return frame.index.as_unit("ms").asi8


def build(candles: InMemoryCandleStore, root: Path, req: BuildRequest | None = None):  # type: ignore[no-untyped-def]
    store = ParquetFeatureStore(root)
    return BuildFeatures(candles, PandasFeatureCalculator(), store).__call__(req or request(), BUILT_AT), store


def test_rows_exclusions_and_missing_labels_are_counted(candles: InMemoryCandleStore, tmp_path: Path) -> None:
    report, store = build(candles, tmp_path)
    btc = next(p for p in report.pairs if p.pair == BTC)
    assert btc.excluded == {"warmup": 60, "gap": 60}
    assert btc.rows == N - 20 - 120
    assert btc.label_missing == 2 * 15  # before the gap and at the end of the data
    assert btc.fit_rows == 1000 - 60
    manifest = store.manifest("fs")
    assert manifest["pairs"]["BTCUSDT"]["excluded"] == btc.excluded
    assert manifest["pairs"]["BTCUSDT"]["segments"] == 2


def test_stored_rows_skip_warm_up_and_the_bars_after_the_gap(candles: InMemoryCandleStore, tmp_path: Path) -> None:
    _, store = build(candles, tmp_path)
    frame = store.read("fs", pairs=["BTCUSDT"]).frame
    minutes = (ms(frame) - T0) // MINUTE_MS
    assert minutes[0] == 60 and 1520 + 59 not in set(minutes) and 1520 + 60 in set(minutes)
    assert frame["segment"].tolist() == [0] * (1500 - 60) + [1] * (N - 1520 - 60)
    assert frame["label_direction"].isna().sum() == 30 and frame["label_return"].isna().sum() == 30
    assert frame.loc[frame["label_direction"].isna(), "label_valid"].eq(False).all()


def test_normalizer_and_thresholds_come_from_the_fit_window(candles: InMemoryCandleStore, tmp_path: Path) -> None:
    _, store = build(candles, tmp_path)
    feature_set = store.read("fs", pairs=["ETHUSDT"])
    frame = feature_set.frame
    fit_rows = frame[ms(frame) < T0 + 1000 * MINUTE_MS]
    assert fit_rows["ret_15"].mean() == pytest.approx(0, abs=1e-6)
    assert fit_rows["ret_15"].std(ddof=0) == pytest.approx(1, rel=1e-5)
    assert fit_rows["vol_regime"].value_counts().to_dict() == pytest.approx({0: 313, 1: 314, 2: 313}, abs=1)
    raw = feature_set.normalizer("ETHUSDT").invert("natr_14", frame["natr_14"].to_numpy())
    assert raw.min() > 0  # the inverse restores an ATR in fractions of price
    assert feature_set.regime_thresholds(ETH).column == "rv_60"


def test_rebuilding_gives_the_same_bytes_and_content_hash(candles: InMemoryCandleStore, tmp_path: Path) -> None:
    first, store_a = build(candles, tmp_path / "a")
    second, _ = build(candles, tmp_path / "b")
    assert first.content_hash == second.content_hash
    assert (tmp_path / "a" / "fs.parquet").read_bytes() == (tmp_path / "b" / "fs.parquet").read_bytes()
    again, _ = build(candles, tmp_path / "a")
    assert again.unchanged and again.content_hash == first.content_hash
    manifest = store_a.manifest("fs")
    assert content_hash(manifest, data_digest(store_a.load("fs"))) == manifest["content_hash"]


def test_build_time_is_recorded_but_not_hashed(candles: InMemoryCandleStore, tmp_path: Path) -> None:
    store = ParquetFeatureStore(tmp_path)
    use_case = BuildFeatures(candles, PandasFeatureCalculator(), store, code_version="x")
    first = use_case(request("a"), BUILT_AT)
    second = use_case(request("b"), datetime(2030, 1, 1, tzinfo=UTC))
    assert first.content_hash == second.content_hash
    assert store.manifest("b")["built_at"].startswith("2030") and store.manifest("b")["code_version"] == "x"


def test_any_change_of_data_or_parameters_changes_the_hash(candles: InMemoryCandleStore, tmp_path: Path) -> None:
    base, _ = build(candles, tmp_path / "a")
    other_fit, _ = build(candles, tmp_path / "b", request(fit_end_ms=T0 + 1200 * MINUTE_MS))
    other_labels, _ = build(candles, tmp_path / "c", request(labels=LabelSpec(15, 5.0)))
    assert len({base.content_hash, other_fit.content_hash, other_labels.content_hash}) == 3


def test_labels_never_enter_features(candles: InMemoryCandleStore, tmp_path: Path) -> None:
    _, a = build(candles, tmp_path / "a")
    _, b = build(candles, tmp_path / "b", request(labels=LabelSpec(30, 25.0)))
    first, second = a.load("fs"), b.load("fs")
    for x, y in zip(first, second, strict=True):
        assert x.features.keys() == y.features.keys()
        assert all(x.features[k].tobytes() == y.features[k].tobytes() for k in x.features)
        assert x.labels["label_valid"].sum() != y.labels["label_valid"].sum()
    assert not set(first[0].features) & set(first[0].labels)


def test_features_do_not_depend_on_where_the_build_starts(candles: InMemoryCandleStore, tmp_path: Path) -> None:
    _, whole = build(candles, tmp_path / "a")
    start = T0 + 2500 * MINUTE_MS
    _, late = build(candles, tmp_path / "b", request(start_ms=start))
    full = whole.read("fs", start=datetime.fromtimestamp(start / 1000, UTC)).frame
    part = late.read("fs").frame
    assert len(part) == len(full) > 0
    features = whole.manifest("fs")["features"]
    assert np.array_equal(full[features].to_numpy(), part[features].to_numpy())


def test_labels_stop_at_the_end_of_the_range(candles: InMemoryCandleStore, tmp_path: Path) -> None:
    end = T0 + 3000 * MINUTE_MS
    _, store = build(candles, tmp_path, request(end_ms=end))
    frame = store.read("fs", pairs=["ETHUSDT"]).frame
    assert ms(frame).max() == end - MINUTE_MS
    assert frame["label_valid"].tail(16).tolist() == [True] + [False] * 15


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"fit_start_ms": T0 + 10**12, "fit_end_ms": T0 + 10**12 + MINUTE_MS}, "BTCUSDT: no usable candles in the fit"),
    ({"start_ms": T0 + 10**12}, "BTCUSDT: no usable candles in the requested range"),
    ({"fit_end_ms": T0}, "--fit-end must be after --fit-start"),
])
def test_bad_requests_are_refused_and_nothing_is_written(candles: InMemoryCandleStore, tmp_path: Path,
                                                         kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(FeatureSetError, match=message):
        build(candles, tmp_path, request(**kwargs))
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_unknown_pair_is_named(candles: InMemoryCandleStore, tmp_path: Path) -> None:
    req = BuildRequest("fs", (Pair("SOLUSDT"),), T0, T0 + MINUTE_MS * 1000)
    with pytest.raises(FeatureSetError, match="SOLUSDT: no candles"):
        build(candles, tmp_path, req)


def test_store_read_filters_and_missing_sets(candles: InMemoryCandleStore, tmp_path: Path) -> None:
    _, store = build(candles, tmp_path)
    subset = store.read("fs", pairs=[ETH], columns=["ret_1", "label_direction"]).frame
    assert set(subset["pair"]) == {"ETHUSDT"}
    assert list(subset.columns) == ["pair", "segment", "ret_1", "label_direction"]
    assert str(subset["label_direction"].dtype) == "Int8"
    assert store.names() == ["fs"]
    with pytest.raises(FeatureSetError, match=r"nope\.json: no such feature set manifest"):
        store.manifest("nope")
    with pytest.raises(FeatureSetError, match="plain file name"):
        store.path("../x")


def test_manifest_is_sorted_json_with_everything_training_needs(candles: InMemoryCandleStore, tmp_path: Path) -> None:
    build(candles, tmp_path)
    text = (tmp_path / "fs.json").read_text()
    manifest = json.loads(text)
    assert list(manifest) == sorted(manifest)
    assert manifest["feature_code_version"] and manifest["label_spec"] == {"horizon": 15, "dead_zone_bps": 0.0}
    assert manifest["normalized"][0] == "ret_1" and "session_london" in manifest["features"]
    assert set(manifest["pairs"]["BTCUSDT"]) >= {"normalizer", "regime_thresholds", "excluded", "label_missing"}
    assert not list(tmp_path.glob(".*.tmp"))


class TakerVolumes:
    """A source that has taker-buy volumes for some pairs only."""

    def __init__(self, *pairs: Pair) -> None:
        self._pairs = pairs

    def extras(self, pair: Pair, open_time_ms: np.ndarray) -> dict[str, np.ndarray]:
        if pair not in self._pairs:
            return {}
        return {"taker_buy_volume": np.full(len(open_time_ms), 2.0), "trades": np.arange(len(open_time_ms)) % 50.0}


def test_optional_inputs_become_normalized_features(candles: InMemoryCandleStore, tmp_path: Path) -> None:
    store = ParquetFeatureStore(tmp_path)
    BuildFeatures(candles, PandasFeatureCalculator(), store, extras=TakerVolumes(BTC, ETH))(request(), BUILT_AT)
    manifest = store.manifest("fs")
    assert manifest["features"][manifest["features"].index("ar_spread_60") + 1:][:2] == ["log_trades",
                                                                                         "taker_buy_ratio"]
    assert "taker_buy_ratio" in manifest["pairs"]["BTCUSDT"]["normalizer"]


def test_pairs_with_different_inputs_are_refused(candles: InMemoryCandleStore, tmp_path: Path) -> None:
    use_case = BuildFeatures(candles, PandasFeatureCalculator(), ParquetFeatureStore(tmp_path),
                             extras=TakerVolumes(BTC))
    with pytest.raises(FeatureSetError, match=r"ETHUSDT: features .* differ from BTCUSDT"):
        use_case(request(), BUILT_AT)
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_manifest_records_the_candles_read(candles: InMemoryCandleStore, tmp_path: Path) -> None:
    _, store = build(candles, tmp_path)
    inputs = store.manifest("fs")["inputs"]["BTCUSDT"]
    assert inputs["candles"] == N - 20 and inputs["candles_sha256"].startswith("sha256:")
    assert inputs["candles_sha256"] != store.manifest("fs")["inputs"]["ETHUSDT"]["candles_sha256"]
