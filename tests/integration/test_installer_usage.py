"""The install commands an installer's usage shows, run as shown by a real Jump Client
process against a real appliance on 127.0.0.1."""

from __future__ import annotations

import asyncio
import io
import os
import shlex
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from api_client import ApiCredentials, ApplianceClient, RepCredentials
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from console.backend import Backend
from console.cli import main
from console.config import load_settings
from console.plain.console import PlainConsole
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


async def test_plain_mode_and_the_cli_print_the_installer_views_usage(
    embedded: EmbeddedAppliance,
    api: ApplianceClient,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await installer(api, jump_group_id=4)  # the Lab: bob may not add items there
    mine = await installer(api, allow_override_tag=True)  # Servers: he deploys there
    out = io.StringIO()
    client = ApplianceClient(embedded.url, credentials=RepCredentials("bob", "demo"))
    plain = PlainConsole(Backend(client), reason="turned on by --plain", out=out)
    said = iter(["installers", "installer 1 usage", "quit"])
    assert await plain.run(read=lambda _prompt: next(said)) == 0
    lines = out.getvalue().splitlines()
    assert "1 installers; installer N then usage, extend, email, download, link, key, delete:" in (
        lines
    )  # the installer permission: only those of his groups
    text = usage_plain(mine, mine.installer_id, embedded.url)
    start = lines.index(text.splitlines()[0])
    assert "\n".join(lines[start : start + len(text.splitlines())]) == text  # word for word

    for key in [k for k in os.environ if k.startswith("JUMP_CONSOLE_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("JUMP_CONSOLE_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("JUMP_CONSOLE_PASSWORD", "demo")
    args = ["--appliance", embedded.url, "--user", "bob", "installers", "create", "--group"]
    created_args = [*args, "Servers", "--allow-override", "tag"]
    assert await asyncio.to_thread(main, created_args, load_settings) == 0  # runs its own loop
    printed = capsys.readouterr().out
    (created,) = [i async for i in api.installers.iter() if i.installer_id in printed]
    assert usage_plain(created, created.installer_id, embedded.url) in printed
