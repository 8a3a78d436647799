from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import click
from click.testing import CliRunner

from entrypoints.cli.common import UTC_TIME, data_dir_container


@click.command()
@click.option("--at", type=UTC_TIME)
def show(at: datetime | None) -> None:
    click.echo(at.isoformat() if at else "none")


def test_a_time_without_an_offset_is_utc_and_one_with_an_offset_is_moved_to_utc() -> None:
    assert UTC_TIME.convert("2021-07-09", None, None) == datetime(2021, 7, 9, tzinfo=UTC)
    moved = UTC_TIME.convert("2021-07-09T12:00+02:00", None, None)
    assert moved == datetime(2021, 7, 9, 10, tzinfo=UTC) and moved.tzinfo is UTC
    given = datetime(2021, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    assert UTC_TIME.convert(given, None, None) is given  # a default that is a datetime already passes through


def test_a_bad_time_is_a_usage_error_naming_the_option() -> None:
    result = CliRunner().invoke(show, ["--at", "yesterday"])
    assert result.exit_code == 2
    assert "--at" in result.output and "'yesterday' is not an ISO date or datetime" in result.output
    assert CliRunner().invoke(show, []).output.strip() == "none"


def test_the_data_commands_container_reads_the_folder_and_url_given(tmp_path: Path) -> None:
    container = data_dir_container(tmp_path, "http://127.0.0.1:9")
    assert container.data().candle_folder() == tmp_path / "candles"
    assert container.features().feature_folder() == tmp_path / "features"
    assert container.settings().candles.binance_base_url == "http://127.0.0.1:9"
    assert data_dir_container(tmp_path).settings().candles.binance_base_url == "https://api.binance.com"

