"""The console's shells: one terminal per open session, which says why it ended."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from api_client import ConnectionFailed, Refused
from console.shells import ShellHub


class ClosedByTheAppliance:
    """A shell that prints a prompt, then is closed with the appliance's reason."""

    exit_code: int | None = None
    ended_because: str | None = None

    async def write(self, data: bytes) -> None:
        return None

    async def resize(self, cols: int, rows: int) -> None:
        return None

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._read()

    async def _read(self) -> AsyncIterator[bytes]:
        yield b"$ "
        raise Refused("Your right to this session was withdrawn.", status=403)


def hub_with(link_for: Any) -> tuple[ShellHub, list[asyncio.Task[None]]]:
    tasks: list[asyncio.Task[None]] = []

    def spawn(_name: str, job: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        tasks.append(asyncio.ensure_future(job))
        return tasks[-1]

    return ShellHub(link_for, spawn), tasks


async def test_a_shell_closed_or_refused_says_why() -> None:
    @asynccontextmanager
    async def closing(_sid: str, _cols: int, _rows: int) -> AsyncIterator[ClosedByTheAppliance]:
        yield ClosedByTheAppliance()

    hub, tasks = hub_with(closing)
    terminal = hub.terminal("s1", "PC-1 (pc-1)")
    terminal.resize(80, 24)
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert terminal.state == "ended"
    assert terminal.ending == "The shell was closed: Your right to this session was withdrawn."
    assert terminal.emulator.display()[0] == "$"

    @asynccontextmanager
    async def refusing(_sid: str, _cols: int, _rows: int) -> AsyncIterator[ClosedByTheAppliance]:
        raise ConnectionFailed("The appliance cannot be reached.")
        yield ClosedByTheAppliance()  # pragma: no cover

    hub, tasks = hub_with(refusing)
    terminal = hub.terminal("s2", "PC-2 (pc-2)")
    terminal.resize(80, 24)
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert terminal.ending == "The shell could not be opened: The appliance cannot be reached."


async def test_a_shell_lives_as_long_as_its_session() -> None:
    opened: list[str] = []

    @asynccontextmanager
    async def endless(sid: str, _cols: int, _rows: int) -> AsyncIterator[Any]:
        opened.append(sid)

        class Open(ClosedByTheAppliance):
            async def _read(self) -> AsyncIterator[bytes]:
                yield b"$ "
                await asyncio.Event().wait()

        yield Open()

    hub, tasks = hub_with(endless)
    first = hub.terminal("s1", "PC-1")
    is_open = asyncio.Event()
    first.listen(lambda: is_open.set() if first.state == "open" else None)
    first.resize(80, 24)
    assert hub.terminal("s1", "PC-1") is first  # a view comes back to the same shell
    await asyncio.wait_for(is_open.wait(), 5)
    hub.keep_only({"s2"})
    await asyncio.gather(*tasks, return_exceptions=True)
    assert first.state == "ended" and first.ending == "The session is over."
    assert opened == ["s1"]


async def test_after_a_reconnect_a_lost_shell_opens_again_and_an_exited_one_does_not() -> None:
    opened: list[str] = []
    outage = True

    class Link(ClosedByTheAppliance):
        def __init__(self, sid: str) -> None:
            self.sid = sid

        async def _read(self) -> AsyncIterator[bytes]:
            yield f"{self.sid}$ ".encode()
            if self.sid == "exits":
                self.exit_code = 0  # the program ended: nothing to reopen
                return
            if outage:
                raise ConnectionFailed("The appliance cannot be reached.")
            await asyncio.Event().wait()

    @asynccontextmanager
    async def link_for(sid: str, _cols: int, _rows: int) -> AsyncIterator[Link]:
        opened.append(sid)
        yield Link(sid)

    hub, tasks = hub_with(link_for)
    lost, exited = hub.terminal("lost", "PC-1"), hub.terminal("exits", "PC-2")
    for terminal in (lost, exited):
        terminal.resize(80, 24)
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert (lost.state, exited.state) == ("ended", "ended")
    assert exited.ending == "The shell exited with code 0."

    outage = False  # the feed is back; both sessions still run on the appliance
    is_open = asyncio.Event()
    lost.listen(lambda: is_open.set() if lost.state == "open" else None)
    assert hub.reopen({"lost", "exits"}) == ["lost"]
    await asyncio.wait_for(is_open.wait(), 5)
    assert opened == ["lost", "exits", "lost"]
    assert exited.state == "ended"
    hub.keep_only(set())
