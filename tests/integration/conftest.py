"""Fixtures of the integration tests: real processes and servers on 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from api_client import ApiCredentials, ApplianceClient
from appliance.clock import FakeClock
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from tests.support.jump_client import Client
from tests.support.processes import RunningAppliance, start_appliance


@pytest.fixture
def console_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only what a test gives the console: no config file or environment of the machine."""
    for key in list(os.environ):
        if key.startswith("JUMP_CONSOLE_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("JUMP_CONSOLE_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("JUMP_CONSOLE_PASSWORD", "demo")


@pytest.fixture
def appliance_process(database: str) -> Iterator[RunningAppliance]:
    running = start_appliance(database, "--demo-fleet", "40", "--api-account", "it:it-secret")
    yield running
    running.stop()


@pytest.fixture
def embedded(database: str, clock: FakeClock) -> Iterator[EmbeddedAppliance]:
    """An appliance in this process for real Jump Client processes (an API account "it")."""
    settings = ApplianceSettings(db=database, demo_fleet=5, live_interval_s=0.2, simulate=False)
    appliance = EmbeddedAppliance(settings, clock=clock, api_account=("it", "it-secret"))
    appliance.start()
    yield appliance
    appliance.stop()


@pytest.fixture
async def api(embedded: EmbeddedAppliance) -> AsyncIterator[ApplianceClient]:
    async with ApplianceClient(
        embedded.url, credentials=ApiCredentials("it", "it-secret")
    ) as client:
        yield client


@pytest.fixture
def clients() -> Iterator[list[Client]]:
    """Jump Client processes a test starts; stopped at its end."""
    running: list[Client] = []
    yield running
    for client in running:
        client.stop()
