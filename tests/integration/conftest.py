"""Fixtures of the integration tests: real processes and servers on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.processes import RunningAppliance, start_appliance


@pytest.fixture
def appliance_process(database: str) -> Iterator[RunningAppliance]:
    running = start_appliance(database, "--demo-fleet", "40", "--api-account", "it:it-secret")
    yield running
    running.stop()
