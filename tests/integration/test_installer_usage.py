"""The install commands an installer's usage shows, run as shown by a real Jump Client
process against a real appliance on 127.0.0.1."""

from __future__ import annotations

import shlex
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from api_client import ApiCredentials, ApplianceClient
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from domain.install_usage import usage_plain
from jump_client.config import load
from tests.support.jump_client import cli, installer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.not_storage("the install command a Jump Client process runs"),
]


@pytest.fixture
def embedded(database: str) -> Iterator[EmbeddedAppliance]:
    appliance = EmbeddedAppliance(
        ApplianceSettings(db=database, demo_fleet=1, simulate=False),
        api_account=("it", "it-secret"),
    )
    appliance.start()
    yield appliance
    appliance.stop()


@pytest.fixture
async def api(embedded: EmbeddedAppliance) -> AsyncIterator[ApplianceClient]:
    async with ApplianceClient(
        embedded.url, credentials=ApiCredentials("it", "it-secret")
    ) as client:
        yield client


async def test_the_msi_form_and_the_example_shown_install_as_written(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path
) -> None:
    inst = await installer(api, allow_override_name=True)  # its tag is fixed
    shown = usage_plain(inst, inst.installer_id, embedded.url).splitlines()
    msi = next(line for line in shown if "KEY_INFO=" in line)
    example = next(line for line in shown if line.strip().startswith("or:"))
    command = shlex.split(msi.replace("[PARAMETERS]", ""))
    parameters = shlex.split(example)[3:]  # what follows "or: python3 FILE"
    assert command[0] == "jump-client" and not any("jc_tag" in p for p in parameters)
    done = cli(*command[1:], *parameters, f"INSTALLDIR={tmp_path / 'd'}")
    assert done.returncode == 0, done.stderr
    created = await api.jump_clients.get(load(tmp_path / "d").jump_client_id or 0)
    assert created.name == "web-01"  # the example's override, allowed by this installer
