"""The pattern adjustment's settings: on by default with the domain's defaults, set from every
source, switched off by PATTERN_ADJUST=false, a bad value named by its key; the runtime's and the
backtest's scan configuration carry them."""

from __future__ import annotations

from pathlib import Path

from domain.signals.confidence import PatternSettings
from entrypoints.runtime_main import scan_config
from entrypoints.settings.domain_config import pattern_settings
from tests.unit.settings.test_settings import load, problems


def test_the_defaults_are_the_domains(tmp_path: Path) -> None:
    settings = load(tmp_path).settings
    assert pattern_settings(settings) == PatternSettings() == PatternSettings(30, 0.5, 0.10)
    assert scan_config(settings).patterns == PatternSettings()


def test_every_source_sets_them_and_the_switch_turns_the_adjustment_off(tmp_path: Path) -> None:
    loaded = load(tmp_path, "[patterns]\nmin_samples = 50\n", "PATTERN_WEIGHT=0.25\n", PATTERN_MAX_SHIFT="0.05")
    assert pattern_settings(loaded.settings) == PatternSettings(50, 0.25, 0.05)
    off = load(tmp_path, "", "", PATTERN_ADJUST="false").settings
    assert pattern_settings(off) is None and scan_config(off).patterns is None


def test_each_bad_value_is_named_by_its_key(tmp_path: Path) -> None:
    found = problems(tmp_path, PATTERN_MIN_SAMPLES="0", PATTERN_WEIGHT="1.5", PATTERN_MAX_SHIFT="-0.1")
    assert found["patterns.min_samples"] == ("patterns.min_samples = '0' (from env:PATTERN_MIN_SAMPLES): "
                                             "must be at least 1")
    assert found["patterns.weight"].endswith("(from env:PATTERN_WEIGHT): must be within [0, 1]")
    assert found["patterns.max_shift"].endswith("(from env:PATTERN_MAX_SHIFT): must be within [0, 1]")
    assert "patterns.adjust" in problems(tmp_path, PATTERN_ADJUST="maybe")
