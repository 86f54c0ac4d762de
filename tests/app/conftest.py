"""The console against a real embedded appliance on 127.0.0.1, driven through Pilot."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from api_client import ApplianceClient, RepCredentials
from appliance.clock import FakeClock
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from console.app import JumpConsoleApp
from console.backend import Backend
from console.config import UiState, load_state
from tests.conftest import T0

SIZE = (160, 45)
CONSOLE_NOW = T0 + timedelta(minutes=5)


@dataclass
class Site:
    appliance: EmbeddedAppliance
    state_file: Path

    def console(
        self, user: str = "carol", *, theme: str = "jump-dark", state: UiState | None = None
    ) -> JumpConsoleApp:
        client = ApplianceClient(self.appliance.url, credentials=RepCredentials(user, "demo"))
        if state is None:
            state, _ = load_state(self.state_file)
        return JumpConsoleApp(
            Backend(client, base_delay=0.05, max_delay=0.2),
            state=state,
            state_path=lambda: self.state_file,
            theme=theme,
            clock=lambda: CONSOLE_NOW,
        )


def make_site(
    tmp_path: Path, database: str, *, simulate: bool, interval: float = 0.05
) -> Iterator[Site]:
    settings = ApplianceSettings(
        db=database, demo_fleet=120, live_interval_s=interval, simulate=simulate
    )
    appliance = EmbeddedAppliance(settings, clock=FakeClock(T0))
    appliance.start()
    try:
        yield Site(appliance, tmp_path / "state.json")
    finally:
        appliance.stop()


@pytest.fixture
def site(tmp_path: Path, database: str) -> Iterator[Site]:
    """A quiet site: no simulated churn, so what the console shows is deterministic."""
    yield from make_site(tmp_path, database, simulate=False)


async def until(
    pilot: Pilot[object],
    condition: Callable[[], bool],
    timeout: float = 15.0,
) -> None:
    """Let the app run until ``condition`` holds (bounded; fails the test otherwise)."""

    async def wait() -> None:
        while not condition():
            await pilot.pause(0.02)

    await asyncio.wait_for(wait(), timeout)


async def loaded(pilot: Pilot[object]) -> JumpConsoleApp:
    app = pilot.app
    assert isinstance(app, JumpConsoleApp)
    await until(pilot, lambda: app.loaded and app.session is not None)
    await until(pilot, lambda: app._details_item is not None)
    await pilot.pause()
    return app
