"""Sessions outlive their consoles: a real appliance, a real Jump Client, a real PTY.

A console that quits leaves its session and shell running for the grace period; the console
that comes back finds the same shell (the same ``$$``) with the screen as it was; nobody
coming back ends the session when the grace period is over (the injected clock moves, no
test waits for it). Several representatives share one terminal, whose size follows the one
who typed last.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from api_client import (
    ApiCredentials,
    ApplianceClient,
    LiveFeed,
    RepCredentials,
    ShellConnection,
    SnapshotLoaded,
    open_shell,
)
from appliance.clock import FakeClock
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from appliance.services import Services
from appliance.shell_state import RESET
from tests.support.appliance import T0
from tests.support.feed import Events
from tests.support.jump_client import Client, eventually, installer, running

pytestmark = [
    pytest.mark.integration,
    pytest.mark.not_storage("the Jump Client process and its shell"),
]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def embedded(database: str, clock: FakeClock) -> Iterator[EmbeddedAppliance]:
    settings = ApplianceSettings(db=database, demo_fleet=2, live_interval_s=0.2, simulate=False)
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
    started: list[Client] = []
    yield started
    for client in started:
        client.stop()


def services(embedded: EmbeddedAppliance) -> Services:
    assert embedded.app is not None
    found: Services = embedded.app.state.appliance
    return found


def rep(embedded: EmbeddedAppliance, username: str) -> ApplianceClient:
    return ApplianceClient(embedded.url, credentials=RepCredentials(username, "demo"))


async def shell_item(
    embedded: EmbeddedAppliance, api: ApplianceClient, folder: Path, clients: list[Client]
) -> int:
    """A real Jump Client on this machine whose unattended policy allows the shell."""
    inst = await installer(api, unattended_session_policy_id=3)
    item_id = running(embedded.url, inst, folder, clients, mac="02:00:5e:77:01:01")
    async with rep(embedded, "carol") as carol:

        async def online() -> bool:
            return (await carol.jump_item(item_id)).x_online

        await eventually(online)
    return item_id


async def read_until(shell: ShellConnection, pattern: bytes) -> bytes:
    """The shell's output up to the first match of the regular expression ``pattern``."""
    seen = b""

    async def read() -> bytes:
        nonlocal seen
        async for chunk in shell:
            seen += chunk
            if re.search(pattern, seen):
                return seen
        raise AssertionError(f"the shell ended before {pattern!r}: {seen[-300:]!r}")

    return await asyncio.wait_for(read(), 20)


async def shell_pid(shell: ShellConnection, tag: str) -> int:
    await shell.write(f"echo {tag}-$$-end\n".encode())
    seen = await read_until(shell, rf"{tag}-\d+-end".encode())
    found = re.search(rf"{tag}-(\d+)-end".encode(), seen)
    assert found is not None
    return int(found.group(1))


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_a_console_that_quits_finds_the_same_shell_and_screen_when_it_comes_back(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path, clients: list[Client]
) -> None:
    item_id = await shell_item(embedded, api, tmp_path / "jc", clients)
    async with rep(embedded, "carol") as carol:
        sid = (await carol.start_session(item_id)).session.sid
        async with open_shell(carol, sid, cols=100, rows=30) as shell:
            pid = await shell_pid(shell, "before")
            await shell.write(b"echo on-the-screen-$((6*7))\n")
            await read_until(shell, b"on-the-screen-42")
    # the console quit: its shell's websocket closed, no feed, no client left

    async with rep(embedded, "carol") as carol:  # the console starts again
        [running_session] = await carol.sessions()  # what it reattaches to
        assert running_session.sid == sid
        async with open_shell(carol, sid, cols=100, rows=30) as shell:
            screen = await read_until(shell, b"on-the-screen-42")  # before it typed anything
            assert screen.startswith(RESET)  # the console's terminal starts again from it
            assert shell.size == (100, 30)
            assert await shell_pid(shell, "after") == pid  # the very same shell
        await carol.end_session(sid)
    await eventually(lambda: asyncio.to_thread(lambda: not alive(pid)))


async def test_a_session_nobody_comes_back_to_ends_after_the_grace_period(
    embedded: EmbeddedAppliance,
    api: ApplianceClient,
    clock: FakeClock,
    tmp_path: Path,
    clients: list[Client],
) -> None:
    item_id = await shell_item(embedded, api, tmp_path / "jc", clients)
    sessions = services(embedded).sessions

    def supervise() -> None:
        embedded.call(lambda: sessions.supervise(clock.now()))

    async with rep(embedded, "carol") as carol:
        console = Events(LiveFeed(carol))  # her console's live feed
        await console.until(lambda event: isinstance(event, SnapshotLoaded))
        sid = (await carol.start_session(item_id)).session.sid
        async with open_shell(carol, sid) as shell:
            pid = await shell_pid(shell, "grace")
        assert (await carol.sessions())[0].unattended_until is None  # her console is there
        await console.close()  # and now it is gone

        async def left_alone() -> bool:
            return (await carol.sessions())[0].unattended_until is not None

        await eventually(left_alone)
        [info] = await carol.sessions()
        assert info.unattended_until == clock.now() + timedelta(seconds=120)  # the default

        clock.advance(119)
        supervise()
        assert [s.sid for s in await carol.sessions()] == [sid]
        assert alive(pid)
        clock.advance(1)
        supervise()
        assert await carol.sessions() == []
        assert (await carol.jump_item(item_id)).x_in_session_by == []  # free for everyone
    ended = services(embedded).site.repo.audit_log(10)
    assert any(
        row["action"] == "session.end" and "nobody attached for 2 minutes" in str(row)
        for row in ended
    )
    await eventually(lambda: asyncio.to_thread(lambda: not alive(pid)))  # its shell too


async def test_the_terminal_takes_the_size_of_the_representative_who_typed_last(
    embedded: EmbeddedAppliance, api: ApplianceClient, tmp_path: Path, clients: list[Client]
) -> None:
    item_id = await shell_item(embedded, api, tmp_path / "jc", clients)
    async with rep(embedded, "carol") as carol, rep(embedded, "alice") as alice:
        sid = (await carol.start_session(item_id)).session.sid
        assert (await alice.start_session(item_id)).joined
        async with (
            open_shell(carol, sid, cols=100, rows=30) as at_carol,
            open_shell(alice, sid, cols=90, rows=25) as at_alice,
        ):
            await at_carol.write(b"stty size; echo carol-$((1+1))\n")
            assert b"30 100" in await read_until(at_carol, b"carol-2")
            await at_alice.write(b"stty size; echo alice-$((2+2))\n")
            assert b"25 90" in await read_until(at_alice, b"alice-4")
            assert b"25 90" in await read_until(at_carol, b"alice-4")  # carol sees it too
            assert at_carol.size == (90, 25) and at_alice.size == (90, 25)
            await at_carol.write(b"stty size; echo carol-$((3+3))\n")
            assert b"30 100" in await read_until(at_alice, b"carol-6")
            assert at_alice.size == (100, 30)
        await carol.end_session(sid)
