"""The retraining schedule's systemd units: each timer starts its service at the seed's time, and
each service runs a command the CLI has."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from entrypoints.cli import cli

UNITS = Path(__file__).resolve().parents[3] / "infra" / "systemd"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string((UNITS / name).read_text())
    return parser


@pytest.mark.parametrize(("name", "calendar", "command"), [
    ("tradeai-retrain", "Sun *-*-* 03:00:00 UTC", ["retrain"]),
    ("tradeai-model-monitor", "*-*-* 00:30:00 UTC", ["model", "monitor"]),
    ("tradeai-export", "*-*-* 01:30:00 UTC", ["export"]),
    ("tradeai-retrain-requests", "*-*-* *:00/15:00 UTC", ["retrain", "--if-requested"]),
])
def test_each_timer_starts_its_service_which_runs_a_cli_command(name: str, calendar: str, command: list[str]) -> None:
    timer = _unit(f"{name}.timer")
    assert timer["Timer"]["OnCalendar"] == calendar and timer["Timer"]["Persistent"] == "true"
    assert timer["Timer"]["Unit"] == f"{name}.service"
    service = _unit(f"{name}.service")["Service"]
    assert service["Type"] == "oneshot" and service["EnvironmentFile"] == "/etc/tradeai/tradeai.env"
    argv = shlex.split(service["ExecStart"])
    if argv[0].endswith(".sh"):  # a script that runs the command
        script = (UNITS.parents[1] / argv[0].removeprefix("/opt/tradeai/")).read_text()
        assert f'"$tradeai_bin" {" ".join(command)}' in script
    else:
        assert argv[0] == "/opt/tradeai/.venv/bin/tradeai" and argv[1:] == command
    assert CliRunner().invoke(cli, [*command, "--help"]).exit_code == 0
    assert "PrivateNetwork" not in service  # the store (Postgres) and the alerts (Telegram) need the network


@pytest.mark.parametrize(("name", "command"), [("tradeai", ["run"]), ("tradeai-bot", ["bot"])])
def test_each_long_running_service_runs_its_command_restarted_and_hardened_alike(name: str,
                                                                                 command: list[str]) -> None:
    service = _unit(f"{name}.service")["Service"]
    assert shlex.split(service["ExecStart"]) == ["/opt/tradeai/.venv/bin/tradeai", *command]
    assert service["Type"] == "exec" and service["Restart"] == "on-failure"
    assert service["EnvironmentFile"] == "/etc/tradeai/tradeai.env"
    assert CliRunner().invoke(cli, [*command, "--help"]).exit_code == 0
    runtime = _unit("tradeai.service")["Service"]
    hardening = ("NoNewPrivileges", "ProtectSystem", "ReadWritePaths", "CapabilityBoundingSet", "UMask")
    assert {k: service[k] for k in hardening} == {k: runtime[k] for k in hardening}
