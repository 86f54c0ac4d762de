"""Plain mode's commands for what the full screen does with items, sessions and the site,
against one real appliance on 127.0.0.1: the plain console reads a scripted user's answers
and its transcript is what a screen reader would say."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest

from api_client import ApplianceClient, RepCredentials
from appliance.clock import FakeClock
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from appliance.services import Services
from console.backend import Backend
from console.plain import PlainConsole
from tests.support.appliance import T0, new_database
from tests.support.services import Postgres

pytestmark = [pytest.mark.integration, pytest.mark.not_storage("the plain console's words")]


@pytest.fixture(scope="module")
def appliance(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: Postgres | None
) -> Iterator[EmbeddedAppliance]:
    db = new_database(tmp_path_factory.mktemp("plain"), "plain", postgres_server)
    running = EmbeddedAppliance(
        ApplianceSettings(db=db, demo_fleet=40, simulate=False), clock=FakeClock(T0)
    )
    running.start()
    yield running
    running.stop()


async def transcript(appliance: EmbeddedAppliance, user: str, *said: str) -> list[str]:
    """What plain mode says to ``user`` who types ``said`` (then quit)."""
    out = io.StringIO()
    client = ApplianceClient(appliance.url, credentials=RepCredentials(user, "demo"))
    plain = PlainConsole(Backend(client), reason="turned on by --plain", out=out)
    lines = iter([*said, "quit", "1"])  # (1: end any session still open)
    assert await plain.run(read=lambda _prompt: next(lines)) == 0
    return out.getvalue().splitlines()


def services(appliance: EmbeddedAppliance) -> Services:
    state: Services = appliance.app.state.appliance
    return state


async def test_show_says_every_field_the_details_pane_shows(
    appliance: EmbeddedAppliance,
) -> None:
    repo = services(appliance).site.repo
    item = next(c for c in repo.clients.find([("jump_group_id", 1)]) if c.jump_policy_id)
    async with ApplianceClient(appliance.url, credentials=RepCredentials("admin", "demo")) as api:
        policy = await api.jump_policies.get(item.jump_policy_id or 0)
    said = await transcript(appliance, "carol", f'filter "{item.name}"', "show 1")
    listed = next(line for line in said if line.startswith(f"1. {item.name};"))
    user = re.search(r"; user ([^;]+)", listed)
    at = said.index(f"{item.name}; status online")
    shown = said[at:]
    for section in ("Actions:", "Identity:", "Live statistics:", "Policies:", "Connection:"):
        assert section in shown
    assert f"Jump Item id: {item.id}" in shown
    assert any(
        line.startswith(f"Window: Jump Policy '{policy.display_name}'") for line in shown
    ), "the Jump Policy and its window"
    assert any(line.startswith("User present: ") for line in shown)
    assert any(line.startswith("User not present: ") for line in shown)
    assert f"Public site: {item.public_site_address}" in shown
    assert f"Public IP: {item.public_ip}" in shown
    assert f"Private IP: {item.private_ip}" in shown
    assert any(line.startswith("Last connect: 20") for line in shown)
    # the same console user as the list line (its live value, not only the record's)
    assert f"Console user: {user.group(1) if user else 'nobody logged in'}" in shown
    assert "Start session: available" in shown
