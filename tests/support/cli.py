"""The console's command line run in-process against an appliance, as a script would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from appliance.clock import FakeClock
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from console import cli
from console.config import load_settings
from tests.support.appliance import T0, new_database
from tests.support.services import Postgres


def run(
    appliance: EmbeddedAppliance,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    user: str = "carol",
) -> tuple[int, str, str]:
    """``jump-console --appliance URL --user USER ARGS...``: (exit code, stdout, stderr)."""
    code = cli.main(["--appliance", appliance.url, "--user", user, *args], load_settings)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def as_json(out: str) -> Any:
    return json.loads(out)


def quiet_appliance(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    postgres_server: Postgres | None,
    *,
    fleet: int,
) -> Iterator[EmbeddedAppliance]:
    """A demo appliance of ``fleet`` items with no simulated churn, for a module's commands
    (what the command-line tests' module fixtures yield)."""
    db = new_database(tmp_path_factory.mktemp(name), name.replace("-", "_"), postgres_server)
    running = EmbeddedAppliance(
        ApplianceSettings(db=db, demo_fleet=fleet, simulate=False), clock=FakeClock(T0)
    )
    running.start()
    yield running
    running.stop()
