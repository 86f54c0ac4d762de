"""A statistic the site does not select is neither sent nor shown: the rep API, the CLI and
plain mode against a real appliance on 127.0.0.1."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator

import pytest

from api_client import ApplianceClient, LiveFeed, RepCredentials
from appliance.clock import FakeClock
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from appliance.services import Services
from console import cli
from console.backend import Backend
from console.config import load_settings
from console.plain import PlainConsole
from tests.support.appliance import T0
from tests.support.feed import Events

pytestmark = [
    pytest.mark.usefixtures("console_env"),
    pytest.mark.integration,
    pytest.mark.not_storage("what consoles are sent and show of the statistics"),
]


@pytest.fixture
def appliance(database: str) -> Iterator[EmbeddedAppliance]:
    running = EmbeddedAppliance(
        ApplianceSettings(db=database, demo_fleet=30, simulate=False), clock=FakeClock(T0)
    )
    running.start()
    yield running
    running.stop()


@pytest.fixture
async def no_user(appliance: EmbeddedAppliance) -> AsyncIterator[list[int]]:
    """The site stops selecting "console user"; the ids of items that have one."""
    state: Services = appliance.app.state.appliance  # type: ignore[union-attr]
    users = [c.id for c in state.site.repo.clients.find() if c.console_user]
    assert users  # the demo's endpoints have someone logged in
    async with ApplianceClient(appliance.url, credentials=RepCredentials("admin", "demo")) as admin:
        await admin.update_settings({"statistics": ["cpu", "disk_usage", "uptime"]})
    yield users


async def test_the_rep_api_sends_no_console_user_the_site_does_not_select(
    appliance: EmbeddedAppliance, no_user: list[int]
) -> None:
    async with ApplianceClient(appliance.url, credentials=RepCredentials("carol", "demo")) as carol:
        page = await carol.jump_items(per_page=100)
        assert page.items and all(i.console_user == "" for i in page.items)
        seen = [i for i in page.items if i.id in no_user]
        assert seen  # items that have a console user, sent without it
        one = await carol.jump_item(seen[0].id)
        assert one.console_user == "" and (one.x_stats is None or one.x_stats.console_user is None)
        edited = await carol.edit_item(seen[0].id, {"comments": "checked"})
        assert edited.console_user == ""  # every item body, the answer to an edit too
        assert (await carol.jump_items('user:"a"')).items == []  # not matched on either


def test_the_cli_leaves_out_the_console_user(
    appliance: EmbeddedAppliance, no_user: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    def run(*args: str) -> tuple[int, str, str]:
        code = cli.main(["--appliance", appliance.url, "--user", "carol", *args], load_settings)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    code, out, err = run("ls", "--columns", "name,user,cpu")
    assert code == 0 and out.splitlines()[0].split() == ["name", "cpu"]
    assert "does not collect user" in err
    code, out, _ = run("show", str(no_user[0]))
    assert code == 0 and "console_user" not in out and "name" in out
    code, out, err = run("ls", "user:a")  # a filter on it says why it matches nothing
    assert code == 0 and "does not collect what user: reads" in err


async def test_plain_mode_shows_no_console_user_line(
    appliance: EmbeddedAppliance, no_user: list[int]
) -> None:
    out = io.StringIO()
    client = ApplianceClient(appliance.url, credentials=RepCredentials("carol", "demo"))
    plain = PlainConsole(Backend(client), reason="turned on by --plain", out=out)
    said = iter(["show 1", "filter user:a", "quit"])
    assert await plain.run(read=lambda _prompt: next(said)) == 0
    lines = out.getvalue().splitlines()
    assert any(line.startswith("Hostname: ") for line in lines)  # the item was shown
    assert not any(line.startswith("Console user") for line in lines)
    assert not any("; user " in line for line in lines)  # nor in the list's lines
    assert any("does not collect what user: reads" in line for line in lines)  # nor filtered


async def test_the_consoles_compact_snapshot_carries_no_console_user_either(
    appliance: EmbeddedAppliance, no_user: list[int]
) -> None:
    """The console's own feed (its snapshot as columns) is held to the same selection."""
    async with ApplianceClient(appliance.url, credentials=RepCredentials("carol", "demo")) as carol:
        events = Events(LiveFeed(carol, compact=True))
        try:
            columns = await events.snapshot_columns()
        finally:
            await events.close()
    shown = dict(zip(columns.values["id"], columns.values["console_user"], strict=True))
    assert set(no_user) & set(shown)  # items that have a console user, sent as columns
    assert all(user == "" for user in shown.values())
