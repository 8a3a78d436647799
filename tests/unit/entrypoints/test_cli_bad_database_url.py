"""Every CLI command, found by walking the click group (new commands are covered without a
change here), meets a malformed database URL with exit 2 naming store.url, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import entrypoints.cli.common as common
from entrypoints.cli import cli

BAD_URL = "postgresql+psycopg://trader:hunter2@localhost:abc/book"


def leaf_commands(group: click.Group = cli, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None
        if isinstance(command, click.Group):
            yield from leaf_commands(command, (*path, name))
        else:
            yield (*path, name), command


COMMANDS = dict(leaf_commands())


def sample(param: click.Parameter, tmp_path: Path) -> str:
    """A value of the parameter's type, enough to get past click to the command's own code."""
    kind = param.type
    if isinstance(kind, click.Choice):
        return str(kind.choices[0])
    if isinstance(kind, click.Path):
        path = tmp_path / "input"
        path.touch()
        return str(path)
    if isinstance(kind, click.types.IntParamType | click.types.FloatParamType):
        return "1"
    return "x"


def required_args(command: click.Command, tmp_path: Path) -> list[str]:
    args: list[str] = []
    for param in command.params:
        if param.required:
            value = sample(param, tmp_path)
            args += [param.opts[0], value] if isinstance(param, click.Option) else [value]
    return args


def test_the_walk_finds_the_commands_that_read_the_store() -> None:
    assert {("run",), ("db", "upgrade"), ("db", "backup"), ("guard", "status"), ("config", "show")} <= set(COMMANDS)


@pytest.mark.parametrize("backend", [{}, {"STORE_BACKEND": "postgres"}], ids=["url-alone", "with-backend"])
@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_a_malformed_database_url_gives_exit_2_not_a_traceback(path: tuple[str, ...], backend: dict[str, str],
                                                              tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    loads: list[object] = []
    real_load = common.load_settings

    def recording_load(*args: object, **kwargs: object) -> object:
        loads.append(args)
        return real_load(*args, **kwargs)  # type: ignore[arg-type]

    # a spy, not a fake: it only tells which commands read the settings
    monkeypatch.setattr(common, "load_settings", recording_load)
    env = {"DATABASE_URL": BAD_URL, "DATA_DIR": str(tmp_path / "data"), "TRADEAI_CONFIG": "", **backend}
    result = CliRunner().invoke(cli, [*path, *required_args(COMMANDS[path], tmp_path)], env=env, input="n\n")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output
    assert "hunter2" not in result.output
    if loads:
        assert result.exit_code == 2, result.output
        assert "store.url" in result.output and "port" in result.output
    else:  # a command that never reads the settings just runs (on an empty data folder)
        assert result.exit_code in (0, 1, 2), result.output
